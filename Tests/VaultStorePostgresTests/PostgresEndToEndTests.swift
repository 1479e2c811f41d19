import Foundation
import Testing
import VaultTestSupport

/// The real binary with `--vault postgres://…`: a practice's first day on PostgreSQL.
@Suite("PostgreSQL vault end to end")
struct PostgresEndToEndTests {
    @Test("init, user add and enrol, client add, note add, note open, log verify on PostgreSQL", .enabled(if: PGTest.available, PGTest.skipReason))
    func firstDay() async throws {
        try await offPool { try Self.firstDayBody() }
    }

    /// Off Swift's cooperative threads: the binary runs for seconds, and the PostgreSQL suites
    /// running beside it need those threads for their connection pools.
    private static func firstDayBody() throws {
        let url = try PGTest.freshDatabase()
        let p = try TestPractice(vault: url)
        let client = try p.addClient(name: "Postgres Person")
        let note = try p.addNote(client, "first session on the shared server")
        let opened = try p.run("rivera", ["--json", "note", "open", note])
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        let json = try JSONSerialization.jsonObject(with: opened.stdoutData) as? [String: Any]
        #expect(json?["text"] as? String == "first session on the shared server")
        #expect(try p.run("chen", ["note", "open", note]).exitCode == 77)
        let unlock = try p.run("rivera", ["unlock"])
        #expect(unlock.exitCode == 64)
        #expect(unlock.stderr == "confidant: error: the agent serves vault files only, for now; on a PostgreSQL vault each command asks its passphrase\n")
        let verified = try p.run("admin", ["--json", "log", "verify"])
        #expect(verified.exitCode == 0, "\(verified.stderr)")
        let report = try JSONSerialization.jsonObject(with: verified.stdoutData) as? [String: Any]
        // `log verify` checked every entry before its own.
        let size = try PGTest.psql("SELECT COUNT(*) - 1 FROM access_log", database: PGTest.database(of: url))
        #expect((report?["size"] as? Int).map(String.init) == size)
        // The server holds no plaintext of the note.
        let stored = try PGTest.psql("SELECT COUNT(*) FROM records WHERE position('first session'::bytea IN ciphertext) > 0",
                                     database: PGTest.database(of: url))
        #expect(stored == "0")
    }

    @Test("a raw UPDATE of a care-team row on the server is refused as on SQLite (65)", .enabled(if: PGTest.available, PGTest.skipReason))
    func tamperedCareTeam() async throws {
        try await offPool { try Self.tamperedCareTeamBody() }
    }

    private static func tamperedCareTeamBody() throws {
        let url = try PGTest.freshDatabase()
        let p = try TestPractice(vault: url)
        let client = try p.addClient(name: "Tamper Person")
        _ = try p.addNote(client, "a note")
        try PGTest.psql(#"UPDATE care_team SET granted_at = granted_at + 1 WHERE "user" = 'rivera'"#, database: PGTest.database(of: url))
        let r = try p.run("rivera", ["note", "list", client])
        #expect(r.exitCode == 65, "\(r.stderr)")
        let trigger = """
            CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER keep BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION keep()
            """
        try PGTest.psql(trigger, database: PGTest.database(of: url))
        let refused = try p.run("admin", ["log", "verify"])
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.contains("holds a trigger (keep on access_log)"), "\(refused.stderr)")
    }

    @Test("a raw DELETE of a note's row on the server is detected as on SQLite (65), and log verify names it",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func deletedRecord() async throws {
        try await offPool { try Self.deletedRecordBody() }
    }

    private static func deletedRecordBody() throws {
        let url = try PGTest.freshDatabase()
        let p = try TestPractice(vault: url)
        let client = try p.addClient(name: "Deleted Person")
        let kept = try p.addNote(client, "kept")
        let gone = try p.addNote(client, "to be deleted by the server")
        try PGTest.psql("DELETE FROM records WHERE id = '\(gone)'", database: PGTest.database(of: url))
        let listed = try p.run("rivera", ["note", "list", client])
        #expect(listed.exitCode == 65, "\(listed.stderr)")
        #expect(listed.stderr.contains("differs from what its signed entries committed"), "\(listed.stderr)")
        #expect(try p.run("rivera", ["note", "open", kept]).exitCode == 65)
        let verify = try p.run("admin", ["log", "verify"])
        #expect(verify.exitCode == 65)
        #expect(verify.stderr.contains("client \(client): table records holds"), "\(verify.stderr)")
    }
}
