import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport

// The party to defend against can write the vault's storage but holds no key (a thief with the
// file, a backup operator, a database administrator). Each test plays that writer with raw SQL
// on the vault file and shows the vault refusing (65) — or acting exactly as if the attack had
// not happened — and `log verify` naming the first bad fact.

fileprivate let tamperedState = "differs from what its signed entries committed"

@Suite("writer attacks", .sqliteOnly)
struct WriterAttackTests {
    @Test("the untampered scene: the revoked therapist is refused (77), so is the unstated basis (77), and the log verifies")
    func baseline() throws {
        let s = try WriterScene()
        let d = try s.decisions(s.p.vault, machine: "baseline")
        #expect(d.open.exitCode == 77)
        #expect(d.disclose.exitCode == 77)
        #expect(try s.p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("undoing a revocation with one UPDATE is refused (65) and log verify names the care-team table")
    func undoRevocation() throws {
        let s = try WriterScene()
        try VaultFile.withDatabase(s.p.vault) { db in
            try db.execute(sql: "UPDATE care_team SET state = 'active' WHERE user = 'chen'")
        }
        let open = try s.p.run("chen", ["note", "open", s.note2, "--purpose", "TREAT"])
        #expect(open.exitCode == 65)
        #expect(open.stdout.isEmpty)
        #expect(open.stderr.contains("client \(s.client) \(tamperedState)"))
        let v = try s.p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.contains("client \(s.client): table care_team holds"), "\(v.stderr)")
    }

    @Test("a planted key version and rotation job are never used: resume and revoke refuse (65), no record is re-sealed")
    func plantedKeyAndJob() throws {
        let s = try WriterScene()
        let known = try XChaCha20Poly1305.generateKey()
        let before = try VaultFile.rows(s.p.vault, "records")
        try VaultFile.withDatabase(s.p.vault) { db in
            let pk = try #require(try Data.fetchOne(db, sql: "SELECT box_pk FROM users WHERE name = 'rivera'"))
            let v = try Int.fetchOne(db, sql: "SELECT max(version) FROM data_keys WHERE client_id = ? AND scope = 'care'", arguments: [s.client]) ?? 0
            let sig = try Data.fetchOne(db, sql: "SELECT signature FROM data_keys WHERE client_id = ? ORDER BY id DESC LIMIT 1", arguments: [s.client]) ?? Data()
            try db.execute(sql: """
                INSERT INTO data_keys (client_id, scope, owner, version, state, created_at, public_key, signer, signature)
                VALUES (?, 'care', '', ?, 'current', 1, X'', 'rivera', ?)
                """, arguments: [s.client, v + 1, sig])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO key_wraps (key_id, recipient, wrapped) VALUES (?, 'user:rivera', ?)",
                           arguments: [id, Data(try SealedBox.seal(secret: known, to: [UInt8](pk)))])
            try db.execute(sql: """
                INSERT INTO rotation_jobs (client_id, scope, owner, to_key_id, state, actor, started_at, finished_at)
                VALUES (?, 'care', '', ?, 'running', 'rivera', 1, 0)
                """, arguments: [s.client, id])
        }
        let resume = try s.p.run("rivera", ["key", "rotate", "--client", s.client, "--resume"])
        #expect(resume.exitCode == 65)
        #expect(resume.stderr.contains(tamperedState))
        #expect(try s.p.run("rivera", ["careteam", "revoke", s.client, "chen"]).exitCode == 65)
        #expect(try s.p.run("rivera", ["note", "add", s.client], stdin: Data("new".utf8)).exitCode == 65)
        #expect(try VaultFile.rows(s.p.vault, "records") == before)
        #expect(try s.p.run("admin", ["log", "verify"]).exitCode == 65)
    }

    @Test("a deleted note, or a deleted newer agreement version, is refused (65) — the unstated basis never passes")
    func deletedRecords() throws {
        let s = try WriterScene()
        let newer = try VaultFile.withDatabase(s.p.vault) { db in
            try String.fetchOne(db, sql: "SELECT id FROM records WHERE client_id = ? AND subkind = 'confidentiality' ORDER BY sequence DESC LIMIT 1",
                                arguments: [s.client])
        }
        let copy = s.p.dir.file("copy.vault")
        try VaultFile.copy(s.p.vault, to: copy)
        try VaultFile.withDatabase(copy) { db in try db.execute(sql: "DELETE FROM records WHERE id = ?", arguments: [try #require(newer)]) }
        let d = try s.decisions(copy, machine: "agreement")
        #expect(d.disclose.exitCode == 65)
        #expect(d.open.exitCode == 65)

        try VaultFile.withDatabase(s.p.vault) { db in try db.execute(sql: "DELETE FROM records WHERE id = ?", arguments: [s.note2]) }
        let list = try s.p.run("rivera", ["note", "list", s.client])
        #expect(list.exitCode == 65)
        #expect(list.stderr.contains(tamperedState))
        let v = try s.p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.contains("client \(s.client): table records holds"), "\(v.stderr)")
    }

    @Test("a planted trigger (or view, index, table) is refused before anything is read or written",
          arguments: ["CREATE TRIGGER t_swap AFTER INSERT ON access_log BEGIN UPDATE data_keys SET public_key = X'00' WHERE scope = 'audit'; END",
                      "CREATE VIEW v_leak AS SELECT * FROM records",
                      "CREATE INDEX i_extra ON records (author)",
                      "CREATE TABLE copied (x BLOB)"])
    func plantedSchemaObject(_ sql: String) throws {
        let s = try WriterScene()
        try VaultFile.withDatabase(s.p.vault) { db in try db.execute(sql: sql) }
        let name = sql.split(separator: " ")[2]
        let logBefore = try VaultFile.rows(s.p.vault, "access_log")
        for args in [["note", "list", s.client], ["client", "list"], ["log", "verify"]] {
            let r = try s.p.run("admin", args)
            #expect(r.exitCode == 65, "\(args)")
            #expect(r.stderr.contains("'\(name)' that is not part of the vault format"), "\(r.stderr)")
        }
        #expect(try VaultFile.rows(s.p.vault, "access_log") == logBefore)
    }

    @Test("yesterday's copy of the vault file put back over today's is refused (65) by every command on this machine")
    func yesterdaysCopy() throws {
        let s = try WriterScene()
        let yesterday = s.p.dir.file("yesterday.vault")
        try VaultFile.copy(s.p.vault, to: yesterday)
        _ = try s.p.addNote(s.client, "written today")
        try VaultFile.copy(yesterday, to: s.p.vault)
        for (user, args) in [("rivera", ["note", "list", s.client]), ("rivera", ["client", "list"]), ("admin", ["log", "verify"]),
                             ("morgan", ["log", "review"])] {
            let r = try s.p.run(user, args)
            #expect(r.exitCode == 65, "\(args)")
            #expect(r.stderr.contains("the vault was rolled back"), "\(r.stderr)")
        }
    }

    @Test("an unsigned entry naming a client is rejected by log verify, and the client's commands still work")
    func unsignedEntryNamingClient() throws {
        let s = try WriterScene()
        try VaultFile.withDatabase(s.p.vault) { db in
            let last = try #require(try Row.fetchOne(db, sql: "SELECT seq, leaf_hash FROM access_log ORDER BY seq DESC LIMIT 1"))
            let seq: Int64 = last["seq"]
            try db.execute(sql: """
                INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags,
                  entry, leaf_hash, signer, signature)
                VALUES (?, 1, 'mallory', '', 'session.unlock', ?, '', '', X'', 'denied', 'wrong-passphrase', '', X'00', X'00', '', X'')
                """, arguments: [seq + 1, s.client])
        }
        let v = try s.p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.hasPrefix("confidant: error: entry "), "\(v.stderr)")
    }

    @Test("a client row planted by the writer is refused (65) wherever it would be listed")
    func plantedClient() throws {
        let s = try WriterScene()
        try VaultFile.withDatabase(s.p.vault) { db in
            try db.execute(sql: "INSERT INTO clients (id, created_at, created_by, status) VALUES ('cplanted00000a', 1, 'rivera', 'active')")
        }
        let r = try s.p.run("rivera", ["client", "list"])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("client cplanted00000a has 1 row(s) in table clients that no signed entry made"), "\(r.stderr)")
        #expect(try s.p.run("admin", ["log", "verify"]).exitCode == 65)
    }

    @Test("a disclosure entry edited out of the accounting's query makes the accounting 65, never a shorter list")
    func disclosureHiddenFromAccounting() throws {
        let s = try WriterScene()
        let d = try s.p.run("rivera", ["disclose", s.client, "--to", "County Crisis Team", "--address", "1 Main St", "--records", s.note1,
                                       "--basis", "harm-to-self", "--purpose", "imminent risk", "--date", "2026-11-25"])
        #expect(d.exitCode == 0, "\(d.stderr)")
        #expect(try s.p.run("rivera", ["disclosures", s.client]).exitCode == 0)
        try VaultFile.withDatabase(s.p.vault) { db in
            try db.execute(sql: "UPDATE access_log SET action = 'note.open' WHERE action = 'disclosure.add'")
        }
        let r = try s.p.run("rivera", ["disclosures", s.client])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("has no signed disclosure entry in the log"), "\(r.stderr)")
    }
}

/// Listings across clients prove they are complete.
@Suite("writer attacks on listings", .sqliteOnly)
struct WriterListingAttackTests {
    @Test("a recovery wrap renamed out of the listing makes key rotate --recovery refuse (65), not skip the client")
    func renamedRecoveryWrap() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.addNote(client, "text")
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: """
                UPDATE key_wraps SET recipient = 'recoveryx' WHERE recipient = 'recovery'
                AND key_id IN (SELECT id FROM data_keys WHERE client_id = ?)
                """, arguments: [client])
        }
        let r = try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", p.recoveryKey, "--recovery-out", p.dir.file("rk2")])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("client \(client) \(tamperedState)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("rk2")))
    }
}

/// Attacks found in review: a removed signature, rows numbered below 1.
@Suite("writer attacks on the log's tail", .sqliteOnly)
struct WriterLogTailAttackTests {
    @Test("blanking the signer of the newest entries (to trust an older root) is refused (65)")
    func blankedSigner() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "text")
        try VaultFile.withDatabase(p.vault) { db in
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM access_log") ?? 0
            try db.execute(sql: "UPDATE access_log SET signer = '' WHERE seq > ?", arguments: [last - 2])
        }
        let r = try p.run("rivera", ["note", "open", note, "--purpose", "TREAT"])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("is not a refused unlock (a signature was removed)"), "\(r.stderr)")
    }

    @Test("a closing row inserted at seq 0 or below closes nothing and log verify refuses it")
    func rowBelowOne() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "text")
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        let review = try p.run("morgan", ["--json", "log", "review"])
        let id = try #require(((try JSONSerialization.jsonObject(with: review.stdoutData)) as? [[String: Any]])?
            .first { $0["rule"] as? String == "denied" }?["id"] as? String)
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: """
                INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags,
                  entry, leaf_hash, signer, signature)
                SELECT -1, time, actor, roles, 'review.close', '', ?, purpose, X'', 'success', '', '', entry, leaf_hash, signer, signature
                FROM access_log WHERE actor = 'morgan' ORDER BY seq DESC LIMIT 1
                """, arguments: [id])
        }
        let after = try p.run("morgan", ["--json", "log", "review", "--all"])
        #expect(after.exitCode == 0, "\(after.stderr)")
        let item = ((try JSONSerialization.jsonObject(with: after.stdoutData)) as? [[String: Any]])?.first { $0["id"] as? String == id }
        #expect(item?["state"] as? String == "open")
        let v = try p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.contains("rows numbered 0 or below"), "\(v.stderr)")
    }
}
