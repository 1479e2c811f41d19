import Foundation
import Testing
import VaultCore
import VaultStorePostgres
import VaultTestSupport

/// What the PostgreSQL store declares: crypto-shred only. It cannot write a `backup` file or
/// erase deleted rows (its WAL, archives, replicas and dumps keep old row versions).
@Suite("PostgreSQL store capabilities")
struct PostgresCapabilitiesTests {
    @Test("the PostgreSQL store declares crypto-shred and nothing else", .enabled(if: PGTest.available, PGTest.skipReason))
    func declared() async throws {
        let url = try PGTest.freshDatabase()
        let caps = try await offPool { () -> StoreCapabilities in
            let store = try PostgresStore.create(url: url)
            defer { store.close() }
            return store.capabilities
        }
        #expect(caps == [.cryptoShred])
    }

    @Test("on PostgreSQL, backup and restore are refused (64) and a purge crypto-shreds and says what the server keeps",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func backupRefusedPurgeShreds() async throws {
        try await offPool { try Self.backupRefusedPurgeShredsBody() }
    }

    private static func backupRefusedPurgeShredsBody() throws {
        let url = try PGTest.freshDatabase()
        let p = try TestPractice(vault: url)
        let client = try p.addClient(name: "Shredded Person")
        _ = try p.addNote(client, "a note the purge destroys")
        let refusal = "nothing was changed (a PostgreSQL vault is copied with 'confidant migrate --to FILE' and backed up with pg_dump)"
        let backup = try p.run("admin", ["backup", "--out", p.dir.file("b.vault")])
        #expect(backup.exitCode == 64)
        #expect(backup.stderr == "confidant: error: this vault's store cannot write a backup; \(refusal)\n")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("b.vault")))
        // A file is there (a missing one is 66 before the vault is opened): the store refuses first.
        try p.dir.write("b.vault", "not read")
        let restore = try p.run("admin", ["restore", p.dir.file("b.vault")] + p.approvedBy())
        #expect(restore.exitCode == 64)
        #expect(restore.stderr == "confidant: error: this vault's store cannot restore a backup; \(refusal)\n")
        let purge = try p.run("admin", ["client", "purge", client, "--force-before-retention"] + p.approvedBy())
        #expect(purge.exitCode == 0, "\(purge.stderr)")
        let lines = purge.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("Purged \(client): ") == true)
        #expect(lines.last == "Crypto-shred only: the database's write-ahead log, WAL archives, replicas and dumps keep old row versions "
                + "(ciphertext whose keys are destroyed, and plaintext ids and times) until their retention ends.")
        let db = PGTest.database(of: url)
        #expect(try PGTest.psql("SELECT COUNT(*) FROM records WHERE client_id = '\(client)'", database: db) == "0")
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}
