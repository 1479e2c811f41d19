import Foundation

/// One holder able to decrypt some of a client's records (`key exposure`).
public struct KeyExposure: Sendable, Codable, Equatable {
    /// A user name, or `recovery-key`.
    public var holder: String
    /// `care-team`, `client`, `psychotherapy-author`, `emergency-release`, `recovery-key`, or
    /// `escrow-threshold` (the last row: who must act together for an emergency release).
    public var kind: String
    /// The scopes and versions of the keys it can unwrap, e.g. `care v3`.
    public var keys: [String]
}

extension Session {
    /// Every user and key able to decrypt a client's records now, for a breach risk
    /// assessment (45 CFR 164.402): the holders of a wrap of any key version not destroyed —
    /// the care team, the client's own user, psychotherapy authors, open or ended emergency
    /// releases — and the recovery key. There are no other copies: break-glass wraps do not
    /// exist, and an emergency release needs a second staff member who holds the key.
    /// Admin, compliance, or a care-team therapist.
    ///
    /// With `on` (`YYYY-MM-DD`), the holders at some moment of that day instead, rebuilt from the
    /// log (``exposure(_:clientID:day:)``). Both lists end with the rule an emergency release
    /// needs (``emergencyThreshold(_:clientID:)``).
    public func keyExposure(clientID: String, on day: String? = nil) throws(VaultError) -> [KeyExposure] {
        try perform(AccessIntent(action: "key.exposure", clientID: clientID, purpose: .operations)) { tx, _ in
            _ = try existingClient(tx, clientID)
            let onTeam = try isOnCareTeam(tx, clientID)
            guard roles.contains(.admin) || roles.contains(.compliance) || (roles.contains(.therapist) && onTeam) else {
                throw VaultError.notPermitted("key exposure needs the admin or compliance role, or a care-team therapist")
            }
            if let day {
                let then = try exposure(tx, clientID: clientID, day: day)
                return then.isEmpty ? [] : then + [try emergencyThreshold(tx, clientID: clientID)]
            }
            let team = Set(try tx.careTeam(clientID: clientID).filter { $0.state == "active" }.map(\.user))
            var byHolder: [String: (kind: String, keys: [String])] = [:]
            for k in try tx.dataKeys(clientID: clientID) where k.state != "destroyed" {
                let label = k.scope == .care ? "care v\(k.version)" : "psychotherapy(\(k.owner)) v\(k.version)"
                for w in try tx.wraps(keyID: k.id) {
                    let (holder, kind) = Self.exposureHolder(w.recipient, scope: k.scope, team: team)
                    byHolder[holder, default: (kind, [])].keys.append(label)
                }
            }
            return byHolder.map { KeyExposure(holder: $0.key, kind: $0.value.kind, keys: $0.value.keys.sorted()) }
                .sorted { ($0.kind, $0.holder) < ($1.kind, $1.holder) } + [try emergencyThreshold(tx, clientID: clientID)]
        }
    }

    /// The escrow threshold of an emergency release: two people — a staff member who asks and,
    /// in its own process, one who already holds the client's key (a care-team therapist) or the
    /// recovery key. Listed so an assessment sees that no one else can decrypt alone.
    func emergencyThreshold(_ tx: any StoreTransaction, clientID: String) throws -> KeyExposure {
        let team = try tx.careTeam(clientID: clientID).filter { $0.state == "active" }.map(\.user).sorted()
        let approvers = (team + ["recovery-key"]).joined(separator: ", ")
        return KeyExposure(holder: "2 of: requester + 1 of \(approvers)", kind: "escrow-threshold", keys: ["care"])
    }

    static func exposureHolder(_ recipient: String, scope: KeyScope, team: Set<String>) -> (String, String) {
        if recipient == "recovery" { return ("recovery-key", "recovery-key") }
        if recipient.hasPrefix("emergency:") { return (String(recipient.dropFirst(10)), "emergency-release") }
        let name = recipient.hasPrefix("user:") ? String(recipient.dropFirst(5)) : recipient
        if scope == .psychotherapy { return (name, "psychotherapy-author") }
        return (name, team.contains(name) ? "care-team" : "client")
    }
}
