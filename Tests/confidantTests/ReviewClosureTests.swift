import Foundation
import GRDB
import Testing
import VaultTestSupport

fileprivate func items(_ p: TestPractice) throws -> [[String: Any]] {
    let r = try p.run("morgan", ["--json", "log", "review", "--all"])
    guard r.exitCode == 0 else { throw TestFailure("log review exited \(r.exitCode): \(r.stderr)") }
    return (try JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

/// Review closures count only from a certified compliance user, under a verified signature, who
/// is not the item's actor (a single-staff vault aside).
@Suite("review closures")
struct ReviewClosureTests {
    @Test("the actor of an item cannot close it (77) while another compliance user exists; that user can (0)")
    func actorCannotCloseOwnItem() throws {
        let p = try TestPractice(extraUsers: [("dana", "therapist,compliance")])
        let client = try p.addClient()
        let note = try p.addNote(client, "rivera's note")
        #expect(try p.run("dana", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        let item = try #require(try items(p).first { $0["rule"] as? String == "denied" && $0["actor"] as? String == "dana" })
        let id = try #require(item["id"] as? String)
        let own = try p.run("dana", ["log", "close-review", id, "--note", "I looked at my own mistake"])
        #expect(own.exitCode == 77)
        #expect(own.stderr == "confidant: error: user 'dana' is the actor of this item; another compliance user must review it\n")
        #expect(try items(p).first { $0["id"] as? String == id }?["state"] as? String == "open")
        #expect(try p.run("morgan", ["log", "close-review", id, "--note", "wrong client chosen; no access"]).exitCode == 0)
        let closed = try #require(try items(p).first { $0["id"] as? String == id })
        #expect(closed["state"] as? String == "closed")
        #expect(closed["closedBy"] as? String == "morgan")
    }

    @Test("a closing entry planted by a writer closes nothing", .sqliteOnly)
    func plantedClosure() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "rivera's note")
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        let id = try #require(try items(p).first { $0["rule"] as? String == "denied" }?["id"] as? String)
        // Copy a real signed entry of morgan's and relabel it as the closure of this item.
        try VaultFile.withDatabase(p.vault) { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM access_log") ?? 0
            try db.execute(sql: """
                INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags,
                  entry, leaf_hash, signer, signature)
                SELECT ?, time, actor, roles, 'review.close', '', ?, 'HOPERAT', X'', 'success', '', '', entry, leaf_hash, signer, signature
                FROM access_log WHERE actor = 'morgan' ORDER BY seq DESC LIMIT 1
                """, arguments: [seq + 1, id])
        }
        let after = try p.run("morgan", ["--json", "log", "review", "--all"])
        if after.exitCode == 0 {
            let list = (try JSONSerialization.jsonObject(with: after.stdoutData)) as? [[String: Any]] ?? []
            #expect(list.first { $0["id"] as? String == id }?["state"] as? String == "open")
        } else {
            #expect(after.exitCode == 65)
        }
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 65)
    }

    @Test("in a single-staff vault the one user closes its own items, marked self-reviewed")
    func singleStaff() throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "solo passphrase 1\n")
        let vault = dir.file("solo.vault")
        let auth = ["--vault", vault, "--as", "solo", "--passphrase-file", pass]
        #expect(try CLI.run(["init", "--vault", vault, "--practice", "Solo", "--admin", "solo", "--roles", "admin,therapist,compliance",
                             "--recovery-out", dir.file("rec.key"), "--kdf", "interactive", "--passphrase-file", pass]).exitCode == 0)
        // Refused: rotating every client needs the recovery key file.
        #expect(try CLI.run(["key", "rotate", "--all-clients"] + auth).exitCode == 77)
        let list = try CLI.run(["--json", "log", "review"] + auth)
        let all = (try JSONSerialization.jsonObject(with: list.stdoutData)) as? [[String: Any]] ?? []
        let id = try #require(all.first?["id"] as? String)
        #expect(try CLI.run(["log", "close-review", id, "--note", "my typo"] + auth).exitCode == 0)
        let flags = try VaultFile.string(vault, "SELECT flags FROM access_log WHERE action = 'review.close' ORDER BY seq DESC LIMIT 1")
        #expect(flags == "self-reviewed")
    }
}
