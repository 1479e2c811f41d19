import Foundation
import GRDB
import Testing
import VaultTestSupport

private func json(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

private func userStatus(_ p: TestPractice, _ name: String) throws -> String {
    let list = try JSONSerialization.jsonObject(with: try p.run("admin", ["--json", "user", "list"]).stdoutData) as? [[String: Any]] ?? []
    return list.first { $0["name"] as? String == name }?["status"] as? String ?? "absent"
}

@Suite("user enrolment codes and removal, end to end")
struct UserEnrolmentEndToEndTests {
    @Test("user add prints a one-time code; until enrol the user cannot unlock or be granted; a wrong code is 77; enrol uses it up", .sqliteOnly)
    func enrolWithCode() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let added = try p.run("admin", ["--json", "user", "add", "dana", "--role", "therapist"])
        #expect(added.exitCode == 0, "\(added.stderr)")
        let code = try #require(json(added)["code"] as? String)
        #expect(code.count == 31 && code.split(separator: "-").count == 6)  // 26 characters, 130 bits
        #expect(try userStatus(p, "dana") == "pending")
        let pass = try p.dir.write("pass-dana", "dana passphrase 1\n")

        let early = try p.run("dana", ["client", "list"])
        #expect(early.exitCode == 77)
        #expect(early.stderr == "confidant: error: user 'dana' has not enrolled yet: run 'confidant user enrol dana' with the enrolment code from your admin\n")
        let grant = try p.run("rivera", ["careteam", "grant", client, "dana"])
        #expect(grant.exitCode == 77)

        let wrongFile = try p.dir.write("code-wrong", "aaaaa-bbbbb-ccccc-ddddd-eeeee-f\n")
        let usersBefore = try VaultFile.rows(p.vault, "users")
        let wrong = try CLI.run(["user", "enrol", "dana", "--code-file", wrongFile, "--vault", p.vault, "--passphrase-file", pass], env: p.env)
        #expect(wrong.exitCode == 77)
        #expect(wrong.stderr == "confidant: error: that is not the enrolment code of 'dana'; check it with your admin\n")
        #expect(try VaultFile.rows(p.vault, "users") == usersBefore)
        let malformed = try p.dir.write("code-bad", "not a code\n")
        #expect(try CLI.run(["user", "enrol", "dana", "--code-file", malformed, "--vault", p.vault, "--passphrase-file", pass], env: p.env).exitCode == 64)

        let codeFile = try p.dir.write("code-dana", code.uppercased() + "\n")  // read aloud and typed in capitals: the same code
        let enrol = try CLI.run(["user", "enrol", "dana", "--code-file", codeFile, "--vault", p.vault, "--passphrase-file", pass], env: p.env)
        #expect(enrol.exitCode == 0, "\(enrol.stderr)")
        #expect(try userStatus(p, "dana") == "enrolled")
        let again = try CLI.run(["user", "enrol", "dana", "--code-file", codeFile, "--vault", p.vault, "--passphrase-file", pass], env: p.env)
        #expect(again.exitCode == 77)
        #expect(again.stderr.contains("has already enrolled"))
        #expect(try p.run("rivera", ["careteam", "grant", client, "dana"]).exitCode == 0)
        #expect(try p.run("dana", ["client", "list"]).exitCode == 0)

        // Nothing about the code is stored: neither its text nor the keys it gives are current.
        for (_, bytes) in VaultFile.allBytes(p.vault) {
            #expect(bytes.range(of: Data(code.utf8)) == nil)
            #expect(bytes.range(of: Data(code.replacingOccurrences(of: "-", with: "").utf8)) == nil)
        }
        let log = try VaultFile.logRows(p.vault)
        #expect(log.contains { $0.action == "user.enrol" && $0.actor == "dana" && $0.outcome == "success" && $0.signed })
        // The wrong code and the second use, each a refused unlock (unsigned: dana had no key of its own).
        #expect(log.filter { $0.action == "session.unlock" && $0.actor == "dana" && $0.outcome == "denied" && !$0.signed }.count == 3)
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)
    }

    @Test("a code expires after 72 hours (77); user reset issues a new one")
    func codeExpires() throws {
        let start = ["CONFIDANT_TEST_NOW": "2026-11-01T09:00:00Z"]
        let p = try TestPractice(env: start)
        let codeFile = p.dir.file("code-eli")
        #expect(try p.run("admin", ["user", "add", "eli", "--role", "therapist", "--code-file", codeFile]).exitCode == 0)
        let pass = try p.dir.write("pass-eli", "eli passphrase 1\n")
        var later = p.env
        later["CONFIDANT_TEST_NOW"] = "2026-11-04T09:00:01Z"
        let late = try CLI.run(["user", "enrol", "eli", "--code-file", codeFile, "--vault", p.vault, "--passphrase-file", pass], env: later)
        #expect(late.exitCode == 77)
        #expect(late.stderr == "confidant: error: the enrolment code of 'eli' expired at 2026-11-04T09:00:00Z; ask an admin for a new one ('confidant user reset eli')\n")
        p.env = later
        #expect(try userStatus(p, "eli") == "expired")
        let fresh = p.dir.file("code-eli-2")
        #expect(try p.run("admin", ["user", "reset", "eli", "--code-file", fresh, "--recovery-key", p.recoveryKey]).exitCode == 0)
        #expect(try CLI.run(["user", "enrol", "eli", "--code-file", codeFile, "--vault", p.vault, "--passphrase-file", pass], env: later).exitCode == 77)
        try p.enrol("eli", codeFile: fresh)
        #expect(try p.run("eli", ["client", "list"]).exitCode == 0)
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)
    }

    @Test("a database writer cannot substitute the keys a code gives, nor mark a pending user enrolled (65)", .sqliteOnly)
    func writerCannotSubstitute() throws {
        let p = try TestPractice()
        let codeFile = p.dir.file("code-fay")
        #expect(try p.run("admin", ["user", "add", "fay", "--role", "therapist", "--code-file", codeFile]).exitCode == 0)
        let pass = try p.dir.write("pass-fay", "fay passphrase 1\n")
        let copy = p.dir.file("before.vault")
        try VaultFile.copy(p.vault, to: copy)
        // The writer's own keys in place of the certified ones.
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE users SET box_pk = (SELECT box_pk FROM users WHERE name = 'chen') WHERE name = 'fay'")
        }
        let swapped = try CLI.run(["user", "enrol", "fay", "--code-file", codeFile, "--vault", p.vault, "--passphrase-file", pass], env: p.env)
        #expect(swapped.exitCode == 65)
        // Claiming fay enrolled itself (its certificate names the admin).
        try VaultFile.copy(copy, to: p.vault)
        try VaultFile.withDatabase(p.vault) { db in try db.execute(sql: "UPDATE users SET enrolled_by = 'fay' WHERE name = 'fay'") }
        #expect(try p.run("fay", ["client", "list"]).exitCode == 65)
    }

    @Test("enrol --kdf may choose a stronger key derivation than the vault's, never a weaker one")
    func strongerKeyDerivation() throws {
        let p = try TestPractice()
        let codeFile = p.dir.file("code-gus")
        #expect(try p.run("admin", ["user", "add", "gus", "--role", "therapist", "--code-file", codeFile]).exitCode == 0)
        let pass = try p.dir.write("pass-gus", "gus passphrase 1\n")
        let moderate = try CLI.run(["user", "enrol", "gus", "--code-file", codeFile, "--kdf", "moderate", "--vault", p.vault,
                                    "--passphrase-file", pass], env: p.env)
        #expect(moderate.exitCode == 0, "\(moderate.stderr)")
        let mem = try VaultFile.string(p.vault, "SELECT kdf_mem FROM users WHERE name = 'gus'")
        #expect(mem == "268435456")
        #expect(try p.run("gus", ["client", "list"]).exitCode == 0)
    }

    @Test("user remove: off every care team, keys re-made, wraps deleted, cannot unlock; its history verifies; refusals change nothing")
    func remove() throws {
        let p = try TestPractice()
        let shared = try p.addClient(name: "Shared")
        let alone = try p.addClient(name: "Chen Only")
        _ = try p.ok("rivera", ["careteam", "grant", shared, "chen"])
        _ = try p.ok("rivera", ["careteam", "grant", alone, "chen"])
        _ = try p.ok("chen", ["careteam", "revoke", alone, "rivera"])
        let note = try p.addNote(shared, "progress: shared note", as: "chen")

        let before = try VaultFile.rows(p.vault, "users")
        let lastMember = try p.run("admin", ["user", "remove", "chen"])
        #expect(lastMember.exitCode == 64)
        #expect(lastMember.stderr == "confidant: error: 'chen' is the last care-team member of client \(alone); grant another therapist first\n")
        #expect(try p.run("rivera", ["user", "remove", "chen"]).exitCode == 77)
        #expect(try p.run("admin", ["user", "remove", "admin"]).exitCode == 77)
        #expect(try VaultFile.rows(p.vault, "users") == before)

        _ = try p.ok("chen", ["careteam", "grant", alone, "rivera"])
        let removed = try p.run("admin", ["--json", "user", "remove", "chen", "--recovery-key", p.recoveryKey])
        #expect(removed.exitCode == 0, "\(removed.stderr)")
        #expect((json(removed)["clients"] as? [String])?.sorted() == [alone, shared].sorted())
        #expect(json(removed)["reEncryptionPending"] as? [String] == [])
        let wraps = try VaultFile.string(p.vault, "SELECT count(*) FROM key_wraps WHERE recipient IN ('user:chen', 'emergency:chen')")
        #expect(wraps == "0")
        let refused = try p.run("chen", ["client", "list"])
        #expect(refused.exitCode == 77)
        #expect(refused.stderr == "confidant: error: user 'chen' was removed from this vault\n")
        #expect(try userStatus(p, "chen") == "removed")
        #expect(try p.run("rivera", ["note", "open", note, "--purpose", "TREAT"]).stdout.contains("progress: shared note"))
        #expect(try p.run("admin", ["user", "remove", "chen"]).exitCode == 77)  // already removed
        #expect(try p.run("rivera", ["careteam", "grant", shared, "chen"]).exitCode == 64)  // no longer a therapist
        let verify = try p.run("morgan", ["log", "verify"])
        #expect(verify.exitCode == 0, "\(verify.stderr)")
    }

    @Test("log show and log review print times on the practice's wall clock, daylight saving included")
    func practiceZoneTimes() throws {
        let p = try TestPractice(env: ["CONFIDANT_TEST_NOW": "2026-10-31T14:00:00Z"])
        _ = try p.ok("admin", ["settings", "set", "practice.timezone", "America/New_York"])
        let shown = try p.run("morgan", ["log", "show"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("TIME (America/New_York)"))
        #expect(shown.stdout.contains("2026-10-31 10:00:00 -04:00"))  // EDT
        p.env["CONFIDANT_TEST_NOW"] = "2026-11-02T14:00:00Z"
        _ = try p.run("rivera", ["client", "list"])
        #expect(try p.run("morgan", ["log", "show"]).stdout.contains("2026-11-02 09:00:00 -05:00"))  // EST: daylight saving ended on Nov 1
        let review = try p.run("morgan", ["log", "review", "--all"])
        #expect(review.exitCode == 0, "\(review.stderr)")
    }
}
