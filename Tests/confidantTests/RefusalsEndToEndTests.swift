import Foundation
import GRDB
import Testing
import VaultTestSupport

/// Refusals: each exits with SPEC §4's code, prints one line on stderr, nothing on stdout, and
/// changes nothing but the log.
@Suite("refusals end to end")
struct RefusalsEndToEndTests {
    @Test("wrong passphrase exits 77 and appends one unsigned denied entry")
    func wrongPassphrase() throws {
        let p = try TestPractice()
        try p.dir.write("wrong", "not the passphrase\n")
        let before = try VaultFile.logRows(p.vault).count
        let r = try CLI.run(["user", "list", "--vault", p.vault, "--as", "rivera", "--passphrase-file", p.dir.file("wrong")])
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "confidant: error: wrong passphrase for user 'rivera'\n")
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 1)
        let last = try #require(rows.last)
        #expect(last.action == "session.unlock" && last.actor == "rivera" && last.outcome == "denied" && !last.signed)

        let unknown = try CLI.run(["user", "list", "--vault", p.vault, "--as", "mallory", "--passphrase-file", p.dir.file("wrong")])
        #expect(unknown.exitCode == 77)
    }

    @Test("unknown client or record id exits 66")
    func unknownIDs() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        for args in [["note", "open", "nxxxxxxxxxxxxx", "--purpose", "TREAT"], ["note", "list", "cnope"], ["client", "show", "cnope"],
                     ["agreement", "show", "anope", "--purpose", "TREAT"], ["note", "add", "cnope"]] {
            let r = try p.run("rivera", args, stdin: Data("x".utf8))
            #expect(r.exitCode == 66, "\(args)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("confidant: error: ") && r.stderr.filter { $0 == "\n" }.count == 1)
        }
        #expect(try p.run("rivera", ["careteam", "grant", client, "nobody"]).exitCode == 66)
        #expect(try CLI.run(["user", "list", "--vault", p.dir.file("missing.vault"), "--as", "admin",
                             "--passphrase-file", p.dir.file("pass-admin")]).exitCode == 66)
        #expect(try p.run("rivera", ["note", "add", client, "--file", p.dir.file("nofile")]).exitCode == 66)
        // The missing vault and the missing --file are found before any operation, so the newest
        // entry is still the refused grant.
        let last = try #require(try VaultFile.logRows(p.vault).last)
        #expect(last.action == "careteam.grant" && last.outcome == "not-found" && last.actor == "rivera" && last.record == "nobody")
    }

    @Test("a therapist outside the care team gets 77, nothing on stdout, and a denied entry")
    func outsideCareTeam() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "confidential content")
        let before = try VaultFile.logRows(p.vault).count
        let r = try p.run("chen", ["note", "open", note, "--purpose", "TREAT", "--reason", "curious"])
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "confidant: error: user 'chen' is not on the care team of client \(client); a care-team therapist or an admin can grant access\n")
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 1)
        let last = try #require(rows.last)
        #expect(last.action == "note.open")
        #expect(last.actor == "chen")
        #expect(last.outcome == "denied")
        #expect(last.client == client && last.record == note && last.signed)
        for args in [["note", "list", client], ["client", "show", client], ["note", "add", client]] {
            #expect(try p.run("chen", args, stdin: Data("x".utf8)).exitCode == 77, "\(args)")
        }
        #expect(try p.run("morgan", ["note", "open", note, "--purpose", "HOPERAT"]).exitCode == 77)
    }

    @Test("a colleague on the care team cannot open another therapist's psychotherapy note")
    func psychotherapyNoteSealedToAuthor() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let psy = try p.addNote(client, "process note", kind: "psychotherapy")
        let progress = try p.addNote(client, "progress note")
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        #expect(try p.ok("chen", ["note", "open", progress, "--purpose", "TREAT"]) == "progress note")
        let r = try p.run("chen", ["note", "open", psy, "--purpose", "TREAT"])
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        let listed = try p.ok("chen", ["note", "list", client])
        #expect(!listed.contains(psy))
        // Even the recovery-key holder's admin session, lacking the therapist role, cannot open it.
        #expect(try p.run("admin", ["note", "open", psy, "--purpose", "TREAT"]).exitCode == 77)
        #expect(try VaultFile.logRows(p.vault).last?.outcome == "denied")
    }

    @Test("a corrupt or non-vault file given as --vault exits 65 and is left unchanged", .sqliteOnly,
          arguments: ["text", "empty", "sqlite", "garbled"])
    func notAVault(_ kind: String) throws {
        let p = try TestPractice()
        let path = p.dir.file("bad-\(kind)")
        switch kind {
        case "text": try Data("just some notes\n".utf8).write(to: URL(fileURLWithPath: path))
        case "empty": try Data().write(to: URL(fileURLWithPath: path))
        case "sqlite":
            try VaultFile.withDatabase(path) { try $0.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
        default:
            var bytes = try Data(contentsOf: URL(fileURLWithPath: p.vault))
            for i in stride(from: 4096, to: bytes.count, by: 97) { bytes[i] ^= 0x5a }
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try CLI.run(["user", "list", "--vault", path, "--as", "admin", "--passphrase-file", p.dir.file("pass-admin")])
        #expect(r.exitCode == 65, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("confidant: error: "))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("two processes writing at once: each succeeds or exits 75, and no record is lost")
    func concurrentWriters() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        let results = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let user = worker == 0 ? "rivera" : "chen"
            for i in 0..<6 {
                let text = "note \(user) \(i)"
                let r = try? p.run(user, ["note", "add", client], stdin: Data(text.utf8))
                results.add(text, r?.exitCode ?? -1, r?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
            }
        }
        let all = results.items
        #expect(all.count == 12)
        #expect(all.allSatisfy { $0.code == 0 || $0.code == 75 }, "\(all.map(\.code))")
        // Not a pass when every writer was turned away: each worker committed at least one note.
        for user in ["rivera", "chen"] { #expect(all.contains { $0.code == 0 && $0.text.hasPrefix("note \(user) ") }, "\(user)") }
        let stored = try p.run("rivera", ["--json", "note", "list", client])
        let notes = try JSONSerialization.jsonObject(with: stored.stdoutData) as? [[String: Any]] ?? []
        let succeeded = all.filter { $0.code == 0 }
        #expect(notes.count == succeeded.count)
        for s in succeeded {
            #expect(try p.ok("rivera", ["note", "open", s.id, "--purpose", "TREAT"]) == s.text)
        }
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [(text: String, code: Int32, id: String)] = []
    func add(_ t: String, _ c: Int32, _ id: String) { lock.lock(); items.append((t, c, id)); lock.unlock() }
}
