import Foundation

/// Something in the log that needs a human (`log review`).
public struct ReviewItem: Sendable, Codable, Equatable {
    /// Stable id: `<rule>-<seq>`, e.g. `denied-17`.
    public var id: String
    public var rule: String
    public var seq: Int64
    public var time: String
    public var actor: String
    public var action: String
    public var client: String
    public var record: String
    public var purpose: String
    public var why: String
    /// `open`, or `closed` once a compliance officer closed it with a note.
    public var state: String
    public var closedBy: String?
}

/// The review rules. Items are derived from the tamper-evident log itself, and closing one
/// appends a `review.close` entry, so the review trail is as tamper-evident as the log.
enum LogReview {
    static let recordReads: Set<String> = ["note.open", "agreement.show", "client.show"]

    /// Flags of a disclosure entry that are review rules of the same name, with why.
    static let disclosureRules: [(String, String)] = [
        ("not-explained", "disclosure under a required basis the client was not told of"),
        ("override", "disclosure under a permitted basis not stated to the client (co-signed or attested)"),
        ("late-entry", "disclosure entered more than disclosure.late-days after its date"),
        ("recent-agreement", "disclosure relying on a confidentiality agreement version entered within 24 hours before it"),
    ]

    /// - Parameter today: `YYYY-MM-DD`, for rules that depend on the date (`suspension-ended`).
    static func items(_ rows: [LogRow], settings: ReviewSettings, today: String = "") -> [ReviewItem] {
        var out: [ReviewItem] = []
        var closed: [String: String] = [:]
        for r in rows where r.action == "review.close" && r.outcome == Outcome.success.rawValue {
            closed[r.recordID] = r.actor
        }
        func item(_ rule: String, _ r: LogRow, _ why: String) {
            let id = "\(rule)-\(r.seq)"
            out.append(ReviewItem(id: id, rule: rule, seq: r.seq, time: Timestamp.iso(r.time), actor: r.actor, action: r.action,
                                  client: r.clientID, record: r.recordID, purpose: r.purpose, why: why,
                                  state: closed[id] == nil ? "open" : "closed", closedBy: closed[id]))
        }
        var window: [String: [Int64]] = [:]  // actor -> times of recent record reads
        for r in rows where !r.action.hasPrefix("review.") {
            let flags = Set(r.flags.split(separator: ",").map(String.init))
            if r.purpose == Purpose.emergencyTreat.rawValue || flags.contains("break-glass") {
                item("break-glass", r, "emergency (break-glass) access")
            }
            if r.outcome == Outcome.denied.rawValue {
                item("denied", r, "refused attempt (\(r.detail.isEmpty ? "denied" : r.detail))")
            } else if r.outcome == Outcome.error.rawValue {
                item("failed", r, "data did not verify or decrypt (\(r.detail))")
            }
            if r.outcome == Outcome.success.rawValue && flags.contains("outside-care-team") {
                item("outside-care-team", r, "access to a client outside the actor's care team")
            }
            if flags.contains("purge-before-retention") && r.action == "client.purge" {
                item("purge-before-retention", r, "client purged before the end of its retention period")
            }
            for (flag, why) in disclosureRules where flags.contains(flag) && r.action == "disclosure.add" { item(flag, r, why) }
            if r.action == "disclosure.suspend", r.outcome == Outcome.success.rawValue, r.detail.hasPrefix("until:"),
               !today.isEmpty, String(r.detail.dropFirst(6)) < today {
                item("suspension-ended", r, "a suspension of the client's accounting (164.528(a)(2)) ended on \(r.detail.dropFirst(6)); its disclosures are in the accounting again")
            }
            if settings.isOutsideWorkingHours(r.time) && !r.clientID.isEmpty {
                item("after-hours", r, "client access outside working hours")
            }
            if r.outcome == Outcome.success.rawValue && recordReads.contains(r.action) {
                let cutoff = r.time - Int64(settings.bulkWindowMinutes) * 60_000
                var times = (window[r.actor] ?? []).filter { $0 > cutoff }
                times.append(r.time)
                if times.count > settings.bulkThreshold {
                    item("bulk", r, "\(times.count) record opens by \(r.actor) within \(settings.bulkWindowMinutes) minutes")
                    times = []
                }
                window[r.actor] = times
            }
        }
        return out
    }
}
