import Foundation
import GRDB
import Testing
import VaultTestSupport

// The writer without keys against clients' requests: a request's state is part of the signed
// state, so flipping it in the file is refused (65) before anything is decided on it.

@Suite("writer attacks on requests", .sqliteOnly)
struct WriterRequestAttackTests {
    @Test("a denied access request flipped back to open by one UPDATE is not fulfilled (65, no file) and log verify names it")
    func reopenedDenial() throws {
        let p = try TestPractice(env: ["CONFIDANT_TEST_NOW": "2026-01-06T10:00:00Z"])
        let client = try p.addClient(name: "Dana Reyes")
        _ = try p.addNote(client, "Session 1.")
        let req = try p.ok("rivera", ["export", "request", client])
        let denied = try p.run("rivera", ["export", "deny", req, "--ground", "litigation", "--reason", "compiled for a lawsuit"])
        #expect(denied.exitCode == 0, "\(denied.stderr)")
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE export_requests SET state = 'open' WHERE id = ?", arguments: [req])
        }
        let (_, recipient) = try AgeKey.generate(in: p.dir)
        let f = try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("x.age"), "--recipient", recipient])
        #expect(f.exitCode == 65)
        #expect(f.stderr.contains("differs from what its signed entries committed"), "\(f.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.age")))
        let v = try p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.contains("export_requests"), "\(v.stderr)")
    }

    @Test("an accounting request's due day moved later by one UPDATE is refused (65) where it would be listed")
    func movedDueDay() throws {
        let p = try TestPractice(env: ["CONFIDANT_TEST_NOW": "2026-01-06T10:00:00Z"])
        let client = try p.addClient(name: "Dana Reyes")
        let made = try p.ok("rivera", ["accounting", "request", client])
        let req = try #require(made.split(separator: "\n").first.map(String.init))
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE export_requests SET due_at = due_at + 86400000 * 90 WHERE id = ?", arguments: [req])
        }
        let listed = try p.run("rivera", ["accounting", "list", client])
        #expect(listed.exitCode == 65)
        #expect(listed.stdout.isEmpty)
    }

    @Test("deleting a minor-consent marker (to show the note to the parent) is refused (65): no export is written")
    func deletedMinorConsentMarker() throws {
        let p = try TestPractice(env: ["CONFIDANT_TEST_NOW": "2026-01-05T10:00:00Z"])
        let client = try p.ok("rivera", ["client", "add", "--name", "Sam Lopez", "--dob", "2011-04-10"])
        try p.addUser("maria", role: "representative", ["--client", client])
        _ = try p.ok("rivera", ["representative", "add", client, "--name", "Maria Lopez", "--relation", "parent",
                                "--evidence", "birth certificate", "--user", "maria"])
        _ = try p.ok("rivera", ["note", "add", client, "--minor-consented"], stdin: Data("Sam asked for counselling on his own.".utf8))
        let req = try p.ok("maria", ["export", "request", client])
        try VaultFile.withDatabase(p.vault) { db in
            // The newest representative record is the marker (the writer cannot read it, only guess).
            try db.execute(sql: """
                DELETE FROM records WHERE id = (SELECT id FROM records WHERE kind = 'representative' AND client_id = ?
                ORDER BY created_at DESC, rowid DESC LIMIT 1)
                """, arguments: [client])
        }
        let (_, recipient) = try AgeKey.generate(in: p.dir)
        let f = try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("x.age"), "--recipient", recipient])
        #expect(f.exitCode == 65)
        #expect(f.stderr.contains("differs from what its signed entries committed"), "\(f.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.age")))
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 65)
    }
}
