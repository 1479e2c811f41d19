import ArgumentParser
import Foundation
import VaultCore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a consistent, verified copy of the vault (admin).")
    @OptionGroup var globals: GlobalOptions
    @Option(help: "The backup file to create (must not exist).") var out: String
    func run() throws {
        let r = try globals.session().backup(to: out)
        if globals.json { return try Output.json(r) }
        Output.line("Backup written to \(out) and verified: \(r.clients) clients, \(r.records) records, \(r.logEntries) log entries, root \(r.logRoot).")
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Put a verified backup of this vault back in place (admin).")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "The backup file.") var file: String
    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw VaultError(.notFound, "no backup file at \(file)") }
        let r = try globals.session().restore(from: file)
        if globals.json { return try Output.json(r) }
        Output.line("Restored \(file): \(r.clients) clients, \(r.records) records, \(r.logEntries) log entries verified.")
    }
}

struct PurgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purge", abstract: "Crypto-shred a client after retention (admin, approved by compliance).")
    @OptionGroup var globals: GlobalOptions
    @Argument var client: String
    @OptionGroup var approver: ApproverOptions
    @Flag(help: "Purge before the retention period ends (needs the same approval; flagged for review).") var forceBeforeRetention = false
    func run() throws {
        let session = try globals.session()
        let approving = try approver.session(vault: session.vault)
        let r = try session.purge(clientID: client, approver: approving, force: forceBeforeRetention)
        if globals.json { return try Output.json(r) }
        Output.line("Purged \(client): \(r.recordsDestroyed) records and \(r.keyVersionsDestroyed) key versions destroyed; the log keeps a tombstone. Backups made before now still hold them.")
    }
}
