import ArgumentParser
import Foundation
import VaultCore

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore",
                                                    abstract: "Put a verified backup of this vault back in place (admin).")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "The backup file.") var file: String
    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw VaultError(.notFound, "no backup file at \(file)") }
        let r = try globals.session().restore(from: file)
        if globals.json { return try Output.json(r) }
        Output.line("Restored \(file): \(r.clients) clients, \(r.records) records, \(r.logEntries) log entries verified.")
    }
}
