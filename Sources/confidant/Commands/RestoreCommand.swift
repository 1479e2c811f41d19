import ArgumentParser
import Foundation
import VaultCore

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore",
                                                    abstract: "Put a verified backup of this vault back in place (admin).")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "The backup file.") var file: String
    @OptionGroup var approval: ApproverOptions
    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw VaultError(.notFound, "no backup file at \(file)") }
        let session = try globals.session()
        let r = try session.restore(from: file, approver: try approval.session(vault: session.vault))
        if globals.json { return try Output.json(r) }
        Output.line("Restored \(file): \(r.clients) clients, \(r.records) records, \(r.logEntries) log entries verified.")
    }
}
