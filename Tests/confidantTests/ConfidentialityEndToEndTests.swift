import Foundation
import GRDB
import VaultCrypto
import Testing
import VaultTestSupport

/// What the vault file holds: no plaintext, and ciphertexts bound to their place.
@Suite("confidentiality of the vault file")
struct ConfidentialityEndToEndTests {
    @Test("marker strings written through the CLI appear in no byte of the vault, its WAL or -shm", .sqliteOnly)
    func noPlaintextOnDisk() throws {
        let p = try TestPractice()
        let markers = ["Zebulon Quixotefield", "1987-06-05", "zq-contact-7731", "MARKER-NOTE-TEXT-4417", "MARKER-PSY-NOTE-9921",
                       "MARKER-GOAL-5150", "MARKER-CRISIS-PLAN-2718", "MARKER-CONTACT-NAME-3141", "MARKER-REASON-1618"]
        let client = try p.ok("rivera", ["client", "add", "--name", markers[0], "--dob", markers[1], "--contact", markers[2]])
        let note = try p.addNote(client, "session: \(markers[3])")
        _ = try p.addNote(client, "process: \(markers[4])", kind: "psychotherapy")
        try p.dir.write("rel.json", #"{"reviewedOn": "2026-11-02", "clientCommitments": ["attend"], "therapistCommitments": ["support"], "treatmentGoals": ["\#(markers[5])"]}"#)
        try p.dir.write("saf.json", #"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm"], "crisisPlan": "\#(markers[6])", "crisisContacts": [{"name": "\#(markers[7])", "relation": "sister", "phone": "+1 555 0101"}]}"#)
        _ = try p.ok("rivera", ["agreement", "add", client, "--kind", "relationship", "--file", p.dir.file("rel.json")])
        _ = try p.ok("rivera", ["agreement", "add", client, "--kind", "safety", "--file", p.dir.file("saf.json")])
        _ = try p.ok("rivera", ["note", "open", note, "--purpose", "TREAT", "--reason", markers[8]])
        _ = try p.run("chen", ["note", "open", note, "--purpose", "TREAT", "--reason", markers[8]])

        // Scan while a connection holds the WAL open, and again after every process has exited.
        let files = try VaultFile.withDatabase(p.vault) { _ in VaultFile.allBytes(p.vault) } + VaultFile.allBytes(p.vault)
        #expect(files.count >= 2)
        for (path, bytes) in files {
            for m in markers {
                #expect(bytes.range(of: Data(m.utf8)) == nil, "\(m) found in \(path)")
            }
        }
        // The scan itself can fail: the opaque client id is plaintext, and is found.
        #expect(files.contains { $0.1.range(of: Data(client.utf8)) != nil })
    }

    @Test("a ciphertext copied into another record's row fails to open with 65", .sqliteOnly,
          arguments: ["same client", "other client", "profile into note"])
    func associatedDataBinding(_ scenario: String) throws {
        let p = try TestPractice()
        let a = try p.addClient(name: "A")
        let b = try p.addClient(name: "B")
        let source = try p.addNote(a, "secret of A")
        let victim = try p.addNote(scenario == "other client" ? b : a, "another note")
        try VaultFile.withDatabase(p.vault) { db in
            let ct: Data
            if scenario == "profile into note" {
                ct = try Data.fetchOne(db, sql: "SELECT ciphertext FROM records WHERE client_id = ? AND kind = 'profile'", arguments: [a])!
            } else {
                ct = try Data.fetchOne(db, sql: "SELECT ciphertext FROM records WHERE id = ?", arguments: [source])!
            }
            try db.execute(sql: "UPDATE records SET ciphertext = ? WHERE id = ?", arguments: [ct, victim])
        }
        let r = try p.run("rivera", ["note", "open", victim, "--purpose", "TREAT"])
        #expect(r.exitCode == 65)
        #expect(r.stdout.isEmpty)
        // The row's bytes no longer hash to what its signed entry committed: refused before decryption.
        #expect(r.stderr.contains("the stored bytes of record \(victim) differ from what its signed entry committed"))
        let last = try #require(try VaultFile.logRows(p.vault).last)
        #expect(last.action == "note.open" && last.record == victim && last.outcome == "error")
        #expect(try p.ok("rivera", ["note", "open", source, "--purpose", "TREAT"]) == "secret of A")
    }

    @Test("editing a record's kind or key version in the database is detected (65)")
    func rowMetadataBinding() throws {
        let p = try TestPractice()
        let a = try p.addClient()
        let psy = try p.addNote(a, "process", kind: "psychotherapy")
        let prog = try p.addNote(a, "progress")
        try VaultFile.execute(p.vault, "UPDATE records SET kind = 'progress' WHERE id = '\(psy)'; UPDATE records SET format_version = 2 WHERE id = '\(prog)'")
        #expect(try p.run("rivera", ["note", "open", psy, "--purpose", "TREAT"]).exitCode == 65)
        #expect(try p.run("rivera", ["note", "open", prog, "--purpose", "TREAT"]).exitCode == 65)
    }

    @Test("a user added to the users table by a database writer is rejected (65)")
    func forgedUser() throws {
        let p = try TestPractice()
        try VaultFile.execute(p.vault, "UPDATE users SET roles = 'admin,therapist,compliance' WHERE name = 'chen'")
        let r = try p.run("chen", ["user", "list"])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("the stored state of the vault's users differs from what its signed entries committed"))
    }
}

/// What a database writer (no keys) can no longer do.
@Suite("database writer")
struct DatabaseWriterTests {
    @Test("a swapped recovery, audit or log key is refused at open (65)", .sqliteOnly, arguments: ["recovery_pk", "audit", "log"])
    func swappedVaultKey(_ which: String) throws {
        let p = try TestPractice()
        let fake = Data(try X25519KeyPair.generate().publicKey)
        try VaultFile.withDatabase(p.vault) { db in
            switch which {
            case "recovery_pk": try db.execute(sql: "UPDATE vault SET recovery_pk = ?", arguments: [fake])
            case "audit": try db.execute(sql: "UPDATE data_keys SET public_key = ? WHERE scope = 'audit'", arguments: [fake])
            default: try db.execute(sql: "UPDATE data_keys SET public_key = ? WHERE scope = 'log'", arguments: [fake])
            }
        }
        let r = try p.run("rivera", ["client", "list"])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("the stored state of the vault's settings differs from what its signed entries committed"))
    }

    @Test("a key version inserted by a database writer is never written under (65)", .sqliteOnly)
    func forgedKeyVersion() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        // The writer knows this key and wraps it to rivera's public key, as any writer could.
        let known = try XChaCha20Poly1305.generateKey()
        try VaultFile.withDatabase(p.vault) { db in
            let pk = try #require(try Data.fetchOne(db, sql: "SELECT box_pk FROM users WHERE name = 'rivera'"))
            try db.execute(sql: """
                INSERT INTO data_keys (client_id, scope, owner, version, state, created_at, public_key, signer, signature)
                VALUES (?, 'care', '', 2, 'current', 1, X'', 'rivera', X'00')
                """, arguments: [client])
            let id = db.lastInsertedRowID
            try db.execute(sql: "INSERT INTO key_wraps (key_id, recipient, wrapped) VALUES (?, 'user:rivera', ?)",
                           arguments: [id, Data(try SealedBox.seal(secret: known, to: [UInt8](pk)))])
        }
        let r = try p.run("rivera", ["note", "add", client], stdin: Data("secret".utf8))
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("the stored state of client \(client) differs from what its signed entries committed"))
        let written = try VaultFile.withDatabase(p.vault) { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE key_version = 2")
        }
        #expect(written == 0)
    }

    @Test("a forged pending grant is never completed", .sqliteOnly)
    func forgedPendingGrant() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "private")
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "INSERT INTO care_team (client_id, user, granted_by, granted_at, state, signature) VALUES (?, 'chen', 'admin', 1, 'pending', X'00')",
                           arguments: [client])
        }
        // The forged row is not what the signed log made: every command touching the client refuses.
        #expect(try p.run("rivera", ["client", "list"]).exitCode == 65)
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 65)
        let state = try VaultFile.withDatabase(p.vault) { db in
            try String.fetchOne(db, sql: "SELECT state FROM care_team WHERE client_id = ? AND user = 'chen'", arguments: [client])
        }
        #expect(state == "pending")
    }

    @Test("a user whose public key was swapped receives no key", .sqliteOnly, arguments: ["box_pk", "roles"])
    func uncertifiedRecipient(_ column: String) throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let fake = Data(try X25519KeyPair.generate().publicKey)
        try VaultFile.withDatabase(p.vault) { db in
            if column == "box_pk" {
                try db.execute(sql: "UPDATE users SET box_pk = ? WHERE name = 'chen'", arguments: [fake])
            } else {
                try db.execute(sql: "UPDATE users SET roles = 'therapist' WHERE name = 'morgan'")
            }
        }
        let target = column == "box_pk" ? "chen" : "morgan"
        let r = try p.run("rivera", ["careteam", "grant", client, target])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("the stored state of the vault's users differs from what its signed entries committed"))
        let wraps = try VaultFile.withDatabase(p.vault) { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_wraps WHERE recipient = ? AND key_id IN (SELECT id FROM data_keys WHERE client_id = ?)",
                             arguments: ["user:\(target)", client])
        }
        #expect(wraps == 0)
    }

    @Test("editing a note's author or an agreement's kind or version is detected (65)", .sqliteOnly, arguments: ["author", "subkind", "sequence", "created_at"])
    func rowMetadata(_ column: String) throws {
        let p = try TestPractice()
        let client = try p.addClient()
        try p.dir.write("c.json", #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self"]}"#)
        let a = try p.ok("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("c.json")])
        let value: any DatabaseValueConvertible = switch column {
        case "author": "chen"
        case "subkind": "safety"
        default: 7
        }
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE records SET \(column) = ? WHERE id = ?", arguments: [value, a])
        }
        let r = try p.run("rivera", ["agreement", "show", a, "--purpose", "TREAT"])
        #expect(r.exitCode == 65)
        #expect(r.stdout.isEmpty)
    }
}
