import ArgumentParser
import Foundation
import VaultCore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup",
                                                    abstract: "Write a consistent, verified copy of the vault (admin).")
    @OptionGroup var globals: GlobalOptions
    @Option(help: "The backup file to create (must not exist).") var out: String
    func run() throws {
        let r = try globals.session().backup(to: out)
        if globals.json { return try Output.json(r) }
        Output.line("Backup written to \(out) and verified: \(r.clients) clients, \(r.records) records, \(r.logEntries) log entries, "
                    + "root \(r.logRoot).")
    }
}
