import ArgumentParser
import Foundation
import VaultCore

/// How the co-signing user's passphrase is given (never on argv or in an environment value).
struct CosignOptions: ParsableArguments {
    @Option(help: "A compliance officer who co-signs an override (its passphrase is asked too).")
    var cosign: String?
    @Option(help: "Read the co-signer's passphrase from this file (env CONFIDANT_COSIGN_PASSPHRASE_FILE).")
    var cosignPassphraseFile: String?
    @Option(help: "Read the co-signer's passphrase from this open file descriptor.")
    var cosignPassphraseFD: Int32?

    /// Unlocks the co-signer, if one was named, in the same vault.
    func session(vault: Vault) throws -> Session? {
        guard let cosign else { return nil }
        return try Self.unlock(cosign, file: cosignPassphraseFile, fd: cosignPassphraseFD, vault: vault)
    }

    static func unlock(_ name: String, file: String?, fd: Int32?, vault: Vault) throws -> Session {
        try UserName.validate(name)  // before the prompt, which shows the name
        let source: PassphraseSource
        if let fd { source = .fd(fd) }
        else if let f = file ?? ProcessInfo.processInfo.environment["CONFIDANT_COSIGN_PASSPHRASE_FILE"] { source = .file(f) }
        else { source = .terminal }
        let pass = try Passphrase.read(from: source, prompt: "Passphrase for \(name) (co-signing): ")
        return try vault.unlock(user: name, passphrase: pass)
    }
}
