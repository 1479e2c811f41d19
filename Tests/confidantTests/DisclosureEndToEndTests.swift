import Foundation
import GRDB
import Testing
import VaultTestSupport



@Suite("disclosures end to end")
struct DisclosureEndToEndTests {
    @Test("a disclosure under an exception explained to the client succeeds, is accounted for and logged")
    func statedException() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session: client reports a plan")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "harm-to-others"], reviewedOn: "2026-11-02")
        let before = try VaultFile.logRows(p.vault).count
        let recordsBefore = try p.recordCount()

        let r = try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "2026-11-10")
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let id = r.stdout.trimmedLine
        #expect(id.hasPrefix("d"))
        #expect(r.stdout == id + "\n")
        #expect(try p.recordCount() == recordsBefore + 1)

        // The log: exactly one new entry, disclosure.add by rivera for this record.
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.count == before + 1)
        let last = try #require(rows.last)
        #expect(last.action == "disclosure.add")
        #expect(last.actor == "rivera")
        #expect(last.outcome == "success")
        #expect(last.client == client)
        #expect(last.record == id)
        #expect(last.signed)

        // The accounting.
        let acc = try p.run("rivera", ["--json", "disclosures", client])
        #expect(acc.exitCode == 0, "\(acc.stderr)")
        let list = disclosureJSONArray(acc)
        #expect(list.count == 1)
        let e = try #require(list.first)
        #expect(e["date"] as? String == "2026-11-10")
        #expect(e["recipientName"] as? String == "County Crisis Team")
        #expect(e["recipientAddress"] as? String == "1 Main St, Springfield")
        #expect(e["purpose"] as? String == "imminent risk of self-harm")
        #expect(e["description"] as? String == "1 progress note (\(note))")

        // Plain text output names the basis.
        let plain = try p.run("rivera", ["disclosures", client])
        #expect(plain.exitCode == 0)
        #expect(plain.stdout.contains("County Crisis Team"))
        #expect(plain.stdout.contains("harm-to-self"))
    }

    @Test("an exception the client was not told about is refused (77) changing nothing but one denied entry; compliance can co-sign")
    func unstatedExceptionAndCosign() throws {
        let p = try TestPractice()
        try p.enrolAuditor()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let logBefore = try VaultFile.logRows(p.vault)
        let recordsBefore = try p.recordCount()

        let r = try p.discloseCLI(client, records: [note], basis: "harm-to-others", purpose: "duty to warn", date: "2026-11-10")
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("confidant: error: "))
        #expect(r.stderr.contains("harm-to-others"))
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)
        let logAfter = try VaultFile.logRows(p.vault)
        #expect(logAfter.count == logBefore.count + 1)
        let denied = try #require(logAfter.last)
        #expect(denied.action == "disclosure.add")
        #expect(denied.actor == "rivera")
        #expect(denied.outcome == "denied")
        #expect(denied.client == client)
        #expect(try p.recordCount() == recordsBefore)
        // Nothing reached the accounting.
        #expect(disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client])).isEmpty)

        // A co-signer who is not compliance is refused.
        let bad = try p.discloseCLI(client, records: [note], basis: "harm-to-others", purpose: "duty to warn", date: "2026-11-10",
                                    extra: p.cosignArgs("chen"))
        #expect(bad.exitCode == 77)
        #expect(bad.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)

        // A wrong co-signer passphrase is refused and discloses nothing.
        try p.dir.write("wrong", "not the passphrase\n")
        let wrong = try p.discloseCLI(client, records: [note], basis: "harm-to-others", purpose: "duty to warn", date: "2026-11-10",
                                      extra: ["--cosign", "auditor", "--cosign-passphrase-file", p.dir.file("wrong")])
        #expect(wrong.exitCode == 77)
        #expect(wrong.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)

        // Co-signed by a compliance officer: succeeds, flagged for review.
        let c = try p.discloseCLI(client, records: [note], basis: "harm-to-others", purpose: "duty to warn", date: "2026-11-10",
                                  extra: p.cosignArgs("auditor"))
        #expect(c.exitCode == 0, "\(c.stderr)")
        let id = c.stdout.trimmedLine
        #expect(id.hasPrefix("d"))
        #expect(c.stderr.contains("flagged for review"))
        #expect(try p.recordCount() == recordsBefore + 1)
        let rows = try VaultFile.logRows(p.vault)
        #expect(rows.contains { $0.action == "disclosure.add" && $0.actor == "rivera" && $0.outcome == "success" && $0.record == id && $0.client == client })
        #expect(rows.contains { $0.action == "disclosure.cosign" && $0.actor == "auditor" && $0.outcome == "success" && $0.record == id && $0.signed })

        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        for reviewer in ["auditor", "morgan"] {
            let rv = try p.run(reviewer, ["--json", "log", "review"])
            #expect(rv.exitCode == 0, "\(rv.stderr)")
            let items = disclosureJSONArray(rv).filter { $0["rule"] as? String == "override" }
            #expect(items.contains { $0["action"] as? String == "disclosure.add" && $0["record"] as? String == id && $0["actor"] as? String == "rivera" },
                    "\(reviewer): \(items)")
        }

        // The accounting shows the override.
        let acc = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client]))
        #expect(acc.count == 1)
        #expect(try p.run("rivera", ["disclosures", client]).stdout.contains("(override)"))
    }

    @Test("a therapist who is also compliance cannot co-sign its own disclosure")
    func selfCosign() throws {
        let p = try TestPractice(extraUsers: [("solo", "therapist,compliance")])
        let client = try p.ok("solo", ["client", "add", "--name", "Solo Client"])
        let note = try p.addNote(client, "session text", as: "solo")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02", as: "solo")
        let recordsBefore = try p.recordCount()
        let r = try p.discloseCLI(client, records: [note], basis: "legal-order", purpose: "subpoena", date: "2026-11-10",
                                  extra: p.cosignArgs("solo"), as: "solo")
        #expect(r.exitCode == 77)
        #expect(r.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)
    }

    @Test("records must belong to the client disclosed; unknown basis and empty fields are usage errors")
    func badRequests() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "A")
        let other = try p.addClient(name: "B")
        let note = try p.addNote(client, "A text")
        let otherNote = try p.addNote(other, "B text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let recordsBefore = try p.recordCount()
        let foreign = try p.discloseCLI(client, records: [otherNote], basis: "harm-to-self", date: "2026-11-10")
        #expect(foreign.exitCode == 66)
        #expect(foreign.stdout.isEmpty)
        let unknown = try p.discloseCLI(client, records: [note], basis: "gossip", date: "2026-11-10")
        #expect(unknown.exitCode == 64)
        #expect(unknown.stdout.isEmpty)
        let emptyTo = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "  ", date: "2026-11-10")
        #expect(emptyTo.exitCode == 64)
        let badDate = try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "10/11/2026")
        #expect(badDate.exitCode == 64)
        let noAuth = try p.discloseCLI(client, records: [note], basis: "client-authorization", date: "2026-11-10")
        #expect(noAuth.exitCode == 64)
        let chen = try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "2026-11-10", as: "chen")
        #expect(chen.exitCode == 77)
        #expect(chen.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)
    }

    @Test("a later agreement version does not make an earlier disclosure under a permitted basis valid; it does for later dates")
    func laterAgreementVersion() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "law-enforcement"], reviewedOn: "2026-11-20")
        let at = testClock("2026-11-28T10:00:00Z")

        let early = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "records request",
                                      date: "2026-11-10", env: at)
        #expect(early.exitCode == 77)
        #expect(early.stdout.isEmpty)
        #expect(early.stderr.contains("law-enforcement"))
        #expect(try #require(try VaultFile.logRows(p.vault).last).outcome == "denied")

        let later = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "records request",
                                      date: "2026-11-21", env: at)
        #expect(later.exitCode == 0, "\(later.stderr)")
        #expect(later.stdout.trimmedLine.hasPrefix("d"))

        // On the review day itself the new version is in force.
        let same = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "records request",
                                     date: "2026-11-20", env: at)
        #expect(same.exitCode == 0, "\(same.stderr)")
        // The day before it, it is not.
        let before = try p.discloseCLI(client, records: [note], basis: "law-enforcement", to: "County Sheriff", purpose: "records request",
                                       date: "2026-11-19", env: at)
        #expect(before.exitCode == 77)

        let dates = disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: at)).compactMap { $0["date"] as? String }
        #expect(dates == ["2026-11-21", "2026-11-20"])
    }

    @Test("psychotherapy notes need an authorization that names them; expired or wrong-recipient authorizations are refused")
    func authorizations() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let progress = try p.addNote(client, "progress text")
        let psy = try p.addNote(client, "process notes", kind: "psychotherapy")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let at = testClock("2026-11-21T10:00:00Z")

        let general = try p.ok("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "progress",
                                          "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"])
        #expect(!general.isEmpty)
        let recordsBefore = try p.recordCount()

        func viaAuth(_ auth: String, _ records: [String], to: String = "Dr Who", date: String? = nil) throws -> CLIResult {
            try p.discloseCLI(client, records: records, basis: "client-authorization", to: to, address: "2 Harley St",
                              purpose: "continuity of care", date: date, extra: ["--authorization", auth], env: at)
        }

        // A general authorization does not reach psychotherapy notes.
        let refused = try viaAuth(general, [psy])
        #expect(refused.exitCode == 77)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains(psy))
        let refusedMixed = try viaAuth(general, [progress, psy])
        #expect(refusedMixed.exitCode == 77)
        #expect(refusedMixed.stdout.isEmpty)
        // Nor does an exception outside 164.508(a)(2)(ii), even a mandated report.
        let viaException = try p.discloseCLI(client, records: [psy], basis: "child-abuse", date: "2026-11-10", env: at)
        #expect(viaException.exitCode == 77)
        #expect(viaException.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)

        // The general authorization does cover the progress note.
        let prog = try viaAuth(general, [progress])
        #expect(prog.exitCode == 0, "\(prog.stderr)")
        #expect(prog.stdout.trimmedLine.hasPrefix("d"))

        // One that mixes psychotherapy notes with anything else is refused when it is recorded (64).
        let mixed = try p.run("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "progress,psychotherapy",
                                         "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"])
        #expect(mixed.exitCode == 64)
        #expect(mixed.stderr.contains("164.508(b)(3)(ii)"))
        let mixedByID = try p.run("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--records", "\(progress),\(psy)",
                                             "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"])
        #expect(mixedByID.exitCode == 64)
        // One for psychotherapy notes alone does.
        let naming = try p.ok("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "psychotherapy",
                                         "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-11-01"])
        let ok = try viaAuth(naming, [psy])
        #expect(ok.exitCode == 0, "\(ok.stderr)")
        let okID = ok.stdout.trimmedLine
        #expect(okID.hasPrefix("d"))
        let last = try #require(try VaultFile.logRows(p.vault).last)
        #expect(last.action == "disclosure.add" && last.outcome == "success" && last.record == okID)

        // Expired before the date of the disclosure.
        let expired = try p.ok("rivera", ["authorization", "add", client, "--recipient", "Dr Who", "--kinds", "progress",
                                          "--purpose", "continuity of care", "--expires", "2026-11-01", "--signed-on", "2026-10-01"])
        let e1 = try viaAuth(expired, [progress], date: "2026-11-10")
        #expect(e1.exitCode == 77)
        #expect(e1.stdout.isEmpty)
        let e2 = try viaAuth(expired, [progress])
        #expect(e2.exitCode == 77)
        #expect(e2.stdout.isEmpty)

        // A recipient the authorization does not name.
        let other = try viaAuth(naming, [psy], to: "Dr No")
        #expect(other.exitCode == 77)
        #expect(other.stdout.isEmpty)
        #expect(other.stderr.contains("Dr No"))

        let rows = try VaultFile.logRows(p.vault).filter { $0.action == "disclosure.add" }
        #expect(rows.filter { $0.outcome == "success" }.count == 2)
        #expect(rows.filter { $0.outcome == "denied" }.count == 6)
        #expect(disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client], env: at)).count == 2)
    }

    @Test("an elder-abuse report must say whether the client was informed, and why not (164.512(c)(2))", arguments: ["elder-abuse"])
    func abuseReports(_ basis: String) throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["child-abuse", "elder-abuse"], reviewedOn: "2026-11-02")
        let recordsBefore = try p.recordCount()
        func report(_ extra: [String]) throws -> CLIResult {
            try p.discloseCLI(client, records: [note], basis: basis, to: "Adult Protective Services", purpose: "mandated report",
                              date: "2026-11-10", extra: extra)
        }

        let missing = try report([])
        #expect(missing.exitCode == 64)
        #expect(missing.stdout.isEmpty)
        #expect(missing.stderr.contains("--client-informed"))

        let noReason = try report(["--client-informed", "no"])
        #expect(noReason.exitCode == 64)
        #expect(noReason.stdout.isEmpty)
        #expect(noReason.stderr.contains("--not-informed-reason"))

        let blankReason = try report(["--client-informed", "no", "--not-informed-reason", "   "])
        #expect(blankReason.exitCode == 64)
        #expect(blankReason.stdout.isEmpty)

        let badValue = try report(["--client-informed", "maybe"])
        #expect(badValue.exitCode == 64)
        #expect(badValue.stdout.isEmpty)
        #expect(try p.recordCount() == recordsBefore)

        let notInformed = try report(["--client-informed", "no", "--not-informed-reason", "informing would place the client at risk"])
        #expect(notInformed.exitCode == 0, "\(notInformed.stderr)")
        #expect(notInformed.stdout.trimmedLine.hasPrefix("d"))

        let informed = try report(["--client-informed", "yes"])
        #expect(informed.exitCode == 0, "\(informed.stderr)")
        #expect(informed.stdout.trimmedLine.hasPrefix("d"))
        #expect(try p.recordCount() == recordsBefore + 2)

        let rows = try VaultFile.logRows(p.vault).filter { $0.action == "disclosure.add" }
        #expect(rows.map(\.outcome) == ["denied", "denied", "denied", "success", "success"])
    }

}
