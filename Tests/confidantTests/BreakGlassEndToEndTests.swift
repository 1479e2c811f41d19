import Foundation
import GRDB
import Testing
import VaultTestSupport

// MARK: helpers (file-private)

/// The declaration time used by the window tests, and times relative to it.
fileprivate let declaredAt = "2026-11-21T10:00:00Z"

fileprivate func clock(_ iso: String, plusMinutes minutes: Int = 0) -> [String: String] {
    let f = ISO8601DateFormatter()
    let base = f.date(from: iso)!
    return ["CONFIDANT_TEST_NOW": f.string(from: base.addingTimeInterval(Double(minutes) * 60))]
}

fileprivate func reviewItems(_ p: TestPractice, _ user: String = "morgan", all: Bool = false) throws -> [[String: Any]] {
    let r = try p.run(user, ["--json", "log", "review"] + (all ? ["--all"] : []))
    guard r.exitCode == 0 else { throw TestFailure("log review as \(user) exited \(r.exitCode): \(r.stderr)") }
    return (try JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

fileprivate func lastFlags(_ p: TestPractice) throws -> String {
    try VaultFile.withDatabase(p.vault) { db in
        try String.fetchOne(db, sql: "SELECT flags FROM access_log ORDER BY seq DESC LIMIT 1") ?? ""
    }
}

fileprivate let emergencyReason = "client in crisis, rivera unreachable"

fileprivate extension TestPractice {
    /// A client of rivera's with one progress note, all written at `env`'s time; returns (client, note).
    func riveraClientWithNote(_ text: String, env: [String: String] = [:]) throws -> (String, String) {
        let c = try run("rivera", ["client", "add", "--name", "Crisis Client"], env: env)
        guard c.exitCode == 0 else { throw TestFailure("client add: \(c.stderr)") }
        let client = c.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let n = try run("rivera", ["note", "add", client, "--kind", "progress"], stdin: Data(text.utf8), env: env)
        guard n.exitCode == 0 else { throw TestFailure("note add: \(n.stderr)") }
        return (client, n.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func breakGlass(_ note: String, as user: String = "chen", purpose: String = "ETREAT", reason: String? = emergencyReason,
                    flag: Bool = true, env: [String: String] = [:]) throws -> CLIResult {
        var args = ["note", "open", note, "--purpose", purpose]
        if let reason { args += ["--reason", reason] }
        if flag { args.append("--break-glass") }
        return try run(user, args, env: env)
    }
}

// MARK: break-glass

@Suite("break-glass end to end")
struct BreakGlassEndToEndTests {
    @Test("a therapist outside the care team opens a progress note by break-glass; it is logged and reviewed until closed")
    func declareAndReview() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        let (client, note) = try p.riveraClientWithNote("progress: safety plan reviewed")
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        // Without break-glass chen is refused.
        #expect(try p.run("chen", ["note", "open", note, "--purpose", "TREAT"]).exitCode == 77)
        let before = try VaultFile.logRows(p.vault).count

        let r = try p.breakGlass(note)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout == "progress: safety plan reviewed\n")

        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 2)
        let new = Array(rows.suffix(2))
        #expect(new.map(\.action) == ["breakglass.start", "note.open"])
        #expect(new.allSatisfy { $0.actor == "chen" && $0.outcome == "success" && $0.client == client && $0.signed })
        #expect(new.last?.record == note)
        #expect(try lastFlags(p).split(separator: ",").contains("break-glass"))

        // The reason is sealed: it is not in the vault file in plaintext.
        for (path, bytes) in VaultFile.allBytes(p.vault) {
            #expect(bytes.range(of: Data(emergencyReason.utf8)) == nil, "\(path)")
        }

        let items = try reviewItems(p).filter { $0["rule"] as? String == "break-glass" }
        #expect(items.count == 2)
        #expect(items.allSatisfy { $0["actor"] as? String == "chen" && $0["client"] as? String == client && $0["purpose"] as? String == "ETREAT" })
        #expect(Set(items.compactMap { $0["action"] as? String }) == ["breakglass.start", "note.open"])

        // Only compliance closes; a note is required.
        let target = try #require(items.first { $0["action"] as? String == "note.open" })
        let id = try #require(target["id"] as? String)
        #expect(try p.run("rivera", ["log", "close-review", id, "--note", "fine"]).exitCode == 77)
        #expect(try p.run("morgan", ["log", "close-review", id, "--note", " "]).exitCode == 64)
        let close = try p.run("morgan", ["log", "close-review", id, "--note", "confirmed crisis with rivera; access appropriate"])
        #expect(close.exitCode == 0, "\(close.stderr)")
        #expect(close.stdout.contains("Closed"))

        let open = try reviewItems(p).filter { $0["rule"] as? String == "break-glass" }
        #expect(!open.contains { $0["id"] as? String == id })
        #expect(open.count == 1)
        #expect(open.first?["action"] as? String == "breakglass.start")
        let all = try reviewItems(p, all: true)
        let closed = try #require(all.first { $0["id"] as? String == id })
        #expect(closed["state"] as? String == "closed")
        #expect(closed["closedBy"] as? String == "morgan")
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("a compliance officer holding the audit key reads the emergency reason in log show")
    func reasonForCompliance() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        try p.dir.write("pass-auditor", "auditor passphrase 1\n")
        _ = try p.ok("admin", ["user", "add", "auditor", "--role", "compliance", "--initial-passphrase-file", p.dir.file("pass-auditor"),
                               "--recovery-key", p.recoveryKey])
        let (client, note) = try p.riveraClientWithNote("progress text")
        #expect(try p.breakGlass(note).exitCode == 0)
        let r = try p.run("auditor", ["--json", "log", "show", "--actor", "chen", "--client", client])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["action"] as? String } == ["breakglass.start", "note.open"])
        let start = try #require(rows.first)
        #expect(start["reason"] as? String == emergencyReason)
        #expect(start["purpose"] as? String == "ETREAT")
        #expect(start["outcome"] as? String == "success")
        #expect((start["flags"] as? [String] ?? []).contains("break-glass"))
    }

    @Test("a window is for one therapist and one client")
    func windowScope() throws {
        let p = try TestPractice(extraUsers: [("lee", "therapist")])
        let (_, noteA) = try p.riveraClientWithNote("client A text")
        let (_, noteB) = try p.riveraClientWithNote("client B text")
        #expect(try p.breakGlass(noteA).exitCode == 0)
        #expect(try p.breakGlass(noteA, reason: nil, flag: false).exitCode == 0)
        let otherClient = try p.breakGlass(noteB, reason: nil, flag: false)
        #expect(otherClient.exitCode == 77)
        #expect(otherClient.stdout.isEmpty)
        let otherTherapist = try p.breakGlass(noteA, as: "lee", reason: nil, flag: false)
        #expect(otherTherapist.exitCode == 77)
        #expect(otherTherapist.stdout.isEmpty)
    }

    @Test("within the window ETREAT opens without --break-glass; after 24 hours it is refused")
    func defaultWindow() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        let (client, note) = try p.riveraClientWithNote("progress text", env: clock(declaredAt, plusMinutes: -60))
        let note2 = try p.run("rivera", ["note", "add", client], stdin: Data("second note".utf8), env: clock(declaredAt, plusMinutes: -30))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let declare = try p.breakGlass(note, env: clock(declaredAt))
        #expect(declare.exitCode == 0, "\(declare.stderr)")
        #expect(declare.stdout == "progress text\n")

        // An hour later: no new declaration needed, for any progress note of this client.
        let again = try p.breakGlass(note2, reason: nil, flag: false, env: clock(declaredAt, plusMinutes: 60))
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(again.stdout == "second note\n")
        let row = try #require(try VaultFile.logRows(p.vault).last)
        #expect(row.action == "note.open" && row.actor == "chen" && row.outcome == "success" && row.record == note2)
        #expect(try lastFlags(p).split(separator: ",").contains("break-glass"))
        #expect(try VaultFile.logRows(p.vault).filter { $0.action == "breakglass.start" }.count == 1)

        // Still inside the window at 23 hours.
        let late = try p.breakGlass(note, reason: nil, flag: false, env: clock(declaredAt, plusMinutes: 23 * 60))
        #expect(late.exitCode == 0, "\(late.stderr)")

        // 25 hours after the declaration: refused.
        let before = try VaultFile.logRows(p.vault).count
        let expired = try p.breakGlass(note, reason: nil, flag: false, env: clock(declaredAt, plusMinutes: 25 * 60))
        #expect(expired.exitCode == 77)
        #expect(expired.stdout.isEmpty)
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 1)
        #expect(rows.last?.action == "note.open" && rows.last?.actor == "chen" && rows.last?.outcome == "denied")

        // A new declaration opens a new window.
        let renewed = try p.breakGlass(note, env: clock(declaredAt, plusMinutes: 26 * 60))
        #expect(renewed.exitCode == 0, "\(renewed.stderr)")
    }

    @Test("breakglass.hours sets the window")
    func configuredWindow() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        #expect(try p.run("admin", ["settings", "set", "breakglass.hours", "0"]).exitCode == 64)
        #expect(try p.run("rivera", ["settings", "set", "breakglass.hours", "48"]).exitCode == 77)
        let set = try p.run("admin", ["settings", "set", "breakglass.hours", "1"], env: clock(declaredAt, plusMinutes: -120))
        #expect(set.exitCode == 0, "\(set.stderr)")
        let (_, note) = try p.riveraClientWithNote("progress text", env: clock(declaredAt, plusMinutes: -60))

        #expect(try p.breakGlass(note, env: clock(declaredAt)).exitCode == 0)
        let inside = try p.breakGlass(note, reason: nil, flag: false, env: clock(declaredAt, plusMinutes: 30))
        #expect(inside.exitCode == 0, "\(inside.stderr)")
        #expect(inside.stdout == "progress text\n")
        let outside = try p.breakGlass(note, reason: nil, flag: false, env: clock(declaredAt, plusMinutes: 120))
        #expect(outside.exitCode == 77)
        #expect(outside.stdout.isEmpty)
    }

    @Test("break-glass never reaches psychotherapy notes")
    func neverPsychotherapy() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        let (client, note) = try p.riveraClientWithNote("progress text")
        let psy = try p.addNote(client, "process notes: private", kind: "psychotherapy")

        let before = try VaultFile.logRows(p.vault).count
        let r = try p.breakGlass(psy)
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("confidant: error: "))
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 1)
        #expect(rows.last?.action == "note.open" && rows.last?.actor == "chen" && rows.last?.outcome == "denied" && rows.last?.record == psy)
        #expect(!rows.contains { $0.action == "breakglass.start" })

        // Not even while a window opened on a progress note is in force.
        #expect(try p.breakGlass(note).exitCode == 0)
        let during = try p.breakGlass(psy, reason: nil, flag: false)
        #expect(during.exitCode == 77)
        #expect(during.stdout.isEmpty)
        let again = try p.breakGlass(psy)
        #expect(again.exitCode == 77)
        #expect(again.stdout.isEmpty)
        #expect(try VaultFile.logRows(p.vault).filter { $0.action == "breakglass.start" }.count == 1)
    }

    @Test("--break-glass needs --reason and --purpose ETREAT (64); a refused declaration opens no window")
    func usage() throws {
        let p = try TestPractice(env: clock(declaredAt, plusMinutes: -600))
        let (_, note) = try p.riveraClientWithNote("progress text")
        for (purpose, reason) in [("ETREAT", nil), ("ETREAT", "   "), ("TREAT", emergencyReason), ("TREAT", nil)] as [(String, String?)] {
            let r = try p.breakGlass(note, purpose: purpose, reason: reason)
            #expect(r.exitCode == 64, "\(purpose) \(reason ?? "nil")")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.hasPrefix("confidant: error: "))
        }
        #expect(!(try VaultFile.logRows(p.vault)).contains { $0.action == "breakglass.start" })
        let after = try p.breakGlass(note, reason: nil, flag: false)
        #expect(after.exitCode == 77)
        #expect(after.stdout.isEmpty)

        // Only therapists may break the glass.
        for user in ["admin", "morgan"] {
            let r = try p.breakGlass(note, as: user)
            #expect(r.exitCode == 77, "\(user)")
            #expect(r.stdout.isEmpty)
        }
    }
}
