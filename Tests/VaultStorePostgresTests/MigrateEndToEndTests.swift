import Foundation
import Testing
import VaultTestSupport

/// `confidant migrate` through the real binary: a vault file to PostgreSQL and back.
@Suite("migrate between stores end to end")
struct MigrateEndToEndTests {
    @Test("SQLite → PostgreSQL → SQLite: every note opens to its bytes, log verify 0, a checkpoint taken before verifies after",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func roundTrip() async throws {
        try await offPool { try Self.roundTripBody() }
    }

    private static func roundTripBody() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Migrating Person")
        let texts = ["first session\nwith two lines\n", "second session: ünïcödé and a tab\t.", "psychotherapy impressions"]
        let notes = [try p.addNote(client, texts[0]), try p.addNote(client, texts[1]), try p.addNote(client, texts[2], kind: "psychotherapy")]
        let checkpoint = p.dir.file("before.checkpoint")
        _ = try p.ok("morgan", ["log", "checkpoint", "--out", checkpoint])
        let url = try PGTest.freshDatabase()
        let there = try p.run("admin", ["--json", "migrate", "--from", p.vault, "--to", url])
        #expect(there.exitCode == 0, "\(there.stderr)")
        let report = try JSONSerialization.jsonObject(with: there.stdoutData) as? [String: Any]
        #expect(report?["from"] as? String == "sqlite")
        #expect(report?["to"] as? String == "postgresql")
        // The three notes and the client's sealed profile.
        #expect(report?["records"] as? Int == 4)
        #expect(report?["clients"] as? Int == 1)
        try expectCopy(p, at: url, notes: notes, texts: texts, checkpoint: checkpoint)
        // On this machine the old file is now an earlier point of the vault: a rollback.
        let old = try p.run("rivera", ["note", "list", client])
        #expect(old.exitCode == 65)
        #expect(old.stderr.contains("rolled back"), "\(old.stderr)")

        let back = p.dir.file("back.vault")
        let onServer = try PGTest.psql("SELECT COUNT(*) FROM access_log", database: PGTest.database(of: url))
        let home = try CLI.run(["--json", "migrate", "--from", url, "--to", back, "--as", "admin", "--passphrase-file", p.dir.file("pass-admin")],
                               cwd: p.dir.path, env: p.env)
        #expect(home.exitCode == 0, "\(home.stderr)")
        let homeReport = try JSONSerialization.jsonObject(with: home.stdoutData) as? [String: Any]
        #expect(homeReport?["from"] as? String == "postgresql")
        #expect(homeReport?["to"] as? String == "sqlite")
        // Every entry on the server travelled, the first migration's included.
        #expect((homeReport?["logEntries"] as? Int).map(String.init) == onServer)
        try expectCopy(p, at: back, notes: notes, texts: texts, checkpoint: checkpoint)
    }

    /// Every note opens to its bytes by its author in the copy; `log verify` is 0 with and
    /// without the checkpoint taken before the migration; the log ends in a signed vault.migrate.
    private static func expectCopy(_ p: TestPractice, at location: String, notes: [String], texts: [String], checkpoint: String) throws {
        for (note, text) in zip(notes, texts) {
            let r = try CLI.run(["--json", "note", "open", note, "--vault", location, "--as", "rivera", "--passphrase-file", p.dir.file("pass-rivera")],
                                cwd: p.dir.path, env: p.env)
            #expect(r.exitCode == 0, "\(r.stderr)")
            #expect((try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])?["text"] as? String == text)
        }
        let admin = ["--vault", location, "--as", "admin", "--passphrase-file", p.dir.file("pass-admin")]
        #expect(try CLI.run(["log", "verify"] + admin, cwd: p.dir.path, env: p.env).exitCode == 0)
        let withCheckpoint = try CLI.run(["log", "verify", "--checkpoint", checkpoint] + admin, cwd: p.dir.path, env: p.env)
        #expect(withCheckpoint.exitCode == 0, "\(withCheckpoint.stderr)")
        let compliance = ["--vault", location, "--as", "morgan", "--passphrase-file", p.dir.file("pass-morgan")]
        let shown = try CLI.run(["--json", "log", "show", "--action", "vault.migrate"] + compliance, cwd: p.dir.path, env: p.env)
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        let entries = try JSONSerialization.jsonObject(with: shown.stdoutData) as? [[String: Any]] ?? []
        #expect(entries.last?["actor"] as? String == "admin")
        #expect(entries.last?["outcome"] as? String == "success")
    }

    @Test("a target that holds a vault is refused (73) and left as it was; only an admin migrates (77)",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func refusals() async throws {
        try await offPool { try Self.refusalsBody() }
    }

    private static func refusalsBody() throws {
        let p = try TestPractice()
        _ = try p.addClient(name: "Someone")
        let url = try PGTest.freshDatabase()
        let other = try TestPractice(vault: url)
        let before = try PGTest.psql("SELECT COUNT(*) FROM access_log", database: PGTest.database(of: url))
        let full = try p.run("admin", ["migrate", "--from", p.vault, "--to", url])
        #expect(full.exitCode == 73)
        #expect(full.stderr.hasSuffix("is not empty (it holds table 'access_log'); give the vault a database of its own\n"), "\(full.stderr)")
        #expect(try PGTest.psql("SELECT COUNT(*) FROM access_log", database: PGTest.database(of: url)) == before)
        _ = other
        let file = p.dir.file("exists.vault")
        try p.dir.write("exists.vault", "")
        #expect(try p.run("admin", ["migrate", "--to", file]).exitCode == 73)
        let notAdmin = try p.run("rivera", ["migrate", "--to", p.dir.file("new.vault")])
        #expect(notAdmin.exitCode == 77)
        #expect(notAdmin.stderr == "confidant: error: migrating the vault needs the admin role; user 'rivera' has therapist\n")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("new.vault")))
    }
}
