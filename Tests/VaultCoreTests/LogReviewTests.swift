import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

fileprivate let noon: Int64 = 1_793_966_400_000  // 2026-11-06T12:00:00Z

fileprivate func row(_ seq: Int64, _ action: String, actor: String = "rivera", roles: String = "therapist", client: String = "c1",
                     record: String = "", purpose: String = "TREAT", outcome: String = "success", detail: String = "",
                     flags: String = "", time: Int64 = noon) -> LogRow {
    LogRow(seq: seq, time: time, actor: actor, roles: roles, action: action, clientID: client, recordID: record, purpose: purpose,
           sealedReason: [], outcome: outcome, detail: detail, flags: flags, entry: [], leafHash: [], signer: actor, signature: [])
}

fileprivate let allDay = ReviewSettings(workStartMinute: 0, workEndMinute: 1440, timeZone: .gmt, bulkThreshold: 50, bulkWindowMinutes: 60)

fileprivate func rules(_ rows: [LogRow], facts: ReviewFacts = ReviewFacts()) -> [String] {
    LogReview.items(rows, settings: allDay, facts: facts).map(\.rule)
}

@Suite("review rules")
struct LogReviewTests {
    @Test("admin maintenance, a client's own actions and compliance's log work are not outside-care-team items")
    func expectedOutsideTeam() {
        let outside = "outside-care-team"
        #expect(rules([row(1, "key.rotate.batch", actor: "admin", roles: "admin", flags: outside)]).isEmpty)
        #expect(rules([row(1, "careteam.grant", actor: "admin", roles: "admin", flags: outside)]).isEmpty)
        #expect(rules([row(1, "audit-key.grant", actor: "admin", roles: "admin", flags: outside)]).isEmpty)
        #expect(rules([row(1, "log.show", actor: "morgan", roles: "compliance", flags: outside)]).isEmpty)
        let own = ReviewFacts(clientUsers: ["jo": "c1"])
        #expect(rules([row(1, "agreement.acknowledge", actor: "jo", roles: "client", client: "c1", flags: outside)], facts: own).isEmpty)
        #expect(rules([row(1, "agreement.acknowledge", actor: "jo", roles: "client", client: "c2", flags: outside)], facts: own) == [outside])
        // The same actions by someone else are still items.
        #expect(rules([row(1, "careteam.grant", actor: "chen", roles: "therapist", flags: outside)]) == [outside])
        #expect(rules([row(1, "client.show", actor: "admin", roles: "admin", flags: outside)]) == [outside])
    }

    @Test("input mistakes are no items; a refusal is denied; only bad data of the vault is failed")
    func inputMistakes() {
        #expect(rules([row(1, "note.open", outcome: "denied", detail: "usage")]).isEmpty)
        #expect(rules([row(1, "note.open", outcome: "not-found", detail: "usage")]).isEmpty)
        #expect(rules([row(1, "agreement.add", outcome: "error", detail: "bad-data")]).isEmpty)
        #expect(rules([row(1, "note.open", outcome: "denied", detail: "not-permitted")]) == ["denied"])
        #expect(rules([row(1, "note.open", outcome: "error", detail: "bad-data")]) == ["failed"])
        #expect(rules([row(1, "agreement.add", outcome: "error", detail: "crypto")]) == ["failed"])
    }

    @Test("one break-glass episode is one item listing its entries; a later one is another")
    func breakGlassEpisode() {
        let bg = "break-glass"
        let rows = [
            row(1, "emergency.request", actor: "chen", record: "e1", purpose: "ETREAT", flags: bg),
            row(2, "note.open", actor: "chen", record: "n1", purpose: "ETREAT", detail: "emergency-requested", flags: "\(bg),outside-care-team"),
            row(3, "emergency.approve", actor: "rivera", record: "e1", purpose: "ETREAT", flags: bg, time: noon + 300_000),
            row(4, "note.open", actor: "chen", record: "n1", purpose: "ETREAT", flags: "\(bg),outside-care-team", time: noon + 600_000),
            row(5, "note.open", actor: "chen", record: "n1", purpose: "ETREAT", flags: "\(bg),outside-care-team", time: noon + 30 * 3_600_000),
        ]
        let items = LogReview.items(rows, settings: allDay, facts: ReviewFacts(breakGlassHours: 24))
        #expect(items.map(\.id) == ["break-glass-1", "break-glass-5"])
        #expect(items.first?.entries == [1, 2, 3, 4])
        #expect(items.first?.actor == "chen")
        #expect(items.first?.why.contains("3 emergency.approve by rivera") == true)
    }

    @Test("working hours are read on the practice's wall clock, daylight saving included")
    func daylightSaving() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let s = ReviewSettings(workStartMinute: 8 * 60, workEndMinute: 18 * 60, timeZone: berlin, bulkThreshold: 50, bulkWindowMinutes: 60)
        let f = ISO8601DateFormatter()
        func ms(_ iso: String) -> Int64 { Int64((f.date(from: iso)?.timeIntervalSince1970 ?? 0) * 1000) }
        #expect(s.isOutsideWorkingHours(ms("2026-03-27T06:30:00Z")))   // 07:30 CET
        #expect(!s.isOutsideWorkingHours(ms("2026-03-30T06:30:00Z")))  // 08:30 CEST
        #expect(s.isOutsideWorkingHours(ms("2026-10-23T16:30:00Z")))   // 18:30 CEST
        #expect(!s.isOutsideWorkingHours(ms("2026-10-26T16:30:00Z")))  // 17:30 CET
        let ny = try #require(TimeZone(identifier: "America/New_York"))
        let n = ReviewSettings(workStartMinute: 7 * 60, workEndMinute: 20 * 60, timeZone: ny, bulkThreshold: 50, bulkWindowMinutes: 60)
        #expect(n.isOutsideWorkingHours(ms("2026-11-06T02:00:00Z")))   // 21:00 EST the evening before
        #expect(!n.isOutsideWorkingHours(ms("2026-11-06T14:00:00Z")))  // 09:00 EST
    }

    @Test("rule names are SPEC §2's (plus the code's); an unknown one is refused (64); the time zone setting is checked")
    func ruleNames() {
        for r in ["denied", "outside-care-team", "after-hours", "break-glass", "not-explained", "override", "late-entry",
                  "recent-agreement", "suspension-ended", "export-overdue", "accounting-overdue", "amendment-overdue",
                  "key-overdue", "representative-blocked", "self-reviewed"] {
            #expect(ReviewRules.names.contains(r))
        }
        #expect(throws: VaultError.self) { try ReviewRules.validate("invalid-input") }
        #expect(throws: VaultError.self) { try SettingKey.practiceTimeZone.validate("Mars/Olympus") }
        #expect(throws: Never.self) { try SettingKey.practiceTimeZone.validate("Europe/Berlin") }
        #expect(throws: Never.self) { try SettingKey.utcOffsetMinutes.validate("-60") }
    }

    @Test("CSV cells are quoted when they hold a comma, a quote or a line break, and never start a formula")
    func csvCells() {
        #expect(CSVLogExport.cell("plain") == "plain")
        #expect(CSVLogExport.cell("a,b") == "\"a,b\"")
        #expect(CSVLogExport.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVLogExport.cell("=SUM(A1)") == "'=SUM(A1)")
        #expect(CSVLogExport.cell("line\nbreak") == "\"line\nbreak\"")
    }
}
