import Foundation

extension Session {
    /// Who could decrypt the client's records at some moment of `day` (UTC), rebuilt from the
    /// signed log and the signed state: care-team members between their grant and revoke entries
    /// (the first team from `client.add`), the client's own users enrolled by then, authors of
    /// psychotherapy notes with a key made by then, emergency releases approved by then and not
    /// yet rotated away at the day's start, and the recovery key. A revoked member still appears
    /// on the day of its revoke.
    func exposure(_ tx: any StoreTransaction, clientID: String, day: String) throws -> [KeyExposure] {
        guard let start = Timestamp.dayStart(day) else {
            throw VaultError.usage("'\(day)' is not a date (YYYY-MM-DD)")
        }
        let end = start + 86_400_000 - 1
        guard start <= nowMillis else { throw VaultError.usage("--on \(day) is in the future") }
        let client = try existingClient(tx, clientID)
        guard client.createdAt <= end else { return [] }
        var out: [KeyExposure] = [KeyExposure(holder: "recovery-key", kind: "recovery-key", keys: ["care", "psychotherapy"])]
        for member in try careTeamMembers(tx, clientID: clientID, creator: client.createdBy, start: start, end: end) {
            out.append(KeyExposure(holder: member, kind: "care-team", keys: ["care"]))
        }
        for u in try tx.users() where u.clientID == clientID && u.enrolledAt <= end {
            guard try !u.roleSet.contains(.representative) || !tx.wraps(recipient: "user:\(u.name)").isEmpty else { continue }
            out.append(KeyExposure(holder: u.name, kind: u.roleSet.contains(.representative) ? "representative" : "client", keys: ["care"]))
        }
        let authors = Set(try tx.dataKeys(clientID: clientID).filter { $0.scope == .psychotherapy && $0.createdAt <= end }.map(\.owner))
        for a in authors.sorted() { out.append(KeyExposure(holder: a, kind: "psychotherapy-author", keys: ["psychotherapy(\(a))"])) }
        let rotations = try tx.logEntries(matching: LogFilter(clientID: clientID, action: "key.rotate.finish", outcome: Outcome.success.rawValue)).map(\.time)
        for r in try emergencyRequests(tx) where r.client == clientID {
            guard let approvedISO = r.approvedAt, let approved = Self.parseISO(approvedISO), approved <= end else { continue }
            let windowEnd = r.endsAt.flatMap(Self.parseISO) ?? .max
            // The release's copy is gone at the first rotation that finished after its window ended.
            if let gone = rotations.first(where: { $0 >= windowEnd }), gone < start { continue }
            out.append(KeyExposure(holder: r.requestedBy, kind: "emergency-release", keys: ["care"]))
        }
        return out.sorted { ($0.kind, $0.holder) < ($1.kind, $1.holder) }
    }

    /// Care-team members at some moment of [start, end]: the latest grant or revoke entry before
    /// `start` decides, and any grant within the day counts; members never named by a grant
    /// entry were on the first team (`client.add`).
    private func careTeamMembers(_ tx: any StoreTransaction, clientID: String, creator: String, start: Int64, end: Int64) throws -> [String] {
        var events: [String: [(time: Int64, granted: Bool)]] = [:]
        for action in ["careteam.grant", "careteam.revoke"] {
            for r in try tx.logEntries(matching: LogFilter(clientID: clientID, action: action, outcome: Outcome.success.rawValue)) {
                events[r.recordID, default: []].append((r.time, action == "careteam.grant"))
            }
        }
        var members: [String] = []
        for row in try tx.careTeam(clientID: clientID) {
            let evs = (events[row.user] ?? []).sorted { $0.time < $1.time }
            let firstTeam = row.user == creator || !evs.contains { $0.granted }
            let before = evs.last { $0.time < start }
            let onAtStart = before.map(\.granted) ?? firstTeam
            let grantedDuring = evs.contains { $0.granted && $0.time >= start && $0.time <= end }
            if onAtStart || grantedDuring { members.append(row.user) }
        }
        return members
    }

    static func parseISO(_ s: String) -> Int64? {
        ISO8601DateFormatter().date(from: s).map { Int64($0.timeIntervalSince1970 * 1000) }
    }
}
