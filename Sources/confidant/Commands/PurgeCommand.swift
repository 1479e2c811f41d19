import ArgumentParser
import Foundation
import VaultCore

/// `client purge`: crypto-shreds a client, with a compliance officer's approval.
struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purge",
                                                    abstract: "Crypto-shred a client after retention (admin, approved by compliance).")
    @OptionGroup var globals: GlobalOptions
    @Argument var client: String
    @OptionGroup var approver: ApproverOptions
    @Flag(help: "Purge before the retention period ends (needs the same approval; flagged for review).")
    var forceBeforeRetention = false
    func run() throws {
        let session = try globals.session()
        let approving = try approver.session(vault: session.vault)
        let id = try session.resolve(client, as: .client)
        let r = try session.purge(clientID: id, approver: approving, force: forceBeforeRetention)
        if globals.json { return try Output.json(r) }
        Output.line("Purged \(id): \(r.recordsDestroyed) records and \(r.keyVersionsDestroyed) key versions destroyed; "
                    + "the log keeps a tombstone. Backups made before now still hold them.")
        if !r.storageErased {
            Output.line("Crypto-shred only: the database's write-ahead log, WAL archives, replicas and dumps keep old row versions "
                        + "(ciphertext whose keys are destroyed, and plaintext ids and times) until their retention ends.")
        }
    }
}
