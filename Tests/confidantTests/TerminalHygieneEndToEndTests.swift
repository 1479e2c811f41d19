import Foundation
import GRDB
import Testing
import VaultTestSupport

/// SPEC §4: text shown on a terminal never carries raw control characters from stored data;
/// names, user names and texts with control characters are refused at input (64), before
/// anything is logged. Plus the two data rules of issue 10 items 10 and 11: an agreement file
/// with a repeated key is refused (65), and an admin's revoke that committed exits 0.
@Suite("terminal hygiene end to end")
struct TerminalHygieneEndToEndTests {
    /// CSI "red" in 7-bit form, 8-bit CSI "clear screen", and DEL.
    static let payloads = ["\u{1b}[31m", "\u{9b}2J", "\u{7f}"]

    /// True when `data` holds a raw C0 control other than a line break, DEL, or a C1 control.
    static func hasRawControl(_ data: Data) -> Bool {
        let b = [UInt8](data)
        for (i, c) in b.enumerated() {
            if (c < 0x20 && c != 0x0A) || c == 0x7F { return true }
            if c == 0xC2, i + 1 < b.count, (0x80...0x9F).contains(b[i + 1]) { return true }
        }
        return false
    }

    static func expectRefused(_ r: CLIResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.exitCode == 64, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(what)", sourceLocation: sourceLocation)
        #expect(!hasRawControl(Data(r.stderr.utf8)), "\(what): raw control on stderr", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("confidant: error: ") && r.stderr.filter { $0 == "\n" }.count == 1, "\(what)", sourceLocation: sourceLocation)
    }

    @Test("a name, a reason or --as with a control character exits 64 and logs nothing", arguments: payloads)
    func refusedAtInput(_ payload: String) throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "a note")
        let before = try VaultFile.logRows(p.vault).count
        let bad = "Ann" + payload + "Lee"

        Self.expectRefused(try p.run("rivera", ["client", "add", "--name", bad]), "client add --name")
        Self.expectRefused(try p.run("rivera", ["client", "add", "--name", "Ann", "--contact", bad]), "client add --contact")
        Self.expectRefused(try p.run("rivera", ["note", "open", note, "--purpose", "TREAT", "--reason", bad]), "note open --reason")
        Self.expectRefused(try p.run("rivera", ["disclose", client, "--to", bad, "--address", "1 Main St", "--records", note,
                                                "--basis", "legal-order", "--purpose", "court order"]), "disclose --to")
        Self.expectRefused(try p.run("rivera", ["disclose", client, "--to", "Court", "--address", "1 Main St", "--records", note,
                                                "--basis", "legal-order", "--purpose", bad]), "disclose --purpose")
        Self.expectRefused(try p.run("morgan", ["log", "close-review", "denied-1", "--note", bad]), "log close-review --note")
        Self.expectRefused(try p.run("admin", ["user", "add", "ann" + payload, "--role", "therapist"]), "user add")
        Self.expectRefused(try p.run("rivera", ["careteam", "grant", client, "chen" + payload]), "careteam grant")
        Self.expectRefused(try p.run("rivera", ["note", "open", "n" + payload, "--purpose", "TREAT"]), "note open with such an id")
        for user in ["rivera" + payload, payload] {
            Self.expectRefused(try CLI.run(["client", "list", "--vault", p.vault, "--as", user, "--passphrase-file", p.dir.file("pass-rivera")]),
                               "--as")
            Self.expectRefused(try CLI.run(["client", "list", "--vault", p.vault, "--passphrase-file", p.dir.file("pass-rivera")],
                                           env: ["CONFIDANT_USER": user]), "CONFIDANT_USER")
        }
        #expect(try VaultFile.logRows(p.vault).count == before)

        let initR = try CLI.run(["init", "--vault", p.dir.file("new.vault"), "--practice", "Clinic" + payload, "--admin", "root",
                                 "--recovery-out", p.dir.file("new.key"), "--kdf", "interactive", "--passphrase-file", p.dir.file("pass-admin")])
        Self.expectRefused(initR, "init --practice")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("new.vault")))
    }

    @Test("the refusal names the field and the code point, never the raw character")
    func refusalMessage() throws {
        let p = try TestPractice()
        let r = try p.run("rivera", ["client", "add", "--name", "Ann\u{1b}[31m"])
        #expect(r.exitCode == 64)
        #expect(r.stderr == "confidant: error: --name contains the control character U+001B; names and texts may not hold control characters (U+0000-U+001F, U+007F-U+009F) (see 'confidant help')\n")
        let a = try CLI.run(["user", "list", "--vault", p.vault, "--as", "x\u{9b}2J", "--passphrase-file", p.dir.file("pass-admin")])
        #expect(a.exitCode == 64)
        #expect(a.stderr == "confidant: error: the user name contains the control character U+009B; names and texts may not hold control characters (U+0000-U+001F, U+007F-U+009F)\n")
    }

    @Test("an error quoting user input shows its control characters escaped")
    func escapedErrorLine() throws {
        let p = try TestPractice()
        let r = try p.run("rivera", ["client", "list", "--bogus\u{1b}[2J\u{9b}1m\u{7f}"])
        #expect(r.exitCode == 64)
        #expect(!Self.hasRawControl(Data(r.stderr.utf8)))
        #expect(r.stderr.contains(#"--bogus\x1b[2J\u{9b}1m\x7f"#), "\(r.stderr)")
    }

    /// Writes raw control characters into stored fields that are kept in plaintext, as a
    /// database editor (or an older version) could, with foreign keys off.
    static func tamper(_ path: String, _ sql: String, _ args: StatementArguments) throws {
        try VaultFile.withDatabase(path, foreignKeys: false) { try $0.execute(sql: sql, arguments: args) }
    }

    @Test("stored actors, details and care-team names with control characters are shown escaped", .sqliteOnly)
    func storedTextEscaped() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        try p.dir.write("wrong", "not the passphrase\n")
        let refused = try CLI.run(["user", "list", "--vault", p.vault, "--as", "chen", "--passphrase-file", p.dir.file("wrong")])
        #expect(refused.exitCode == 77)
        // The refused unlock is the newest entry; one signed entry after it, so the row edited
        // below is not in the unsigned tail that every command checks against its bytes.
        let seq = try VaultFile.logRows(p.vault).count
        _ = try p.ok("admin", ["user", "list"])
        let actor = "chen\u{1b}[31m\u{9b}2J\u{7f}\nforged"
        try Self.tamper(p.vault, "UPDATE access_log SET actor = ?, detail = ? WHERE seq = ?", [actor, "x\u{1b}]0;title\u{7}", seq])

        let shown = try p.run("morgan", ["log", "show"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        #expect(!Self.hasRawControl(shown.stdoutData))
        #expect(shown.stdout.contains(#"chen\x1b[31m\u{9b}2J\x7f\nforged"#), "\(shown.stdout)")
        let review = try p.run("morgan", ["log", "review"])
        #expect(review.exitCode == 0, "\(review.stderr)")
        #expect(!Self.hasRawControl(review.stdoutData))
        #expect(review.stdout.contains(#"chen\x1b[31m\u{9b}2J\x7f\nforged"#))
        #expect(review.stdout.contains(#"refused attempt (x\x1b]0;title\x07)"#))
        // JSON keeps the exact text, every control written as a JSON escape.
        let json = try p.run("morgan", ["--json", "log", "show"])
        #expect(json.exitCode == 0)
        #expect(!Self.hasRawControl(json.stdoutData))
        #expect(json.stdout.contains(#"chen\u001b[31m\u009b2J\u007f\nforged"#), "\(json.stdout)")
        let rows = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [[String: Any]])
        #expect(rows.first { ($0["seq"] as? Int) == seq }?["actor"] as? String == actor)

        // A care-team row edited the same way is not the signed state: refused (65), and neither
        // stream carries a raw control character.
        try Self.tamper(p.vault, "UPDATE care_team SET user = ? WHERE user = 'chen'", ["chen\u{1b}[31m\u{9b}2J"])
        let list = try p.run("admin", ["client", "list"])
        #expect(list.exitCode == 65, "\(list.stderr)")
        #expect(list.stdout.isEmpty)
        #expect(!Self.hasRawControl(Data(list.stderr.dropLast().utf8)))

    }

    @Test("an agreement file with a key given twice exits 65 and names the key")
    func duplicateAgreementKey() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let file = try p.dir.write("dup.json", #"{"reviewedOn": "2026-01-05", "refrainFrom": ["self-harm"], "crisisPlan": "call", "crisisContacts": [{"name": "A", "relation": "sister", "phone": "555", "phone": "556"}]}"#)
        let before = try VaultFile.logRows(p.vault).count
        let r = try p.run("rivera", ["agreement", "add", client, "--kind", "safety", "--file", file])
        #expect(r.exitCode == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "confidant: error: the agreement file has the key 'phone' twice in 'crisisContacts[0]'; each key may appear only once in an object\n")
        #expect(try p.run("rivera", ["agreement", "list", client]).stdout.split(separator: "\n").count == 1)
        #expect(try VaultFile.logRows(p.vault).count == before + 2)  // the refused add, the list

        let top = try p.dir.write("top.json", #"{"reviewedOn": "2026-01-05", "exceptionsExplained": ["legal-order"], "reviewedOn": "2027-01-05"}"#)
        let t = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", top])
        #expect(t.exitCode == 65)
        #expect(t.stderr == "confidant: error: the agreement file has the key 'reviewedOn' twice; each key may appear only once in an object\n")
    }

    static func pending(_ p: TestPractice, _ client: String) throws -> Int {
        let r = try p.run("admin", ["--json", "key", "status", "--client", client])
        guard r.exitCode == 0, let list = try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]],
              let scopes = list.first?["scopes"] as? [[String: Any]],
              let care = scopes.first(where: { $0["scope"] as? String == "care" }),
              let n = care["pendingReEncryption"] as? Int else { throw TestFailure("key status: \(r.exitCode) \(r.stderr) \(r.stdout)") }
        return n
    }

    @Test("an admin off the care team revokes: exit 0, the re-encryption waits as a job that the care team's resume finishes")
    func adminRevoke() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let notes = try (0..<3).map { try p.addNote(client, "note \($0)") }
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])

        let r = try p.run("admin", ["careteam", "revoke", client, "chen"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(r.stdout == "Revoked chen from \(client); key version 2 is current; the records will be re-encrypted by the next 'confidant key rotate --resume' run by a care-team therapist or an admin with --recovery-key.\n")
        #expect(try Self.pending(p, client) == 4)  // the profile and three notes, still under version 1
        #expect(try p.run("chen", ["note", "open", notes[0], "--purpose", "TREAT"]).exitCode == 77)

        let resume = try p.run("rivera", ["key", "rotate", "--resume"])
        #expect(resume.exitCode == 0, "\(resume.stderr)")
        #expect(resume.stdout == "Rotated 0 key(s) of 0 client(s); re-encrypted 4 record(s); resumed 1 interrupted job(s).\n")
        #expect(try Self.pending(p, client) == 0)
        #expect(try p.ok("rivera", ["note", "open", notes[2], "--purpose", "TREAT"]) == "note 2")
    }

    @Test("revoke reports whether the re-encryption ran: --json, and an admin with --recovery-key")
    func revokeResultJSON() throws {
        let p = try TestPractice(extraUsers: [("lee", "therapist")])
        let client = try p.addClient()
        _ = try p.addNote(client, "n")
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        _ = try p.ok("rivera", ["careteam", "grant", client, "lee"])

        let admin = try p.run("admin", ["--json", "careteam", "revoke", client, "chen"])
        #expect(admin.exitCode == 0, "\(admin.stderr)")
        let a = try #require(try JSONSerialization.jsonObject(with: admin.stdoutData) as? [String: Any])
        #expect(a["reEncryption"] as? String == "pending" && a["keyVersion"] as? Int == 2 && a["recordsReEncrypted"] == nil)

        let withKey = try p.run("admin", ["--json", "careteam", "revoke", client, "lee", "--recovery-key", p.recoveryKey])
        #expect(withKey.exitCode == 0, "\(withKey.stderr)")
        let k = try #require(try JSONSerialization.jsonObject(with: withKey.stdoutData) as? [String: Any])
        #expect(k["reEncryption"] as? String == "done" && k["keyVersion"] as? Int == 3 && k["recordsReEncrypted"] as? Int == 2)
        #expect(try Self.pending(p, client) == 0)
        // The first job's key was destroyed by the second rotation: the resume only closes it.
        let resume = try p.run("rivera", ["key", "rotate", "--resume"])
        #expect(resume.stdout == "Rotated 0 key(s) of 0 client(s); re-encrypted 0 record(s); resumed 1 interrupted job(s).\n")
    }
}
