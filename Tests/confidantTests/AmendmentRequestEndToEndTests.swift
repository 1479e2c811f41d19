import Foundation
import Testing
import VaultTestSupport

/// Amendment requests (45 CFR 164.526) through the binary: due 60 days after receipt, one
/// 30-day extension, acceptance linking an addendum, denial on a ground, the client's statement
/// of disagreement and the practice's rebuttal, which go with every later disclosure of the record.
@Suite("amendment requests end to end")
struct AmendmentRequestEndToEndTests {
    func json(_ r: CLIResult) throws -> [String: Any] { try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any] ?? [:] }

    func request(_ p: TestPractice, _ client: String, _ note: String, as user: String = "dana", received: String? = nil) throws -> [String: Any] {
        try p.dir.write("req.txt", "Please correct: I was not late to the session of 3 January.\n")
        let r = try p.run(user, ["--json", "amendment", "request", client, "--records", note, "--file", p.dir.file("req.txt")]
                          + (received.map { ["--received-on", $0] } ?? []))
        #expect(r.exitCode == 0, "\(r.stderr)")
        return try json(r)
    }

    @Test("received 2026-01-05 → due 2026-03-06; extended once → 2026-04-05; a second extension 64; accept links an addendum shown by note open")
    func deadlinesAndAcceptance() throws {
        let p = try TestPractice(env: testClock("2026-01-06T10:00:00Z"))
        let client = try p.addClient(name: "Dana Reyes")
        try p.addUser("dana", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let note = try p.addNote(client, "Session 3 January: Dana arrived 20 minutes late.")
        let made = try request(p, client, note, received: "2026-01-05")
        let id = try #require(made["id"] as? String)
        #expect(made["dueOn"] as? String == "2026-03-06")
        #expect(made["state"] as? String == "open")
        #expect(try p.run("chen", ["amendment", "extend", id, "--reason", "x"]).exitCode == 77)
        let ext = try p.run("rivera", ["amendment", "extend", id, "--reason", "the session recording is being checked"])
        #expect(ext.exitCode == 0, "\(ext.stderr)")
        #expect(ext.stdout == "\(id) extended: due 2026-04-05\n")
        let twice = try p.run("rivera", ["amendment", "extend", id, "--reason", "more time"])
        #expect(twice.exitCode == 64)
        #expect(twice.stderr == "confidant: error: amendment request \(id) was already extended; it may be extended once (45 CFR 164.526(b)(2)(ii))\n")
        #expect(try p.run("dana", ["amendment", "decide", id, "--accept", "--reason", "ok"]).exitCode == 77)
        try p.dir.write("fix.txt", "Correction: Dana arrived on time; the late arrival was another client's.\n")
        let decided = try p.run("rivera", ["--json", "amendment", "decide", id, "--accept", "--reason", "the record was wrong",
                                           "--file", p.dir.file("fix.txt")])
        #expect(decided.exitCode == 0, "\(decided.stderr)")
        let d = try json(decided)
        #expect(d["state"] as? String == "accepted")
        let addendum = try #require((d["addenda"] as? [String])?.first)
        let opened = try p.ok("rivera", ["note", "open", note])
        let first = try #require(opened.range(of: "Dana arrived 20 minutes late."))
        let second = try #require(opened.range(of: "Correction: Dana arrived on time"))
        #expect(first.upperBound <= second.lowerBound)
        #expect(try p.run("rivera", ["amendment", "decide", id, "--deny", "--ground", "accurate-and-complete", "--reason", "x"]).exitCode == 64)
        let shown = try json(try p.run("dana", ["--json", "amendment", "show", id]))
        #expect(shown["state"] as? String == "accepted" && (shown["addenda"] as? [String]) == [addendum])
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("a denial on a ground, the client's disagreement and the rebuttal: filed once each, in order, and sent with a later disclosure")
    func denialDisagreementRebuttal() throws {
        let p = try TestPractice(env: testClock("2026-01-06T10:00:00Z"))
        let client = try p.addClient(name: "Dana Reyes")
        try p.addUser("dana", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let note = try p.addNote(client, "Session 3 January: Dana arrived 20 minutes late.")
        let id = try #require(try request(p, client, note)["id"] as? String)
        try p.dir.write("st.txt", "I disagree: I was on time.\n")
        let early = try p.run("dana", ["amendment", "disagree", id, "--file", p.dir.file("st.txt")])
        #expect(early.exitCode == 64)
        #expect(early.stderr == "confidant: error: amendment request \(id) is open, not denied; a statement of disagreement follows a denial\n")
        let denied = try p.run("rivera", ["--json", "amendment", "decide", id, "--deny", "--ground", "accurate-and-complete",
                                          "--reason", "the session log shows the arrival time"])
        #expect(denied.exitCode == 0, "\(denied.stderr)")
        #expect(try json(denied)["state"] as? String == "refused")
        #expect(try p.run("dana", ["amendment", "rebut", id, "--file", p.dir.file("st.txt")]).exitCode == 77)
        try p.dir.write("rb.txt", "The front-desk log records arrival at 10:20.\n")
        let noStatement = try p.run("rivera", ["amendment", "rebut", id, "--file", p.dir.file("rb.txt")])
        #expect(noStatement.exitCode == 64)
        #expect(noStatement.stderr == "confidant: error: amendment request \(id) has no statement of disagreement to rebut\n")
        let statement = try p.ok("dana", ["amendment", "disagree", id, "--file", p.dir.file("st.txt")])
        #expect(try p.run("dana", ["amendment", "disagree", id, "--file", p.dir.file("st.txt")]).exitCode == 64)
        let rebuttal = try p.ok("rivera", ["amendment", "rebut", id, "--file", p.dir.file("rb.txt")])
        let shown = try json(try p.run("rivera", ["--json", "amendment", "show", id]))
        #expect(shown["ground"] as? String == "accurate-and-complete")
        #expect(shown["reason"] as? String == "the session log shows the arrival time")

        let disclosed = try p.discloseCLI(client, records: [note], basis: "legal-order", extra: ["--json"])
        #expect(disclosed.exitCode == 0, "\(disclosed.stderr)")
        let sent = (disclosureJSONObject(disclosed)["addenda"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(sent == [statement, rebuttal])
        let text = try p.ok("rivera", ["note", "open", note])
        let s = try #require(text.range(of: "I disagree: I was on time."))
        let r = try #require(text.range(of: "The front-desk log records arrival at 10:20."))
        #expect(s.upperBound <= r.lowerBound)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("an amendment request past its due day is an amendment-overdue review item; refusals 77 off the care team, 66 unknown record")
    func overdueAndRefusals() throws {
        let p = try TestPractice(env: testClock("2026-01-06T10:00:00Z"))
        let client = try p.addClient(name: "Dana Reyes")
        let other = try p.addClient(name: "Ada Park")
        try p.addUser("dana", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let note = try p.addNote(client, "Session 3 January.")
        let otherNote = try p.addNote(other, "Ada's session.")
        let id = try #require(try request(p, client, note, as: "rivera", received: "2026-01-05")["id"] as? String)
        try p.dir.write("req2.txt", "x\n")
        #expect(try p.run("dana", ["amendment", "request", other, "--records", otherNote, "--file", p.dir.file("req2.txt")]).exitCode == 77)
        #expect(try p.run("dana", ["amendment", "request", client, "--records", "nzzzzzzzzzzzzz", "--file", p.dir.file("req2.txt")]).exitCode == 66)
        #expect(try p.run("chen", ["amendment", "decide", id, "--accept", "--reason", "x"]).exitCode == 77)
        p.env = testClock("2026-03-07T10:00:00Z")
        let items = try p.ok("morgan", ["log", "review", "--rule", "amendment-overdue"])
        #expect(items.contains(id))
    }
}
