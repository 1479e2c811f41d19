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
    /// Why the rule put the entry in the queue.
    public var why: String
    /// `open`, or `closed` once a compliance officer closed it with a note.
    public var state: String
    public var closedBy: String?
    /// The entry's outcome and detail, e.g. `denied: not-permitted` (empty for items not from an entry).
    public var detail: String = ""
    /// The reason the actor gave, decrypted for a holder of the audit key (`(sealed)` otherwise).
    public var reason: String?
    /// Every log entry the item covers (a break-glass episode lists all of its entries).
    public var entries: [Int64]?
}

/// The rule names `log review --rule` and `log close-review --rule` accept (the stable names in docs/access-log.md, plus the
/// rules the code adds: `failed`, `bulk`, `purge-before-retention`).
public enum ReviewRules {
    public static let names: [String] = [
        "denied", "outside-care-team", "after-hours", "break-glass", "not-explained", "override", "late-entry",
        "recent-agreement", "suspension-ended", "export-overdue", "accounting-overdue", "amendment-overdue",
        "key-overdue", "representative-blocked", "self-reviewed", "failed", "bulk", "purge-before-retention",
    ]

    /// - Throws: ``VaultError`` usage (64) naming the accepted rules.
    public static func validate(_ rule: String) throws(VaultError) {
        guard names.contains(rule) else {
            throw VaultError.usage("unknown review rule '\(rule)'; rules: \(names.joined(separator: ", "))")
        }
    }
}

/// Facts beyond the log that the rules need.
struct ReviewFacts: Sendable {
    /// `YYYY-MM-DD`, for rules that depend on the date (`suspension-ended`).
    var today: String = ""
    /// Users holding the client role, and the client each one is.
    var clientUsers: [String: String] = [:]
    /// An emergency release's window (`breakglass.hours`).
    var breakGlassHours: Int = 24
}

/// The review rules. Items are derived from the tamper-evident log itself, and closing one
/// appends a `review.close` entry, so the review trail is as tamper-evident as the log.
enum LogReview {
    static let recordReads: Set<String> = ["note.open", "agreement.show", "client.show"]
    /// Actions whose input is a document the user wrote: a refusal as bad data is the user's
    /// mistake in that document (the vault's own data is checked by every read and `log verify`).
    static let inputDocumentActions: Set<String> = ["agreement.add"]

    /// Flags of a disclosure entry that are review rules of the same name, with why.
    static let disclosureRules: [(String, String)] = [
        ("not-explained", "disclosure under a required basis the client was not told of"),
        ("override", "disclosure under a permitted basis not stated to the client (co-signed or attested)"),
        ("late-entry", "disclosure entered more than disclosure.late-days after its date"),
        ("recent-agreement", "disclosure relying on a confidentiality agreement version entered within 24 hours before it"),
    ]

    static func items(_ rows: [LogRow], settings: ReviewSettings, facts: ReviewFacts = ReviewFacts()) -> [ReviewItem] {
        var out: [ReviewItem] = []
        var closed: [String: String] = [:]
        for r in rows where r.action == "review.close" && r.outcome == Outcome.success.rawValue {
            closed[r.recordID] = r.actor
        }
        func item(_ rule: String, _ r: LogRow, _ why: String) {
            out.append(makeItem(rule, r, why, closedBy: closed["\(rule)-\(r.seq)"]))
        }
        var bulk = BulkWindow(settings: settings)
        for r in rows where !r.action.hasPrefix("review.") {
            let flags = Set(r.flags.split(separator: ",").map(String.init))
            for (rule, why) in entryRules(r, flags: flags, settings: settings, facts: facts) { item(rule, r, why) }
            if let why = bulk.add(r) { item("bulk", r, why) }
        }
        let asked = requesters(rows)
        for episode in breakGlassEpisodes(rows, facts: facts) {
            guard let first = episode.first else { continue }
            var i = makeItem("break-glass", first, episodeWhy(episode), closedBy: closed["break-glass-\(first.seq)"])
            i.actor = owner(first, requesters: asked)
            i.entries = episode.map(\.seq)
            out.append(i)
        }
        return out.sorted { ($0.seq, $0.id) < ($1.seq, $1.id) }
    }

    static func makeItem(_ rule: String, _ r: LogRow, _ why: String, closedBy: String?) -> ReviewItem {
        ReviewItem(id: "\(rule)-\(r.seq)", rule: rule, seq: r.seq, time: Timestamp.iso(r.time), actor: r.actor, action: r.action,
                   client: r.clientID, record: r.recordID, purpose: r.purpose, why: why,
                   state: closedBy == nil ? "open" : "closed", closedBy: closedBy,
                   detail: r.detail.isEmpty ? r.outcome : "\(r.outcome): \(r.detail)", entries: [r.seq])
    }

    /// The rules that look at one entry alone, as (rule, why).
    static func entryRules(_ r: LogRow, flags: Set<String>, settings: ReviewSettings, facts: ReviewFacts) -> [(String, String)] {
        var out: [(String, String)] = []
        let success = r.outcome == Outcome.success.rawValue
        if !isInputMistake(r) {
            if r.outcome == Outcome.denied.rawValue {
                out.append(("denied", "refused attempt (\(r.detail.isEmpty ? "denied" : r.detail))"))
            } else if r.outcome == Outcome.error.rawValue {
                out.append(("failed", "data did not verify or decrypt (\(r.detail))"))
            }
        }
        if success && flags.contains("outside-care-team") && !isBreakGlass(r, flags) && !isExpectedOutsideTeam(r, facts: facts) {
            out.append(("outside-care-team", "access to a client outside the actor's care team"))
        }
        if flags.contains("representative-blocked") {
            out.append(("representative-blocked", success
                ? "a personal representative was blocked (164.502(g)(5)); review the decision and its reason"
                : "a personal representative acted after its authority ended or was blocked"))
        }
        if flags.contains("purge-before-retention") && r.action == "client.purge" {
            out.append(("purge-before-retention", "client purged before the end of its retention period"))
        }
        for (flag, why) in disclosureRules where flags.contains(flag) && r.action == "disclosure.add" { out.append((flag, why)) }
        if r.action == "disclosure.suspend", success, r.detail.hasPrefix("until:"), !facts.today.isEmpty, String(r.detail.dropFirst(6)) < facts.today {
            out.append(("suspension-ended", "a suspension of the client's accounting (164.528(a)(2)) ended on \(r.detail.dropFirst(6)); its disclosures are in the accounting again"))
        }
        if !r.clientID.isEmpty && !isExpectedOutsideTeam(r, facts: facts) && !isInputMistake(r) && settings.isOutsideWorkingHours(r.time) {
            out.append(("after-hours", "client access outside working hours (\(settings.timeZone.identifier))"))
        }
        return out
    }

    /// A refusal caused by what the user typed or wrote (input mistakes are not
    /// review items): a usage refusal, or a document the user supplied that did not parse.
    static func isInputMistake(_ r: LogRow) -> Bool {
        if r.detail == VaultError.Kind.usage.logCode && r.outcome != Outcome.success.rawValue { return true }
        return r.outcome == Outcome.error.rawValue && r.detail == VaultError.Kind.badData.logCode && inputDocumentActions.contains(r.action)
    }

    static func isBreakGlass(_ r: LogRow, _ flags: Set<String>) -> Bool {
        r.purpose == Purpose.emergencyTreat.rawValue || flags.contains("break-glass")
    }

    /// Work outside a care team that is the actor's job, not an access to review: an admin's
    /// key maintenance, grants and vault-key hand-overs; a client acting on its own record;
    /// compliance reading and reviewing the log; an admin or compliance officer finding a
    /// caller's client id by chart number (it shows no name, and stays in the log).
    static func isExpectedOutsideTeam(_ r: LogRow, facts: ReviewFacts) -> Bool {
        let roles = r.roleSet
        if r.action == Session.chartFindAction && !roles.isDisjoint(with: [.admin, .compliance]) { return true }
        let adminWork: Set<String> = ["careteam.grant", "careteam.revoke", "audit-key.grant", "log-key.grant"]
        if roles.contains(.admin) && (r.action.hasPrefix("key.rotate") || adminWork.contains(r.action)) { return true }
        if roles.contains(.client), let own = facts.clientUsers[r.actor], own == r.clientID { return true }
        return roles.contains(.compliance) && (r.action.hasPrefix("log.") || r.action.hasPrefix("review."))
    }
}

/// `bulk`: more than `review.bulk-threshold` record opens by one actor within the window.
struct BulkWindow {
    let settings: ReviewSettings
    var times: [String: [Int64]] = [:]

    init(settings: ReviewSettings) { self.settings = settings }

    mutating func add(_ r: LogRow) -> String? {
        guard r.outcome == Outcome.success.rawValue, LogReview.recordReads.contains(r.action) else { return nil }
        let cutoff = r.time - Int64(settings.bulkWindowMinutes) * 60_000
        var list = (times[r.actor] ?? []).filter { $0 > cutoff }
        list.append(r.time)
        defer { times[r.actor] = list.count > settings.bulkThreshold ? [] : list }
        guard list.count > settings.bulkThreshold else { return nil }
        return "\(list.count) record opens by \(r.actor) within \(settings.bulkWindowMinutes) minutes"
    }
}
