import Foundation
import Testing
import VaultTestSupport

/// Personal representatives (45 CFR 164.502(g)) through the binary: a parent of a minor
/// requests and opens an export, never sees care the minor consented to, loses its authority at
/// the age of majority, and is stopped at once by a block (77, a review item, its key copies gone).
@Suite("personal representatives end to end")
struct RepresentativeEndToEndTests {
    func json(_ r: CLIResult) throws -> Any { try JSONSerialization.jsonObject(with: r.stdoutData) }

    /// A practice with a minor client (born 2011-04-10), its mother as representative user
    /// "maria" recorded with `representative add --user`; returns (practice, client, rep id).
    func minorWithParent(at now: String = "2026-01-05T10:00:00Z") throws -> (TestPractice, String, String) {
        let p = try TestPractice(env: testClock(now))
        let client = try p.ok("rivera", ["client", "add", "--name", "Sam Lopez", "--dob", "2011-04-10"])
        try p.addUser("maria", role: "representative", ["--client", client])
        let rep = try p.ok("rivera", ["representative", "add", client, "--name", "Maria Lopez", "--relation", "parent",
                                      "--evidence", "birth certificate seen 2026-01-05", "--user", "maria"])
        return (p, client, rep)
    }

    func openExport(_ p: TestPractice, _ req: String) throws -> [String: Any] {
        let (key, recipient) = try AgeKey.generate(in: p.dir, name: "k-\(req).key")
        let out = p.dir.file("\(req).age")
        let f = try p.run("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient])
        #expect(f.exitCode == 0, "\(f.stderr)")
        let opened = p.dir.file("opened-\(req)")
        let o = try CLI.run(["export", "open", out, "--out", opened, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")
        return try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: opened + "/records.json"))) as? [String: Any] ?? [:]
    }

    @Test("a minor's parent requests and opens an export without the minor-consented note; after a block the same request is 77")
    func parentExportThenBlock() throws {
        let (p, client, rep) = try minorWithParent()
        let progress = try p.addNote(client, "Session 1: diary card reviewed with Sam and his mother.")
        let consented = try p.ok("rivera", ["note", "add", client, "--minor-consented"], stdin: Data("Sam asked for counselling on his own.".utf8))
        let listed = try p.ok("rivera", ["representative", "list", client])
        #expect(listed.contains(rep) && listed.contains("Maria Lopez") && listed.contains("parent") && listed.contains("2029-04-09")
                && listed.contains("active"))

        let made = try p.run("maria", ["--json", "export", "request", client])
        #expect(made.exitCode == 0, "\(made.stderr)")
        let req = try #require((try json(made) as? [String: Any])?["id"] as? String)
        let records = try openExport(p, req)
        let ids = (records["notes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids == [progress])
        #expect(!(String(data: try JSONSerialization.data(withJSONObject: records), encoding: .utf8) ?? "").contains(consented))

        // The minor itself (as a client user) would see both; the parent is blocked.
        let blocked = try p.run("rivera", ["representative", "block", client, rep, "--reason", "suspected abuse reported by Sam"])
        #expect(blocked.exitCode == 0, "\(blocked.stderr)")
        let again = try p.run("maria", ["export", "request", client])
        #expect(again.exitCode == 77)
        #expect(again.stderr == "confidant: error: user 'maria' holds no active authority for client \(client): none is on record, or it ended or was blocked; ask the practice\n")
        #expect(try p.run("maria", ["accounting", "request", client]).exitCode == 77)
        #expect(try p.ok("rivera", ["representative", "list", client]).contains("blocked"))
        // A second block changes nothing (64); the block and the refused attempts are review items.
        #expect(try p.run("rivera", ["representative", "block", client, rep, "--reason", "again"]).exitCode == 64)
        let review = try p.ok("morgan", ["log", "review", "--rule", "representative-blocked"])
        #expect(review.contains("representative.block") && review.contains("export.request") && review.contains("accounting.request"))
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("a request the parent made before the block cannot be fulfilled after it (77); its key copies are gone")
    func pendingRequestAfterBlock() throws {
        let (p, client, rep) = try minorWithParent()
        _ = try p.addNote(client, "Session 1.")
        let req = try p.ok("maria", ["export", "request", client])
        let acc = try #require(try p.ok("maria", ["accounting", "request", client]).split(separator: "\n").first.map(String.init))
        #expect(try p.ok("rivera", ["--json", "key", "exposure", client]).contains("maria"))
        _ = try p.ok("rivera", ["representative", "block", client, rep, "--reason", "court order"])
        let (_, recipient) = try AgeKey.generate(in: p.dir)
        let f = try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("x.age"), "--recipient", recipient])
        #expect(f.exitCode == 77)
        #expect(f.stderr == "confidant: error: request \(req) was made by representative 'maria', whose authority was blocked on 2026-01-05; it cannot be fulfilled to it\n")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.age")))
        let a = try p.run("rivera", ["accounting", "fulfill", acc, "--out", p.dir.file("a.age"), "--recipient", recipient])
        #expect(a.exitCode == 77)
        #expect(a.stderr.contains("request \(acc) was made by representative 'maria', whose authority was blocked on 2026-01-05"))
        p.env = testClock("2026-01-06T10:00:00Z")
        #expect(!(try p.ok("rivera", ["--json", "key", "exposure", client, "--on", "2026-01-06"]).contains("maria")))
    }

    @Test("a parent's authority ends the day before the age of majority; a practice setting moves it")
    func ageOfMajority() throws {
        let (p, client, rep) = try minorWithParent(at: "2029-04-08T10:00:00Z")
        #expect(try p.run("maria", ["accounting", "request", client]).exitCode == 0)
        p.env = testClock("2029-04-10T10:00:00Z")
        let late = try p.run("maria", ["accounting", "request", client])
        #expect(late.exitCode == 77)
        #expect(late.stderr == "confidant: error: the authority of representative \(rep) for client \(client) ended on 2029-04-09\n")
        _ = try p.ok("admin", ["settings", "set", "practice.age-of-majority", "19"])
        #expect(try p.run("maria", ["accounting", "request", client]).exitCode == 0)
        #expect(try p.run("admin", ["settings", "set", "practice.age-of-majority", "12"]).exitCode == 64)
    }

    @Test("refusals: no record for the user 77; wrong role or client 64; another client 77; --minor-consented on an adult 64")
    func refusals() throws {
        let p = try TestPractice(env: testClock("2026-01-05T10:00:00Z"))
        let minor = try p.ok("rivera", ["client", "add", "--name", "Sam Lopez", "--dob", "2011-04-10"])
        let other = try p.ok("rivera", ["client", "add", "--name", "Ada Park", "--dob", "1980-02-02"])
        #expect(try p.run("admin", ["user", "add", "x", "--role", "representative", "--code-file", p.dir.file("cx")]).exitCode == 64)
        #expect(try p.run("admin", ["user", "add", "x", "--role", "representative,therapist", "--client", minor,
                                    "--code-file", p.dir.file("cy")]).exitCode == 64)
        try p.addUser("maria", role: "representative", ["--client", minor])
        let none = try p.run("maria", ["export", "request", minor])
        #expect(none.exitCode == 77)
        #expect(none.stderr.contains("user 'maria' holds no active authority for client \(minor)"))
        let wrong = try p.run("rivera", ["representative", "add", other, "--name", "M", "--relation", "parent", "--evidence", "e", "--user", "maria"])
        #expect(wrong.exitCode == 64)
        #expect(try p.run("rivera", ["representative", "add", minor, "--name", "M", "--relation", "aunt", "--evidence", "e"]).exitCode == 64)
        #expect(try p.run("morgan", ["representative", "add", minor, "--name", "M", "--relation", "parent", "--evidence", "e"]).exitCode == 77)
        _ = try p.ok("rivera", ["representative", "add", minor, "--name", "Maria", "--relation", "parent", "--evidence", "e", "--user", "maria"])
        #expect(try p.run("maria", ["export", "request", other]).exitCode == 77)
        let adult = try p.run("rivera", ["note", "add", other, "--minor-consented"], stdin: Data("x".utf8))
        #expect(adult.exitCode == 64)
        #expect(adult.stderr.contains("is not a minor"))
    }
}
