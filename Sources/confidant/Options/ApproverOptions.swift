import ArgumentParser
import VaultCore

/// The approving user of a purge, and how its passphrase is given.
struct ApproverOptions: ParsableArguments {
    @Option(help: "The compliance officer approving (its passphrase is asked too).")
    var approvedBy: String
    @Option(help: "Read the approver's passphrase from this file (env CONFIDANT_COSIGN_PASSPHRASE_FILE).")
    var cosignPassphraseFile: String?
    @Option(help: "Read the approver's passphrase from this open file descriptor.")
    var cosignPassphraseFD: Int32?

    func session(vault: Vault) throws -> Session {
        try CosignOptions.unlock(approvedBy, file: cosignPassphraseFile, fd: cosignPassphraseFD, vault: vault)
    }
}
