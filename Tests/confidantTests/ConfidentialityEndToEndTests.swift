import Foundation
import GRDB
import Testing
import VaultTestSupport

/// What the vault file holds: no plaintext, and ciphertexts bound to their place.
@Suite("confidentiality of the vault file")
struct ConfidentialityEndToEndTests {
    @Test("marker strings written through the CLI appear in no byte of the vault, its WAL or -shm")
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

    @Test("a ciphertext copied into another record's row fails to open with 65",
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
        #expect(r.stderr.contains("does not decrypt"))
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
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE records SET kind = 'progress' WHERE id = ?", arguments: [psy])
            try db.execute(sql: "UPDATE records SET format_version = 2 WHERE id = ?", arguments: [prog])
        }
        #expect(try p.run("rivera", ["note", "open", psy, "--purpose", "TREAT"]).exitCode == 65)
        #expect(try p.run("rivera", ["note", "open", prog, "--purpose", "TREAT"]).exitCode == 65)
    }

    @Test("a user added to the users table by a database writer is rejected (65)")
    func forgedUser() throws {
        let p = try TestPractice()
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE users SET roles = 'admin,therapist,compliance' WHERE name = 'chen'")
        }
        let r = try p.run("chen", ["user", "list"])
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("certificate of user 'chen'"))
    }
}
