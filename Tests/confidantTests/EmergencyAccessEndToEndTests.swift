import Foundation
import GRDB
import Testing
import VaultTestSupport

fileprivate let askedAt = "2026-11-21T10:00:00Z"

fileprivate func clock(_ iso: String, plusMinutes minutes: Int = 0) -> [String: String] {
    let f = ISO8601DateFormatter()
    let base = f.date(from: iso) ?? Date()
    return ["CONFIDANT_TEST_NOW": f.string(from: base.addingTimeInterval(Double(minutes) * 60))]
}

fileprivate let reason = "client in crisis, rivera unreachable"

fileprivate extension TestPractice {
    /// A client of rivera's with one progress note; returns (client, note).
    func crisisClient(_ text: String = "safety plan: call 988", env: [String: String] = [:]) throws -> (String, String) {
        let client = try run("rivera", ["client", "add", "--name", "Crisis Client"], env: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = try run("rivera", ["note", "add", client], stdin: Data(text.utf8), env: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (client, note)
    }

    func ask(_ note: String, as user: String = "chen", env: [String: String] = [:]) throws -> CLIResult {
        try run(user, ["note", "open", note, "--purpose", "ETREAT", "--reason", reason, "--break-glass"], env: env)
    }

    func openETREAT(_ note: String, as user: String = "chen", env: [String: String] = [:]) throws -> CLIResult {
        try run(user, ["note", "open", note, "--purpose", "ETREAT"], env: env)
    }

    func recipients(_ client: String) throws -> Set<String> {
        Set(try VaultFile.strings(vault, """
            SELECT w.recipient FROM key_wraps w JOIN data_keys k ON k.id = w.key_id WHERE k.client_id = '\(client)' AND k.state != 'destroyed'
            """))
    }

    func exposureOn(_ client: String, _ day: String, env: [String: String]) throws -> [String: String] {
        let r = try run("morgan", ["--json", "key", "exposure", client, "--on", day], env: env)
        guard r.exitCode == 0 else { throw TestFailure("key exposure --on exited \(r.exitCode): \(r.stderr)") }
        let list = (try JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { e in (e["holder"] as? String).map { ($0, e["kind"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
    }

    func exposure(_ client: String, as user: String = "morgan", env: [String: String] = [:]) throws -> [String: String] {
        let r = try run(user, ["--json", "key", "exposure", client], env: env)
        guard r.exitCode == 0 else { throw TestFailure("key exposure exited \(r.exitCode): \(r.stderr)") }
        let list = (try JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { e in (e["holder"] as? String).map { ($0, e["kind"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
    }
}

/// Emergency access without standing copies: no user outside a care team holds any wrap of the
/// client's keys; a request shows nothing until a second staff member who holds the key
/// approves it in its own process.
@Suite("emergency access end to end")
struct EmergencyAccessEndToEndTests {
    @Test("no standing copies: key exposure on a 3-therapist practice lists the care team and the recovery key, never every therapist")
    func noStandingCopies() throws {
        let p = try TestPractice(extraUsers: [("lee", "therapist")])
        let (client, _) = try p.crisisClient()
        #expect(try p.recipients(client) == ["user:rivera", "recovery"])
        #expect(try p.exposure(client) == ["rivera": "care-team", "recovery-key": "recovery-key",
                                           "2 of: requester + 1 of rivera, recovery-key": "escrow-threshold"])
        #expect(try p.run("chen", ["key", "exposure", client]).exitCode == 77)
    }

    @Test("a request by a therapist alone shows nothing; the requester, compliance and an admin without the recovery key cannot approve it")
    func requestShowsNothing() throws {
        let p = try TestPractice()
        let (client, note) = try p.crisisClient()
        let ask = try p.ask(note)
        #expect(ask.exitCode == 0, "\(ask.stderr)")
        let id = ask.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("e") && id.count == 14)
        #expect(!ask.stdout.contains("988"))
        #expect(try p.openETREAT(note).exitCode == 77)
        #expect(try p.run("chen", ["emergency", "approve", id]).exitCode == 77)
        #expect(try p.run("morgan", ["emergency", "approve", id]).exitCode == 77)
        #expect(try p.run("admin", ["emergency", "approve", id]).exitCode == 77)
        #expect(try p.recipients(client) == ["user:rivera", "recovery"])
        let list = try p.run("morgan", ["--json", "emergency", "list"])
        let states = ((try JSONSerialization.jsonObject(with: list.stdoutData)) as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
        #expect(states == ["waiting"])
    }

    @Test("approved by a care-team therapist, the release is logged before the key is wrapped; the requester opens with ETREAT")
    func approvedByCareTeam() throws {
        let p = try TestPractice()
        let (client, note) = try p.crisisClient()
        let id = try p.ask(note).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let approve = try p.run("rivera", ["emergency", "approve", id])
        #expect(approve.exitCode == 0, "\(approve.stderr)")
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.contains { $0.action == "emergency.approve" && $0.actor == "rivera" && $0.record == id && $0.signed })
        #expect(try p.recipients(client) == ["user:rivera", "recovery", "emergency:chen"])
        let opened = try p.openETREAT(note)
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        #expect(opened.stdout == "safety plan: call 988\n")
        #expect(try p.exposure(client)["chen"] == "emergency-release")
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 64)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("an admin outside the care team approves only with the recovery key")
    func approvedByAdminWithRecoveryKey() throws {
        let p = try TestPractice()
        let (_, note) = try p.crisisClient()
        let id = try p.ask(note).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try p.run("admin", ["emergency", "approve", id, "--recovery-key", p.recoveryKey]).exitCode == 0)
        #expect(try p.run("rivera", ["emergency", "approve", id]).exitCode == 64)  // already approved
        #expect(try p.openETREAT(note).stdout == "safety plan: call 988\n")
    }

    @Test("the release ends after breakglass.hours; the care team's next command rotates the client's key and removes the requester's copy")
    func windowEndsAndKeyRotates() throws {
        let p = try TestPractice(env: clock(askedAt, plusMinutes: -600))
        let (client, note) = try p.crisisClient(env: clock(askedAt, plusMinutes: -300))
        let id = try p.ask(note, env: clock(askedAt)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try p.run("rivera", ["emergency", "approve", id], env: clock(askedAt, plusMinutes: 5)).exitCode == 0)
        #expect(try p.openETREAT(note, env: clock(askedAt, plusMinutes: 60)).exitCode == 0)
        let later = clock(askedAt, plusMinutes: 5 + 24 * 60 + 1)
        #expect(try p.openETREAT(note, env: later).exitCode == 77)
        let list = try p.run("morgan", ["--json", "emergency", "list"], env: later)
        #expect(((try JSONSerialization.jsonObject(with: list.stdoutData)) as? [[String: Any]])?.first?["state"] as? String == "ended")
        #expect(try p.exposure(client, env: later)["chen"] == "emergency-release")
        // Any command of a care-team therapist after the window rotates the key.
        #expect(try p.run("rivera", ["note", "list", client], env: later).exitCode == 0)
        #expect(try VaultFile.logRows(p.vault).contains { $0.action == "key.rotate.finish" && $0.actor == "rivera" && $0.client == client })
        #expect(try p.exposure(client, env: later)["chen"] == nil)
        #expect(try p.recipients(client) == ["user:rivera", "recovery"])
        let after = try p.run("morgan", ["--json", "emergency", "list"], env: later)
        #expect(((try JSONSerialization.jsonObject(with: after.stdoutData)) as? [[String: Any]])?.first?["state"] as? String == "rotated")
        // On the day of the release chen could decrypt; the day after the rotation it could not.
        let onDay = try p.exposureOn(client, "2026-11-21", env: later)
        #expect(onDay == ["2 of: requester + 1 of rivera, recovery-key": "escrow-threshold", "chen": "emergency-release",
                          "recovery-key": "recovery-key", "rivera": "care-team"])
        #expect(try p.exposureOn(client, "2026-11-19", env: later) == [:])  // before the client existed
        #expect(try p.run("morgan", ["key", "exposure", client, "--on", "2026-12-25"], env: later).exitCode == 64)
    }

    @Test("emergency access never reaches psychotherapy notes, and needs --reason and ETREAT (64)")
    func limits() throws {
        let p = try TestPractice()
        let (client, _) = try p.crisisClient()
        let psy = try p.addNote(client, "process notes", kind: "psychotherapy")
        #expect(try p.ask(psy).exitCode == 77)
        let (_, note) = try p.crisisClient()
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "ETREAT", "--break-glass"]).exitCode == 64)
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT", "--reason", reason, "--break-glass"]).exitCode == 64)
        #expect(!(try VaultFile.logRows(p.vault)).contains { $0.action == "emergency.request" })
    }

    @Test("an open release reaches the client's current safety plan (ETREAT), not older versions or other agreements")
    func safetyPlanThroughRelease() throws {
        let p = try TestPractice()
        let (client, note) = try p.crisisClient()
        func add(_ kind: String, _ json: String) throws -> String {
            let f = try p.dir.write("\(kind)-\(UUID().uuidString).json", json)
            return try p.ok("rivera", ["agreement", "add", client, "--kind", kind, "--file", f])
        }
        let old = try add("safety", #"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm"], "crisisPlan": "old plan", "crisisContacts": []}"#)
        let plan = try add("safety", #"{"reviewedOn": "2026-11-20", "refrainFrom": ["self-harm"], "crisisPlan": "call 988, then sister", "crisisContacts": []}"#)
        let conf = try add("confidentiality", #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self"]}"#)
        #expect(try p.run("chen", ["agreement", "show", plan, "--purpose", "ETREAT"]).exitCode == 77)
        let id = try p.ask(note).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try p.run("rivera", ["emergency", "approve", id]).exitCode == 0)
        let shown = try p.run("chen", ["--json", "agreement", "show", plan, "--purpose", "ETREAT"])
        #expect(shown.exitCode == 0, "\(shown.stderr)")
        let body = ((try JSONSerialization.jsonObject(with: shown.stdoutData)) as? [String: Any])?["body"] as? [String: Any]
        #expect(body?["crisisPlan"] as? String == "call 988, then sister")
        #expect(try p.run("chen", ["agreement", "show", old, "--purpose", "ETREAT"]).exitCode == 77)
        #expect(try p.run("chen", ["agreement", "show", conf, "--purpose", "ETREAT"]).exitCode == 77)
        #expect(try p.run("chen", ["agreement", "show", plan, "--purpose", "TREAT"]).exitCode == 77)
    }

    @Test("key exposure --on DATE follows the care team through grant and revoke, day by day")
    func exposureOnDates() throws {
        func day(_ d: Int) -> [String: String] { clock("2026-11-0\(d)T12:00:00Z") }
        let p = try TestPractice(extraUsers: [("lee", "therapist")], env: day(1))
        let client = try p.run("rivera", ["client", "add", "--name", "Dated Client"], env: day(1)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try p.run("rivera", ["careteam", "grant", client, "lee"], env: day(3)).exitCode == 0)
        #expect(try p.run("rivera", ["careteam", "revoke", client, "lee"], env: day(5)).exitCode == 0)
        let base = ["2 of: requester + 1 of rivera, recovery-key": "escrow-threshold", "recovery-key": "recovery-key", "rivera": "care-team"]
        let withLee = base.merging(["lee": "care-team"]) { a, _ in a }
        let expected = [2: base, 3: withLee, 4: withLee, 5: withLee, 6: base]
        for (d, want) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try p.exposureOn(client, "2026-11-0\(d)", env: day(7)) == want, "day \(d)")
        }
        #expect(try p.run("morgan", ["key", "exposure", client, "--on", "11/02/2026"], env: day(7)).exitCode == 64)
    }
}
