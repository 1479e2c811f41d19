import Foundation
import Testing
import VaultTestSupport

/// Each command's success path, through the real binary against a real vault file.
@Suite("commands end to end")
struct CommandsEndToEndTests {
    @Test("init creates a 0600 vault and a 0600 recovery key file, and refuses to overwrite", .sqliteOnly)
    func initCommand() throws {
        let p = try TestPractice()
        for path in [p.vault, p.recoveryKey] {
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attrs[.posixPermissions] as? Int) == 0o600, "\(path)")
        }
        let key = try String(contentsOfFile: p.recoveryKey, encoding: .utf8)
        #expect(key.hasPrefix("confidant-recovery-key-v1\n"))
        #expect(key.contains("\nsecret: "))
        let again = try CLI.run(["init", "--vault", p.vault, "--practice", "X", "--admin", "admin", "--recovery-out", p.dir.file("r2"),
                                 "--kdf", "interactive", "--passphrase-file", p.dir.file("pass-admin")])
        #expect(again.exitCode == 73)
        #expect(again.stderr.hasPrefix("confidant: error: "))
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("r2")))
    }

    @Test("init --json prints the vault id and root key")
    func initJSON() throws {
        let d = try TempDir()
        try d.write("pass", "a passphrase\n")
        let r = try CLI.run(["--json", "init", "--vault", d.file("v"), "--practice", "P", "--admin", "boss", "--roles", "admin,therapist",
                             "--recovery-out", d.file("rk"), "--kdf", "interactive", "--passphrase-file", d.file("pass")])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        #expect((obj?["id"] as? String)?.count == 32)
        #expect((obj?["rootPublicKey"] as? String)?.count == 44)
    }

    @Test("user add, list and passwd")
    func users() throws {
        let p = try TestPractice()
        let list = try p.run("admin", ["--json", "user", "list"])
        #expect(list.exitCode == 0)
        let users = try JSONSerialization.jsonObject(with: list.stdoutData) as? [[String: Any]] ?? []
        #expect(users.compactMap { $0["name"] as? String } == ["admin", "chen", "morgan", "rivera"])
        #expect(users.first { $0["name"] as? String == "morgan" }?["roles"] as? [String] == ["compliance"])

        try p.dir.write("new-rivera", "a brand new passphrase\n")
        let pw = try p.run("rivera", ["user", "passwd", "--new-passphrase-file", p.dir.file("new-rivera")])
        #expect(pw.exitCode == 0, "\(pw.stderr)")
        let old = try p.run("rivera", ["user", "list"])
        #expect(old.exitCode == 77)
        let new = try CLI.run(["user", "list", "--vault", p.vault, "--as", "rivera", "--passphrase-file", p.dir.file("new-rivera")])
        #expect(new.exitCode == 0)

        let dup = try p.run("admin", ["user", "add", "chen", "--role", "therapist"])
        #expect(dup.exitCode == 73)
        let notAdmin = try p.run("rivera", ["user", "add", "eve", "--role", "admin"])
        #expect(notAdmin.exitCode == 77)
        let badRole = try p.run("admin", ["user", "add", "eve", "--role", "wizard"])
        #expect(badRole.exitCode == 64)
    }

    @Test("client add, list and show")
    func clients() throws {
        let p = try TestPractice()
        let add = try p.run("rivera", ["--json", "client", "add", "--name", "Robin Q", "--dob", "1991-02-03"])
        #expect(add.exitCode == 0, "\(add.stderr)")
        let obj = try JSONSerialization.jsonObject(with: add.stdoutData) as? [String: Any]
        let id = try #require(obj?["id"] as? String)
        #expect(id.hasPrefix("c") && id.count == 14)

        let show = try p.run("rivera", ["--json", "client", "show", id])
        let shown = try JSONSerialization.jsonObject(with: show.stdoutData) as? [String: Any]
        #expect(shown?["name"] as? String == "Robin Q")
        #expect(shown?["dateOfBirth"] as? String == "1991-02-03")
        #expect(shown?["careTeam"] as? [String] == ["rivera"])

        let list = try p.ok("rivera", ["client", "list"])
        #expect(list.contains(id) && list.contains("Robin Q"))
        let adminList = try p.ok("admin", ["client", "list"])
        #expect(adminList.contains(id) && !adminList.contains("Robin Q") && adminList.contains("(sealed)"))
        #expect(try p.ok("chen", ["client", "list"]).contains(id) == false)

        let badDob = try p.run("rivera", ["client", "add", "--name", "X", "--dob", "1991-02-30"])
        #expect(badDob.exitCode == 64)
        #expect(badDob.stderr == "confidant: error: date of birth '1991-02-30' must be a date YYYY-MM-DD\n")
        let adminAdds = try p.run("admin", ["client", "add", "--name", "X"])
        #expect(adminAdds.exitCode == 77)
    }

    @Test("note add from stdin and file, list, open")
    func notes() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let n1 = try p.addNote(client, "first session\n")
        try p.dir.write("note2.txt", "second session")
        let n2 = try p.ok("rivera", ["note", "add", client, "--file", p.dir.file("note2.txt")])
        let psy = try p.addNote(client, "my process note", kind: "psychotherapy")
        #expect(n1 != n2 && n1.hasPrefix("n"))

        let open1 = try p.run("rivera", ["note", "open", n1, "--purpose", "TREAT", "--reason", "prep"])
        #expect(open1.exitCode == 0)
        #expect(open1.stdout == "first session\n")
        let open2 = try p.run("rivera", ["--json", "note", "open", n2, "--purpose", "treat"])
        let obj = try JSONSerialization.jsonObject(with: open2.stdoutData) as? [String: Any]
        #expect(obj?["text"] as? String == "second session")
        #expect(obj?["id"] as? String == n2)
        #expect(try p.ok("rivera", ["note", "open", psy, "--purpose", "TREAT"]) == "my process note")

        let list = try p.run("rivera", ["--json", "note", "list", client])
        let notes = try JSONSerialization.jsonObject(with: list.stdoutData) as? [[String: Any]] ?? []
        #expect(notes.compactMap { $0["id"] as? String } == [n1, n2, psy])
        #expect(notes.compactMap { $0["kind"] as? String } == ["progress", "progress", "psychotherapy"])

        let badPurpose = try p.run("rivera", ["note", "open", n1, "--purpose", "CURIOSITY"])
        #expect(badPurpose.exitCode == 64)
        // Without --purpose a care-team therapist opens for treatment (TREAT).
        let noPurpose = try p.run("rivera", ["note", "open", n1])
        #expect(noPurpose.exitCode == 0, "\(noPurpose.stderr)")
        let empty = try p.run("rivera", ["note", "add", client], stdin: Data())
        #expect(empty.exitCode == 64)
    }

    @Test("agreements: all three kinds, versions, validation naming the field")
    func agreements() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let files = [
            "relationship": #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "clientCommitments": ["attend weekly individual sessions"], "therapistCommitments": ["provide a supportive, non-judgmental environment"], "treatmentGoals": ["reduce emotional dysregulation"]}"#,
            "safety": #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "refrainFrom": ["self-harm", "substance use"], "crisisPlan": "call the crisis line", "crisisContacts": [{"name": "Dr. A", "relation": "therapist", "phone": "+1 555 0100"}]}"#,
            "confidentiality": #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "child-abuse"]}"#,
        ]
        var ids: [String: String] = [:]
        for (kind, json) in files {
            try p.dir.write("\(kind).json", json)
            ids[kind] = try p.ok("rivera", ["agreement", "add", client, "--kind", kind, "--file", p.dir.file("\(kind).json")])
        }
        try p.dir.write("conf2.json", #"{"reviewedOn": "2026-11-20", "exceptionsExplained": ["harm-to-self", "child-abuse", "legal-order"]}"#)
        let v2 = try p.ok("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("conf2.json")])

        let show = try p.run("rivera", ["--json", "agreement", "show", try #require(ids["safety"]), "--purpose", "TREAT"])
        let obj = try JSONSerialization.jsonObject(with: show.stdoutData) as? [String: Any]
        let body = obj?["body"] as? [String: Any]
        #expect(body?["crisisPlan"] as? String == "call the crisis line")
        #expect((body?["crisisContacts"] as? [[String: Any]])?.first?["phone"] as? String == "+1 555 0100")

        let list = try p.run("rivera", ["--json", "agreement", "list", client])
        let all = try JSONSerialization.jsonObject(with: list.stdoutData) as? [[String: Any]] ?? []
        #expect(all.count == 4)
        #expect(all.first { $0["id"] as? String == v2 }?["version"] as? Int == 2)

        try p.dir.write("bad1.json", #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self"], "mood": "fine"}"#)
        let unknownKey = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("bad1.json")])
        #expect(unknownKey.exitCode == 65)
        #expect(unknownKey.stderr.contains("'mood'"))
        try p.dir.write("bad2.json", #"{"reviewedOn": "02/11/2026", "exceptionsExplained": ["harm-to-self"]}"#)
        let badDate = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("bad2.json")])
        #expect(badDate.exitCode == 65)
        #expect(badDate.stderr == "confidant: error: field 'reviewedOn' must be a date YYYY-MM-DD\n")
        try p.dir.write("bad3.json", #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["gossip"]}"#)
        let badCode = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("bad3.json")])
        #expect(badCode.exitCode == 65)
        #expect(badCode.stderr.contains("'exceptionsExplained'") && badCode.stderr.contains("gossip"))
        let stillFour = try JSONSerialization.jsonObject(with: try p.run("rivera", ["--json", "agreement", "list", client]).stdoutData) as? [Any]
        #expect(stillFour?.count == 4)
    }

    @Test("careteam grant and revoke")
    func careTeam() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "before grant")
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        #expect(try p.ok("chen", ["note", "open", note, "--purpose", "TREAT"]) == "before grant")
        let revoke = try p.run("rivera", ["--json", "careteam", "revoke", client, "chen"])
        #expect(revoke.exitCode == 0, "\(revoke.stderr)")
        let obj = try JSONSerialization.jsonObject(with: revoke.stdoutData) as? [String: Any]
        #expect(obj?["keyVersion"] as? Int == 2)
        let after = try p.run("chen", ["note", "open", note, "--purpose", "TREAT"])
        #expect(after.exitCode == 77)
        #expect(after.stdout.isEmpty)
        let newNote = try p.addNote(client, "after revoke")
        #expect(try p.ok("rivera", ["note", "open", newNote, "--purpose", "TREAT"]) == "after revoke")
        #expect(try p.ok("rivera", ["note", "open", note, "--purpose", "TREAT"]) == "before grant")
    }

    @Test("an admin grant without the client key waits for a care-team member; with the recovery key it is immediate")
    func adminGrant() throws {
        let p = try TestPractice(extraUsers: [("lee", "therapist")])
        let client = try p.addClient()
        let note = try p.addNote(client, "hello")
        let pending = try p.run("admin", ["--json", "careteam", "grant", client, "chen"])
        #expect(pending.exitCode == 0, "\(pending.stderr)")
        #expect((try JSONSerialization.jsonObject(with: pending.stdoutData) as? [String: Any])?["state"] as? String == "pending")
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        _ = try p.ok("rivera", ["client", "list"])  // rivera unlocks: the pending grant completes
        #expect(try p.ok("chen", ["note", "open", note, "--purpose", "TREAT"]) == "hello")

        let direct = try p.run("admin", ["--json", "careteam", "grant", client, "lee", "--recovery-key", p.recoveryKey])
        #expect((try JSONSerialization.jsonObject(with: direct.stdoutData) as? [String: Any])?["state"] as? String == "active")
        #expect(try p.ok("lee", ["note", "open", note, "--purpose", "TREAT"]) == "hello")
    }

    @Test("global options work before and after the command, and from the environment")
    func globalOptionPlacement() throws {
        let p = try TestPractice()
        let before = try CLI.run(["--vault", p.vault, "--as", "admin", "--passphrase-file", p.dir.file("pass-admin"), "user", "list"])
        #expect(before.exitCode == 0, "\(before.stderr)")
        let env = try CLI.run(["user", "list"], env: ["CONFIDANT_VAULT": p.vault, "CONFIDANT_USER": "admin",
                                                      "CONFIDANT_PASSPHRASE_FILE": p.dir.file("pass-admin")])
        #expect(env.exitCode == 0, "\(env.stderr)")
        #expect(env.stdout == before.stdout)
        let fd = try CLI.run(["user", "list", "--vault", p.vault, "--as", "admin", "--passphrase-fd", "0"],
                             stdin: Data("admin passphrase 1\n".utf8))
        #expect(fd.exitCode == 0, "\(fd.stderr)")
        let noUser = try CLI.run(["user", "list", "--vault", p.vault])
        #expect(noUser.exitCode == 64)
        let noTTY = try CLI.run(["user", "list", "--vault", p.vault, "--as", "admin"])
        #expect(noTTY.exitCode == 64)
        #expect(noTTY.stderr.contains("--passphrase-file"))
    }

    @Test("demo walks every role through a fresh folder")
    func demo() throws {
        let d = try TempDir()
        let r = try CLI.run(["demo", "--dir", d.file("demo")])
        #expect(r.exitCode == 0, "\(r.stderr)")
        for step in ["create the vault", "add two therapists", "enrolled with its own keys", "add a client", "relationship agreement", "safety agreement",
                     "confidentiality agreement", "progress note", "psychotherapy note", "refused (exit 77)"] {
            #expect(r.stdout.contains(step), "missing step: \(step)")
        }
        #expect(!r.stdout.contains("UNEXPECTED"))
        #expect(r.stdout.contains("Practised TIPP skills"))
        let again = try CLI.run(["demo", "--dir", d.file("demo")])
        #expect(again.exitCode == 73)
    }
}
