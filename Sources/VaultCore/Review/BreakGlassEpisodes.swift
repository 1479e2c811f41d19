import Foundation

/// `break-glass`: one item per emergency episode, not per entry.
///
/// An episode is every emergency (ETREAT or break-glass-flagged) entry about one client for one
/// requester — its `emergency.request`, the `note.open` that asked, the second staff member's
/// `emergency.approve` (counted for the requester it released to) and the ETREAT opens — while
/// each entry follows the previous one within the release window (`breakglass.hours`). The item
/// carries the first entry's seq in its id and lists every entry in `entries` and `why`.
extension LogReview {
    /// Request id → the user who asked, from the `emergency.request` entries.
    static func requesters(_ rows: [LogRow]) -> [String: String] {
        var out: [String: String] = [:]
        for r in rows where r.action == "emergency.request" && r.outcome == Outcome.success.rawValue { out[r.recordID] = r.actor }
        return out
    }

    /// Whose episode an entry belongs to: an approval's requester, else the entry's actor.
    static func owner(_ r: LogRow, requesters: [String: String]) -> String {
        r.action == "emergency.approve" ? (requesters[r.recordID] ?? r.actor) : r.actor
    }

    static func breakGlassEpisodes(_ rows: [LogRow], facts: ReviewFacts) -> [[LogRow]] {
        let asked = requesters(rows)
        let window = Int64(max(1, facts.breakGlassHours)) * 3_600_000
        var episodes: [[LogRow]] = []
        var open: [String: Int] = [:]  // "owner client" -> index of its latest episode
        for r in rows where !r.action.hasPrefix("review.") {
            let flags = Set(r.flags.split(separator: ",").map(String.init))
            guard isBreakGlass(r, flags), !isInputMistake(r) else { continue }
            let key = "\(owner(r, requesters: asked)) \(r.clientID)"
            if let i = open[key], let last = episodes[i].last, r.time - last.time <= window {
                episodes[i].append(r)
            } else {
                open[key] = episodes.count
                episodes.append([r])
            }
        }
        return episodes
    }

    static func episodeWhy(_ episode: [LogRow]) -> String {
        let parts = episode.map { r in
            "\(r.seq) \(r.action)" + (r.outcome == Outcome.success.rawValue ? "" : " \(r.outcome)") + (episode.first?.actor == r.actor ? "" : " by \(r.actor)")
        }
        return "emergency (break-glass) access, \(episode.count) entr\(episode.count == 1 ? "y" : "ies"): " + parts.joined(separator: "; ")
    }
}
