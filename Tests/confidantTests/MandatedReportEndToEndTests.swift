import Foundation
import Testing
import VaultTestSupport

/// Disclosures that hold up in law (issue 12): a required basis is never blocked, oral reports
/// are recorded, dates are bounded, psychotherapy notes follow 164.508(a)(2), authorizations
/// can be revoked.
@Suite("mandated reports and legal bases end to end")
struct MandatedReportEndToEndTests {
    static let today = ["CONFIDANT_TEST_NOW": "2026-11-28T10:00:00Z"]

    func reviewItems(_ p: TestPractice, _ rule: String, as user: String = "morgan") throws -> [[String: Any]] {
        _ = try p.run("admin", ["settings", "set", "review.working-hours", "00:00-24:00"], env: Self.today)
        let r = try p.run(user, ["--json", "log", "review"], env: Self.today)
        return disclosureJSONArray(r).filter { $0["rule"] as? String == rule }
    }

    /// The ids of the disclosures in the client's export made on `today`.
    func exportedDisclosures(_ p: TestPractice, _ client: String) throws -> [[String: Any]] {
        try exportedDisclosuresAt(p, client, env: Self.today).map { ["id": $0] }
    }

    @Test("a child-abuse report for a client told only of harm-to-self and harm-to-others: 0, not-explained, reviewed; also oral")
    func mandatedReportNeverBlocked() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "disclosed at session: bruises")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "harm-to-others"], reviewedOn: "2026-11-02")
        let written = try p.discloseCLI(client, records: [note], basis: "child-abuse", to: "Child Protective Services",
                                        purpose: "mandated report", date: "2026-11-27", env: Self.today)
        #expect(written.exitCode == 0, "\(written.stderr)")
        #expect(written.stderr.contains("not-explained"))
        let id = written.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let row = try #require(try VaultFile.logRows(p.vault).last { $0.action == "disclosure.add" })
        #expect(row.outcome == "success" && row.record == id)

        let oral = try p.run("rivera", ["disclose", client, "--to", "Child Protective Services", "--oral",
                                        "--summary", "reported suspected abuse by phone; intake number 4411",
                                        "--basis", "child-abuse", "--purpose", "mandated report", "--date", "2026-11-28"], env: Self.today)
        #expect(oral.exitCode == 0, "\(oral.stderr)")
        let oralID = oral.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        try p.enrolAuditor()  // a compliance user holding the audit key reads the basis in the item
        let items = try reviewItems(p, "not-explained", as: "auditor")
        #expect(Set(items.compactMap { $0["record"] as? String }) == [id, oralID])
        #expect(items.allSatisfy { ($0["why"] as? String)?.contains("basis child-abuse") == true }, "\(items)")

        let listed = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: Self.today))
        #expect(listed.compactMap { $0["description"] as? String }.contains("oral report to Child Protective Services: reported suspected abuse by phone; intake number 4411"))
        #expect(listed.count == 2)
        let exported = try exportedDisclosures(p, client)
        #expect(Set(exported.compactMap { $0["id"] as? String }) == [id, oralID])
    }

    @Test("a permitted basis not explained: 77; co-signed by compliance: 0; attested where the discloser is the only compliance user: 0 and reviewed")
    func permittedBasis() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let refused = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "request",
                                        date: "2026-11-27", env: Self.today)
        #expect(refused.exitCode == 77)
        #expect(refused.stdout.isEmpty)
        let cosigned = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "request",
                                         date: "2026-11-27", extra: p.cosignArgs("morgan"), env: Self.today)
        #expect(cosigned.exitCode == 0, "\(cosigned.stderr)")
        // --attest while another compliance user exists: 77.
        let attestRefused = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "request",
                                              date: "2026-11-27", extra: ["--attest", "officer presented a warrant"], env: Self.today)
        #expect(attestRefused.exitCode == 77)

        let solo = try TestPractice(extraUsers: [("sam", "therapist,compliance")], standardUsers: false)
        let c2 = try solo.run("sam", ["client", "add", "--name", "Solo Client"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let n2 = try solo.addNote(c2, "session text", as: "sam")
        try solo.addConfidentialityAgreement(c2, ["harm-to-self"], reviewedOn: "2026-11-02", as: "sam")
        let attested = try solo.discloseCLI(c2, records: [n2], basis: "law-enforcement", to: "County Sheriff", purpose: "request",
                                            date: "2026-11-27", extra: ["--attest", "officer presented a warrant"], as: "sam", env: Self.today)
        #expect(attested.exitCode == 0, "\(attested.stderr)")
        let id = attested.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let items = try reviewItems(solo, "override", as: "sam")
        #expect(items.compactMap { $0["record"] as? String } == [id])
    }

    @Test("--date tomorrow or before the date of birth: 64; dated 8 years ago and entered today: listed, exported, late-entry")
    func dates() throws {
        let p = try TestPractice()
        let client = try p.run("rivera", ["client", "add", "--name", "Dated", "--dob", "2001-04-05"], env: Self.today).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2018-01-02")
        for date in ["2026-11-29", "2001-04-04"] {
            let r = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Superior Court", purpose: "court order",
                                      date: date, env: Self.today)
            #expect(r.exitCode == 64, "\(date)")
            #expect(r.stdout.isEmpty)
        }
        let old = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Superior Court", purpose: "court order",
                                    date: "2018-11-20", env: Self.today)
        #expect(old.exitCode == 0, "\(old.stderr)")
        let id = old.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: Self.today))
        #expect(listed.compactMap { $0["date"] as? String } == ["2018-11-20"])
        #expect(try exportedDisclosures(p, client).compactMap { $0["id"] as? String } == [id])
        #expect(try reviewItems(p, "late-entry").compactMap { $0["record"] as? String } == [id])
    }

    @Test("psychotherapy notes: harm-to-others by the author without authorization 0; child-abuse 77; a colleague 77; revoked authorization 77")
    func psychotherapyNotes() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        let psy = try p.addNote(client, "process notes", kind: "psychotherapy")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "harm-to-others"], reviewedOn: "2026-11-02")
        let warn = try p.discloseCLI(client, records: [psy], basis: "harm-to-others", to: "Intended Victim", purpose: "duty to warn",
                                     date: "2026-11-27", env: Self.today)
        #expect(warn.exitCode == 0, "\(warn.stderr)")
        #expect(try p.discloseCLI(client, records: [psy], basis: "child-abuse", to: "CPS", purpose: "mandated report",
                                  date: "2026-11-27", env: Self.today).exitCode == 77)
        #expect(try p.discloseCLI(client, records: [psy], basis: "harm-to-others", to: "Intended Victim", purpose: "duty to warn",
                                  date: "2026-11-27", as: "chen", env: Self.today).exitCode == 77)

        let auth = try p.run("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "psychotherapy",
                                        "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"],
                             env: Self.today).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        func viaAuth(_ date: String) throws -> CLIResult {
            try p.discloseCLI(client, records: [psy], basis: "client-authorization", to: "Dr Who", purpose: "continuity of care",
                              date: date, extra: ["--authorization", auth], env: Self.today)
        }
        #expect(try viaAuth("2026-11-20").exitCode == 0)
        #expect(try p.run("rivera", ["authorization", "revoke", auth, "--on", "2026-11-25"], env: Self.today).exitCode == 0)
        #expect(try viaAuth("2026-11-26").exitCode == 77)
        #expect(try viaAuth("2026-11-24").exitCode == 0)  // dated before the revocation took effect
        let list = disclosureJSONArray(try p.run("rivera", ["--json", "authorization", "list", client], env: Self.today))
        #expect(list.map { "\($0["id"] as? String ?? ""):\($0["state"] as? String ?? ""):\($0["revokedOn"] as? String ?? "")" }
                == ["\(auth):revoked:2026-11-25"])
    }
}

extension MandatedReportEndToEndTests {
    @Test("a suspension until next month holds a disclosure out of the export today (staff see it suspended) and releases it after")
    func suspension() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2026-11-02")
        let held = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "State Attorney General", purpose: "court order",
                                     date: "2026-11-27", env: Self.today)
        #expect(held.exitCode == 0, "\(held.stderr)")
        let heldID = held.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let other = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "County Crisis Team", purpose: "imminent risk",
                                      date: "2026-11-27", env: Self.today).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let oralTooLong = try p.run("rivera", ["disclosures", "suspend", client, "--recipient", "State Attorney General",
                                               "--until", "2027-01-15", "--oral"], env: Self.today)
        #expect(oralTooLong.exitCode == 64)
        let s = try p.run("rivera", ["disclosures", "suspend", client, "--recipient", "state attorney general", "--until", "2026-12-20"],
                          env: Self.today)
        #expect(s.exitCode == 0, "\(s.stderr)")

        let staff = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: Self.today))
        #expect(staff.count == 2)
        #expect(staff.first { $0["recipientName"] as? String == "State Attorney General" }?["suspendedUntil"] as? String == "2026-12-20")
        #expect(try p.run("rivera", ["disclosures", client], env: Self.today).stdout.contains("(suspended until 2026-12-20)"))
        #expect(try exportedDisclosures(p, client).compactMap { $0["id"] as? String } == [other])

        let later = ["CONFIDANT_TEST_NOW": "2026-12-21T10:00:00Z"]
        let released = try exportedDisclosuresAt(p, client, env: later)
        #expect(Set(released) == [heldID, other])
        _ = try p.run("admin", ["settings", "set", "review.working-hours", "00:00-24:00"], env: later)
        let items = disclosureJSONArray(try p.run("morgan", ["--json", "log", "review"], env: later)).filter { $0["rule"] as? String == "suspension-ended" }
        #expect(items.count == 1)
    }

    func exportedDisclosuresAt(_ p: TestPractice, _ client: String, env: [String: String]) throws -> [String] {
        let (key, recipient) = try AgeKey.generate(in: p.dir, name: "client-\(UUID().uuidString).key")
        let req = try p.run("rivera", ["export", "request", client], env: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let out = p.dir.file("export-\(UUID().uuidString).age")
        let f = try p.run("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient], env: env)
        guard f.exitCode == 0 else { throw TestFailure("fulfill: \(f.stderr)") }
        let opened = p.dir.file("opened-\(UUID().uuidString)")
        guard try CLI.run(["export", "open", out, "--out", opened, "--identity", key]).exitCode == 0 else { throw TestFailure("open") }
        let records = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: opened + "/records.json"))) as? [String: Any]
        return (records?["disclosures"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }
}

extension MandatedReportEndToEndTests {
    @Test("restore of a backup taken before 3 disclosures keeps their entries; a pre-restore checkpoint verifies; the accounting lists them", .sqliteOnly)
    func restoreIsAppendOnly() throws {
        let p = try TestPractice()
        try p.enrolAuditor()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let backup = p.dir.file("before.backup")
        #expect(try p.run("admin", ["backup", "--out", backup], env: Self.today).exitCode == 0)
        var ids: [String] = []
        for agency in ["Agency One", "Agency Two", "Agency Three"] {
            let d = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: agency, purpose: "imminent risk",
                                      date: "2026-11-27", env: Self.today)
            #expect(d.exitCode == 0, "\(d.stderr)")
            ids.append(d.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let checkpoint = p.dir.file("pre-restore.checkpoint")
        #expect(try p.run("morgan", ["log", "checkpoint", "--out", checkpoint], env: Self.today).exitCode == 0)

        let r = try p.run("admin", ["restore", backup] + p.approvedBy(), env: Self.today)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let rows = try VaultFile.logRows(p.vault)
        #expect(Set(rows.filter { $0.action == "disclosure.add" && $0.outcome == "success" }.map(\.record)) == Set(ids))
        #expect(rows.last?.action == "vault.restore" || rows.contains { $0.action == "vault.restore" && $0.outcome == "success" })
        let v = try p.run("admin", ["--json", "log", "verify", "--checkpoint", checkpoint], env: Self.today)
        #expect(v.exitCode == 0, "\(v.stderr)")
        let verified = (try JSONSerialization.jsonObject(with: v.stdoutData)) as? [String: Any]
        #expect((verified?["lostInRestore"] as? [String]).map(Set.init) == Set(ids))
        let listed = disclosureJSONArray(try p.run("auditor", ["--json", "disclosures", client], env: Self.today))
        #expect(Set(listed.compactMap { $0["recipientName"] as? String }) == ["Agency One", "Agency Two", "Agency Three"])
        // The note written before the backup still opens; the state is the backup's.
        #expect(try p.run("rivera", ["note", "open", note, "--purpose", "TREAT"], env: Self.today).stdout == "session text\n")
    }
}

extension MandatedReportEndToEndTests {
    @Test("an agreement reviewed tomorrow, or before the client's birth, is refused (64); one reviewed years before client add is kept")
    func agreementDates() throws {
        let p = try TestPractice()
        let client = try p.run("rivera", ["client", "add", "--name", "Dated", "--dob", "2001-04-05"], env: Self.today).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for (day, code) in [("2026-11-29", Int32(64)), ("2001-04-04", 64), ("2019-03-01", 0)] {
            try p.dir.write("conf-\(day).json", #"{"reviewedOn": "\#(day)", "exceptionsExplained": ["harm-to-self"]}"#)
            let r = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("conf-\(day).json")],
                              env: Self.today)
            #expect(r.exitCode == code, "\(day): \(r.stderr)")
        }
    }
}

extension MandatedReportEndToEndTests {
    @Test("--not-accountable and authorizations stay out of the client's export (staff see them); --by-associate is accounted for")
    func accountability() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2026-11-02")
        let excluded = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Dr. Consultant", purpose: "consultation",
                                         date: "2026-11-27", extra: ["--not-accountable", "treatment"], env: Self.today)
        #expect(excluded.exitCode == 0, "\(excluded.stderr)")
        #expect(try p.discloseCLI(client, records: [note], basis: "legal-order", to: "X", purpose: "y", date: "2026-11-27",
                                  extra: ["--not-accountable", "gossip"], env: Self.today).exitCode == 64)
        let auth = try p.run("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "progress",
                                        "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"],
                             env: Self.today).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let viaAuth = try p.discloseCLI(client, records: [note], basis: "client-authorization", to: "Dr Who", purpose: "continuity of care",
                                        date: "2026-11-27", extra: ["--authorization", auth], env: Self.today)
        #expect(viaAuth.exitCode == 0, "\(viaAuth.stderr)")
        let byBA = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Superior Court", purpose: "court order",
                                     date: "2026-11-27", extra: ["--by-associate", "Acme Billing"], env: Self.today)
        #expect(byBA.exitCode == 0, "\(byBA.stderr)")
        let baID = byBA.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let staff = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: Self.today))
        #expect(Dictionary(uniqueKeysWithValues: staff.map { ($0["recipientName"] as? String ?? "", $0["notAccountable"] as? String ?? "-") })
                == ["Dr. Consultant": "treatment", "Dr Who": "authorization", "Superior Court": "-"])
        #expect(staff.contains { ($0["description"] as? String)?.hasSuffix("— made by business associate Acme Billing") == true })
        #expect(try exportedDisclosures(p, client).compactMap { $0["id"] as? String } == [baID])
    }
}

extension MandatedReportEndToEndTests {
    @Test("restore repairs a vault whose state a writer damaged: refused (65) before, working and verifying after", .sqliteOnly)
    func restoreRepairsDamage() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "before the damage")
        let backup = p.dir.file("good.backup")
        #expect(try p.run("admin", ["backup", "--out", backup]).exitCode == 0)
        try VaultFile.withDatabase(p.vault, foreignKeys: false) { db in
            try db.execute(sql: "UPDATE care_team SET state = 'revoked' WHERE client_id = ?", arguments: [client])
        }
        #expect(try p.run("rivera", ["note", "open", note]).exitCode == 65)
        let r = try p.run("admin", ["restore", backup] + p.approvedBy())
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(try p.run("rivera", ["note", "open", note]).stdout == "before the damage\n")
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}

extension MandatedReportEndToEndTests {
    @Test("restore needs a compliance officer's approval: none is 64, a therapist or oneself 77; the approval is its own signed entry", .sqliteOnly)
    func restoreApproval() throws {
        let p = try TestPractice(extraUsers: [("boss", "admin,compliance")])
        let backup = p.dir.file("b.backup")
        #expect(try p.run("admin", ["backup", "--out", backup]).exitCode == 0)
        #expect(try p.run("admin", ["restore", backup]).exitCode == 64)
        #expect(try p.run("admin", ["restore", backup] + p.approvedBy("rivera")).exitCode == 77)
        #expect(try p.run("boss", ["restore", backup] + p.approvedBy("boss")).exitCode == 77)
        #expect(try p.run("admin", ["restore", backup] + p.approvedBy("morgan")).exitCode == 0)
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.contains { $0.action == "vault.restore.approve" && $0.actor == "morgan" && $0.outcome == "success" && $0.signed })
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}

extension MandatedReportEndToEndTests {
    @Test("a copy changed offline and handed in as the backup (it branched off the live log) is refused (65); nothing changes", .sqliteOnly)
    func restoreRefusesAFork() throws {
        let p = try TestPractice()
        let fork = p.dir.file("fork.vault")
        try VaultFile.copy(p.vault, to: fork)
        // On another machine, someone who still holds the admin key adds a user to the copy.
        let other = ["XDG_STATE_HOME": p.dir.file("other-machine")]
        let planted = try CLI.run(["user", "add", "mallory", "--role", "admin", "--code-file", p.dir.file("code-mallory"),
                                   "--vault", fork, "--as", "admin", "--passphrase-file", p.dir.file("pass-admin")], cwd: p.dir.path, env: other)
        #expect(planted.exitCode == 0, "\(planted.stderr)")
        _ = try p.addClient()  // the live vault moves on
        let before = try VaultFile.rows(p.vault, "users")
        let r = try p.run("admin", ["restore", fork] + p.approvedBy())
        #expect(r.exitCode == 65)
        #expect(r.stderr.contains("is not an earlier point of this vault's log"))
        #expect(try VaultFile.rows(p.vault, "users") == before)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}
