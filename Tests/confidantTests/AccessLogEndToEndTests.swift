import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// `log verify` against a database editor: every kind of tampering exits 65 and names the entry.
@Suite("access log end to end")
struct AccessLogEndToEndTests {
    /// A practice with some history; returns it and the seq of a note.open entry by rivera.
    func practiceWithHistory() throws -> (TestPractice, Int64) {
        let p = try TestPractice(extraUsers: [("auditor", "compliance")])
        let client = try p.addClient()
        let note = try p.addNote(client, "text")
        _ = try p.ok("rivera", ["note", "open", note, "--purpose", "TREAT", "--reason", "prep"])
        _ = try p.run("chen", ["note", "open", note, "--purpose", "TREAT"])
        _ = try p.ok("rivera", ["note", "list", client])
        let seq = try VaultFile.string(p.vault, "SELECT seq FROM access_log WHERE action = 'note.open' AND actor = 'rivera' AND outcome = 'success'")
        return (p, try #require(seq.flatMap { Int64($0) }))
    }

    func verify(_ p: TestPractice, checkpoint: String? = nil) throws -> CLIResult {
        try p.run("admin", ["log", "verify"] + (checkpoint.map { ["--checkpoint", $0] } ?? []))
    }

    @Test("an untouched log verifies and reports its size")
    func untouched() throws {
        let (p, _) = try practiceWithHistory()
        let count = try VaultFile.logRows(p.vault).count
        let r = try p.run("admin", ["--json", "log", "verify"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        #expect(obj?["size"] as? Int == count)
        #expect(obj?["unsignedEntries"] as? Int == 0)
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)
    }

    @Test("a modified field is named", arguments: ["purpose", "outcome", "actor", "client_id", "time", "flags"])
    func modifiedColumn(_ column: String) throws {
        let (p, seq) = try practiceWithHistory()
        let value = column == "time" ? "1" : (column == "outcome" ? "'denied'" : "'HLEGAL'")
        try VaultFile.execute(p.vault, "UPDATE access_log SET \(column) = \(value) WHERE seq = \(seq)")
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr == "confidant: error: entry \(seq) was modified: its fields no longer match its signed bytes\n")
    }

    @Test("rewriting the signed bytes too is caught by the signature", .sqliteOnly)
    func modifiedEntryBytes() throws {
        let (p, seq) = try practiceWithHistory()
        try VaultFile.withDatabase(p.vault) { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM access_log WHERE seq = ?", arguments: [seq]))
            var e = try AccessEntry.decode([UInt8](row["entry"] as Data))
            e.purpose = "HLEGAL"
            let bytes = e.canonicalBytes()
            try db.execute(sql: "UPDATE access_log SET purpose = 'HLEGAL', entry = ?, leaf_hash = ? WHERE seq = ?",
                           arguments: [Data(bytes), Data(AccessEntry.leafHash(bytes)), seq])
        }
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr == "confidant: error: entry \(seq): signature does not verify with the key of 'rivera' (modified or re-signed)\n")
    }

    @Test("a removed entry is named")
    func removed() throws {
        let (p, seq) = try practiceWithHistory()
        try VaultFile.execute(p.vault, "DELETE FROM access_log WHERE seq = \(seq)")
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr == "confidant: error: entry \(seq) is missing: the log jumps from \(seq - 1) to \(seq + 1) (entries were removed)\n")
    }

    @Test("reordered entries are named")
    func reordered() throws {
        let (p, seq) = try practiceWithHistory()
        try VaultFile.execute(p.vault, """
            UPDATE access_log SET seq = -1 WHERE seq = \(seq);
            UPDATE access_log SET seq = \(seq) WHERE seq = \(seq + 1);
            UPDATE access_log SET seq = \(seq + 1) WHERE seq = -1
            """)
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr.hasPrefix("confidant: error: entry \(seq) "))
    }

    @Test("an entry re-signed with another user's key is named", .sqliteOnly, arguments: [false, true])
    func reSigned(_ changeSigner: Bool) throws {
        let (p, seq) = try practiceWithHistory()
        // chen's real signing key, unlocked the way chen would.
        let vault = try TestStore.openVault(p.vault)
        let chen = try vault.unlock(user: "chen", passphrase: try SecretBytes(copying: Array("chen passphrase 1".utf8)))
        try VaultFile.withDatabase(p.vault) { db in
            let entry = try #require(try Data.fetchOne(db, sql: "SELECT entry FROM access_log WHERE seq = ?", arguments: [seq]))
            let sig = chen.identity.signing.sign([UInt8](entry))
            try db.execute(sql: "UPDATE access_log SET signature = ?, signer = ? WHERE seq = ?",
                           arguments: [Data(sig), changeSigner ? "chen" : "rivera", seq])
        }
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr == (changeSigner
            ? "confidant: error: entry \(seq) by 'rivera' was signed by 'chen'\n"
            : "confidant: error: entry \(seq): signature does not verify with the key of 'rivera' (modified or re-signed)\n"))
    }

    @Test("truncation below a pinned checkpoint is detected, even with the tree heads removed too")
    func truncatedAfterCheckpoint() throws {
        let (p, _) = try practiceWithHistory()
        let cp = p.dir.file("checkpoint.txt")
        let c = try p.run("morgan", ["--json", "log", "checkpoint", "--out", cp])
        #expect(c.exitCode == 0, "\(c.stderr)")
        let pinned = try #require(Int((try JSONSerialization.jsonObject(with: c.stdoutData) as? [String: String])?["size"] ?? ""))
        let text = try String(contentsOfFile: cp, encoding: .utf8)
        #expect(text.hasPrefix("confidant/"))
        #expect(text.contains("\n\(pinned)\n"))
        #expect(try verify(p, checkpoint: cp).exitCode == 0)
        _ = try p.ok("rivera", ["client", "list"])
        // The careful attacker: drop the last entries and their tree heads.
        let keep = pinned - 2
        try VaultFile.execute(p.vault, "DELETE FROM access_log WHERE seq > \(keep); DELETE FROM tree_heads WHERE size > \(keep)")
        let quiet = try VaultFile.string(p.vault, "SELECT COUNT(*) FROM access_log")
        #expect(quiet == String(keep))
        let r = try verify(p, checkpoint: cp)
        #expect(r.exitCode == 65)
        #expect(r.stderr.hasPrefix("confidant: error: entry \(keep + 1) is missing: the log has \(keep) entries but the checkpoint of "))
        #expect(r.stderr.hasSuffix("pinned \(pinned) (truncated)\n"))
    }

    @Test("truncation that leaves the tree heads behind is detected without a checkpoint")
    func truncatedEntriesOnly() throws {
        let (p, _) = try practiceWithHistory()
        let n = try VaultFile.logRows(p.vault).count
        try VaultFile.execute(p.vault, "DELETE FROM access_log WHERE seq > \(n - 3)")
        let r = try verify(p)
        #expect(r.exitCode == 65)
        #expect(r.stderr == "confidant: error: entry \(n - 2) is missing: tree heads exist for 3 entries after the last one (the log was truncated)\n")
    }

    @Test("a checkpoint from another vault, or with a forged signature, is refused")
    func badCheckpoints() throws {
        let (p, _) = try practiceWithHistory()
        let other = try TestPractice()
        let cp = other.dir.file("cp")
        _ = try other.ok("admin", ["log", "checkpoint", "--out", cp])
        let r = try verify(p, checkpoint: cp)
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("not this vault"))
        let mine = p.dir.file("cp")
        _ = try p.ok("admin", ["log", "checkpoint", "--out", mine])
        var text = try String(contentsOfFile: mine, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        text = text.replacingOccurrences(of: "\n\(lines[1])\n", with: "\n\(Int(lines[1])! + 1)\n")
        try text.write(toFile: mine + ".forged", atomically: true, encoding: .utf8)
        let f = try verify(p, checkpoint: mine + ".forged")
        #expect(f.exitCode == 65)
        #expect(f.stderr == "confidant: error: the checkpoint's signature does not verify with this vault's log key\n")
        #expect(try verify(p, checkpoint: p.dir.file("missing")).exitCode == 66)
    }

    @Test("only compliance reads the log; admin may verify; therapists get 77")
    func roles() throws {
        let (p, _) = try practiceWithHistory()
        for args in [["log", "show"], ["log", "review"], ["log", "export", "--format", "fhir"], ["log", "verify"], ["log", "checkpoint", "--out", p.dir.file("x")]] {
            let r = try p.run("rivera", args)
            #expect(r.exitCode == 77, "\(args)")
            #expect(r.stdout.isEmpty)
        }
        #expect(try p.run("admin", ["log", "show"]).exitCode == 77)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
        #expect(try p.run("morgan", ["log", "show"]).exitCode == 0)
    }

    @Test("log show filters, sorts and shows reasons to a compliance officer holding the audit key")
    func show() throws {
        let (p, seq) = try practiceWithHistory()
        let r = try p.run("auditor", ["--json", "log", "show", "--actor", "rivera", "--action", "note.open"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let rows = try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]] ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["seq"] as? Int64 == seq || rows.first?["seq"] as? Int == Int(seq))
        // morgan was enrolled without the recovery key: the reason stays sealed to it.
        #expect(rows.first?["reason"] as? String == "(sealed)")
        let denied = try p.run("auditor", ["--json", "log", "show", "--outcome", "denied", "--sort", "seq", "--desc"])
        let d = try JSONSerialization.jsonObject(with: denied.stdoutData) as? [[String: Any]] ?? []
        #expect(d.compactMap { $0["actor"] as? String } == ["chen"])
        #expect(try p.run("auditor", ["log", "show", "--since", "02/11/2026"]).exitCode == 64)
        #expect(try p.run("auditor", ["log", "show", "--sort", "mood"]).exitCode == 64)
    }

    @Test("review lists what needs a human until a compliance officer closes it")
    func review() throws {
        let (p, _) = try practiceWithHistory()
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        let r = try p.run("morgan", ["--json", "log", "review"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let items = try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]] ?? []
        let denied = items.filter { $0["rule"] as? String == "denied" }
        #expect(denied.count == 1)
        let id = try #require(denied.first?["id"] as? String)
        #expect(denied.first?["actor"] as? String == "chen")
        #expect(try p.run("morgan", ["log", "close-review", id, "--note", "   "]).exitCode == 64)
        #expect(try p.run("rivera", ["log", "close-review", id, "--note", "fine"]).exitCode == 77)
        #expect(try p.ok("morgan", ["log", "close-review", id, "--note", "chen was covering; asked to request a grant"]).contains("Closed"))
        let after = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review"]).stdoutData) as? [[String: Any]] ?? []
        #expect(!after.contains { $0["id"] as? String == id })
        let all = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review", "--all"]).stdoutData) as? [[String: Any]] ?? []
        #expect(all.first { $0["id"] as? String == id }?["state"] as? String == "closed")
        #expect(all.first { $0["id"] as? String == id }?["closedBy"] as? String == "morgan")
        #expect(try p.run("morgan", ["log", "close-review", id, "--note", "again"]).exitCode == 64)
        #expect(try p.run("morgan", ["log", "close-review", "denied-99999", "--note", "x"]).exitCode == 66)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("bulk access and after-hours access become review items, with configurable limits")
    func bulkAndAfterHours() throws {
        // One timeline that only moves forward: set up at 10:00, write at noon, open at 03:00 the next night.
        let p = try TestPractice(env: ["CONFIDANT_TEST_NOW": "2026-11-01T10:00:00Z"])
        _ = try p.ok("admin", ["settings", "set", "review.bulk-threshold", "3"])
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "09:00-17:00"])
        #expect(try p.run("admin", ["settings", "set", "review.bulk-threshold", "zero"]).exitCode == 64)
        #expect(try p.run("admin", ["settings", "set", "review.colour", "red"]).exitCode == 64)
        let noon = ["CONFIDANT_TEST_NOW": "2026-11-01T12:00:00Z"]
        let client = try p.run("rivera", ["client", "add", "--name", "N"], env: noon).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = try p.run("rivera", ["note", "add", client], stdin: Data("x".utf8), env: noon).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<4 {
            _ = try p.run("rivera", ["note", "open", note, "--purpose", "TREAT"], env: ["CONFIDANT_TEST_NOW": "2026-11-02T03:00:00Z"])
        }
        let items = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review"],
                                                                    env: ["CONFIDANT_TEST_NOW": "2026-11-02T10:00:00Z"]).stdoutData) as? [[String: Any]] ?? []
        #expect(items.filter { $0["rule"] as? String == "bulk" }.count == 1)
        #expect(items.filter { $0["rule"] as? String == "after-hours" }.count == 4)
    }

    @Test("an admin grant outside the care team is flagged in the log, but is maintenance, not a review item")
    func outsideCareTeamFlag() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.ok("admin", ["careteam", "grant", client, "chen", "--recovery-key", p.recoveryKey])
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        let flags = try VaultFile.string(p.vault, "SELECT flags FROM access_log WHERE action = 'careteam.grant' AND actor = 'admin' ORDER BY seq DESC LIMIT 1")
        #expect(flags == "outside-care-team")
        let items = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review"]).stdoutData) as? [[String: Any]] ?? []
        #expect(!items.contains { $0["rule"] as? String == "outside-care-team" }, "\(items)")
    }
}

@Suite("access log outputs")
struct AccessLogOutputTests {
    @Test("an output file that cannot be created fails with 73 before anything is logged as success")
    func outputRefusedFirst() throws {
        let p = try TestPractice()
        try p.dir.write("exists", "keep me")
        let before = try VaultFile.logRows(p.vault).count
        for args in [["log", "checkpoint", "--out", p.dir.file("exists")], ["log", "export", "--format", "fhir", "--out", p.dir.file("exists")],
                     ["log", "checkpoint", "--out", p.dir.file("no/such/dir/cp")]] {
            let r = try p.run("morgan", args)
            #expect(r.exitCode == 73, "\(args)")
            #expect(r.stderr.hasPrefix("confidant: error: cannot create "))
        }
        #expect(try String(contentsOfFile: p.dir.file("exists"), encoding: .utf8) == "keep me")
        // No log.checkpoint or log.export entry was written: the output was refused before the session opened.
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before)
    }
}
