import Foundation
import GRDB
import Testing
import VaultTestSupport


@Suite("accounting of disclosures end to end")
struct AccountingEndToEndTests {
    @Test("the accounting has exactly the 164.528 fields, newest first, within six years (by date or entry) unless --since says otherwise")
    func accountingWindow() throws {
        // A practice that has used the vault since 2018: each disclosure is entered the day after it was made.
        let p = try TestPractice(env: testClock("2018-01-01T10:00:00Z"))
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2018-01-01")
        let at = testClock("2026-11-28T10:00:00Z")
        let old = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Old Court", address: "Court St 1",
                                    purpose: "subpoena 2019", date: "2019-01-15", env: testClock("2019-01-16T10:00:00Z"))
        #expect(old.exitCode == 0, "\(old.stderr)")
        let middle = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Middle Court", address: "Court St 3",
                                       purpose: "subpoena 2020", date: "2020-06-01", env: testClock("2020-06-02T10:00:00Z"))
        #expect(middle.exitCode == 0, "\(middle.stderr)")
        let recent = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "Crisis Team", address: "Main St 2",
                                       purpose: "imminent risk", date: "2026-11-10", env: at)
        #expect(recent.exitCode == 0, "\(recent.stderr)")

        let window = try p.run("rivera", ["--json", "disclosures", client], env: at)
        #expect(window.exitCode == 0, "\(window.stderr)")
        let inWindow = disclosureJSONArray(window)
        #expect(inWindow.compactMap { $0["date"] as? String } == ["2026-11-10"])
        for e in inWindow { #expect(e.keys.sorted() == accountingKeys) }
        let only = try #require(inWindow.first)
        #expect(only["recipientName"] as? String == "Crisis Team")
        #expect(only["recipientAddress"] as? String == "Main St 2")
        #expect(only["purpose"] as? String == "imminent risk")
        #expect(only["description"] as? String == "1 progress note (\(note))")

        let since = try p.run("rivera", ["--json", "disclosures", client, "--since", "2018-01-01"], env: at)
        #expect(since.exitCode == 0, "\(since.stderr)")
        let all = disclosureJSONArray(since)
        #expect(all.compactMap { $0["date"] as? String } == ["2026-11-10", "2020-06-01", "2019-01-15"])
        #expect(all.compactMap { $0["recipientName"] as? String } == ["Crisis Team", "Middle Court", "Old Court"])
        for e in all { #expect(e.keys.sorted() == accountingKeys) }

        #expect(try p.run("rivera", ["disclosures", client, "--since", "15/01/2018"], env: at).exitCode == 64)
    }

    @Test("the accounting cannot silently lose a row: a deleted disclosure record exits 65 naming it", .sqliteOnly)
    func deletedDisclosureRow() throws {
        let p = try TestPractice()
        try p.enrolAuditor()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let keep = try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "2026-11-09")
        #expect(keep.exitCode == 0)
        let gone = try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "2026-11-10")
        #expect(gone.exitCode == 0)
        let id = gone.stdout.trimmedLine
        #expect(disclosureJSONArray(try p.run("rivera", ["--json", "disclosures", client])).count == 2)

        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "DELETE FROM records WHERE id = ?", arguments: [id])
            #expect(db.changesCount == 1)
        }
        for user in ["rivera", "auditor"] {
            let r = try p.run(user, ["--json", "disclosures", client])
            #expect(r.exitCode == 65, "\(user)")
            #expect(r.stdout.isEmpty)
            // Under --json the error is one JSON object on stderr.
            let error = (try JSONSerialization.jsonObject(with: Data(r.stderr.utf8))) as? [String: [String: Any]]
            #expect(error?["error"]?["exitCode"] as? Int == 65)
            #expect(error?["error"]?["message"] as? String == "the stored state of client \(client) differs from what its signed entries committed; the vault file was changed outside confidant — run 'confidant log verify' and restore from a backup")
        }
        // log verify names the table whose rows no longer match.
        let v = try p.run("admin", ["log", "verify"])
        #expect(v.exitCode == 65)
        #expect(v.stderr.contains("client \(client): table records holds"), "\(v.stderr)")
    }

    @Test("an altered disclosure record also exits 65 naming it", .sqliteOnly)
    func alteredDisclosureRow() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        let a = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "Crisis Team A", date: "2026-11-09")
        let b = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "Crisis Team B", date: "2026-11-10")
        let ida = a.stdout.trimmedLine, idb = b.stdout.trimmedLine
        try VaultFile.withDatabase(p.vault) { db in
            let ct = try Data.fetchOne(db, sql: "SELECT ciphertext FROM records WHERE id = ?", arguments: [ida])
            try db.execute(sql: "UPDATE records SET ciphertext = ? WHERE id = ?", arguments: [ct, idb])
        }
        let r = try p.run("rivera", ["--json", "disclosures", client])
        #expect(r.exitCode == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(idb), "\(r.stderr)")
    }

    @Test("compliance holding the audit key reads the accounting; a therapist outside the care team gets 77")
    func accountingRoles() throws {
        let p = try TestPractice()
        try p.enrolAuditor()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-02")
        #expect(try p.discloseCLI(client, records: [note], basis: "harm-to-self", date: "2026-11-10").exitCode == 0)

        let mine = try p.run("rivera", ["--json", "disclosures", client])
        #expect(mine.exitCode == 0)
        let compliance = try p.run("auditor", ["--json", "disclosures", client])
        #expect(compliance.exitCode == 0, "\(compliance.stderr)")
        let rows = disclosureJSONArray(compliance)
        #expect(rows.count == 1)
        #expect(rows.first?["date"] as? String == "2026-11-10")
        #expect(rows.first?["recipientName"] as? String == "County Crisis Team")
        #expect(rows.first?["description"] as? String == "1 progress note (\(note))")
        #expect(compliance.stdout == mine.stdout)

        let before = try VaultFile.logRows(p.vault).count
        let chen = try p.run("chen", ["--json", "disclosures", client])
        #expect(chen.exitCode == 77)
        #expect(chen.stdout.isEmpty)
        let rowsAfter = try VaultFile.logRows(p.vault)
        #expect(rowsAfter.count == before + 1)
        let last = try #require(rowsAfter.last)
        #expect(last.action == "disclosure.accounting" && last.actor == "chen" && last.outcome == "denied")

        // An admin who is neither therapist nor compliance is refused too.
        #expect(try p.run("admin", ["disclosures", client]).exitCode == 77)
    }
}
