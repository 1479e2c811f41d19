import ArgumentParser
import Foundation
import VaultCore

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the vault into another, empty store (a file or a postgres:// URL) and verify the copy (admin).",
        discussion: """
            Every row is copied as stored (nothing is decrypted); the copy is then opened with every \
            check, its whole log and state verified, and a signed vault.migrate entry appended to it. \
            Keep using the target afterwards: on this machine the old store then looks rolled back (65).
            """)
    @OptionGroup var globals: GlobalOptions
    @Option(help: "The vault to copy (a file or a postgres:// URL; default --vault).") var from: String?
    @Option(help: "The new, empty store (a file that does not exist, or an empty PostgreSQL database).") var to: String

    func run() throws {
        var g = globals
        if let from { g.vault = from }
        let (session, passphrase) = try g.sessionAndPassphrase()
        let made = VaultLocation.storeMaker(to)
        let r = try session.migrate(to: made.create, named: VaultLocation.display(to), discard: made.discard, passphrase: passphrase,
                                    progress: { n in if n % 100_000 == 0 { Output.note("copied \(n) log entries") } })
        if globals.json { return try Output.json(r) }
        Output.line("Migrated \(r.from) → \(r.to) (\(VaultLocation.display(to))): \(r.clients) clients, \(r.records) records, "
                    + "\(r.logEntries) log entries verified, root \(r.logRoot); a vault.migrate entry was signed in the copy.")
    }
}
