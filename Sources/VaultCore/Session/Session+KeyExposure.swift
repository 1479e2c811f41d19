import Foundation

/// One holder able to decrypt some of a client's records (`key exposure`).
public struct KeyExposure: Sendable, Codable, Equatable {
    /// A user name, or `recovery-key`.
    public var holder: String
    /// `care-team`, `client`, `psychotherapy-author`, `emergency-release`, `recovery-key`.
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
    public func keyExposure(clientID: String) throws -> [KeyExposure] {
        try perform(AccessIntent(action: "key.exposure", clientID: clientID, purpose: .operations)) { tx, _ in
            _ = try existingClient(tx, clientID)
            let onTeam = try isOnCareTeam(tx, clientID)
            guard roles.contains(.admin) || roles.contains(.compliance) || (roles.contains(.therapist) && onTeam) else {
                throw VaultError.notPermitted("key exposure needs the admin or compliance role, or a care-team therapist")
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
                .sorted { ($0.kind, $0.holder) < ($1.kind, $1.holder) }
        }
    }

    static func exposureHolder(_ recipient: String, scope: KeyScope, team: Set<String>) -> (String, String) {
        if recipient == "recovery" { return ("recovery-key", "recovery-key") }
        if recipient.hasPrefix("emergency:") { return (String(recipient.dropFirst(10)), "emergency-release") }
        let name = recipient.hasPrefix("user:") ? String(recipient.dropFirst(5)) : recipient
        if scope == .psychotherapy { return (name, "psychotherapy-author") }
        return (name, team.contains(name) ? "care-team" : "client")
    }
}
