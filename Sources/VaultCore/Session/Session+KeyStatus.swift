import Foundation

/// One key scope of a client as `key status` reports it.
public struct KeyScopeStatus: Sendable, Codable, Equatable {
    /// `care` or `psy`.
    public var scope: String
    /// The psychotherapy-note author, for `psy`.
    public var owner: String?
    public var currentVersion: Int
    public var createdAt: String
    public var ageDays: Int
    public var overdue: Bool
    /// Records under each version still holding records, by version number.
    public var recordsByVersion: [String: Int]
    /// Records not yet under the current version.
    public var pendingReEncryption: Int
    /// Versions whose wrapped copies were destroyed.
    public var destroyedVersions: [Int]
    public var retiredVersions: [Int]
}

public struct ClientKeyStatus: Sendable, Codable, Equatable {
    public var client: String
    public var scopes: [KeyScopeStatus]
}

extension Session {
    /// Key versions, ages and record counts per client (metadata only: admin, compliance, or a
    /// therapist for its own clients). Keys older than `keys.max-age-days` are overdue.
    public func keyStatus(clientID: String? = nil) throws(VaultError) -> [ClientKeyStatus] {
        try perform(AccessIntent(action: "key.status", clientID: clientID ?? "", purpose: .operations)) { tx, _ in
            try requireAny([.admin, .compliance, .therapist], "reading key status")
            let maxAge = Int(try tx.setting(SettingKey.maxKeyAgeDays.rawValue) ?? SettingKey.maxKeyAgeDays.defaultValue) ?? 365
            var out: [ClientKeyStatus] = []
            let clients = try clientID.map { [try existingClient(tx, $0)] } ?? tx.clients().filter { $0.status == "active" }
            for c in clients {
                if !roles.contains(.admin) && !roles.contains(.compliance) {
                    guard try isOnCareTeam(tx, c.id) else {
                        if clientID != nil { try requireCareTeam(tx, c.id) }
                        continue
                    }
                }
                out.append(ClientKeyStatus(client: c.id, scopes: try scopeStatus(tx, clientID: c.id, maxAgeDays: maxAge)))
            }
            return out
        }
    }

    func scopeStatus(_ tx: any StoreTransaction, clientID: String, maxAgeDays: Int) throws -> [KeyScopeStatus] {
        let keys = try tx.dataKeys(clientID: clientID)
        let records = try tx.recordSummaries(clientID: clientID)
        var groups: [String: [DataKeyRow]] = [:]
        for k in keys { groups["\(k.scope.rawValue)|\(k.owner)", default: []].append(k) }
        return try groups.keys.sorted().compactMap { g in
            let ks = (groups[g] ?? []).sorted { $0.version < $1.version }
            guard let current = ks.last(where: { $0.state != "destroyed" }), let first = ks.first else { return nil }
            var byVersion: [String: Int] = [:]
            for r in records { if let k = ks.first(where: { $0.id == r.keyID }) { byVersion[String(k.version), default: 0] += 1 } }
            let pending = records.filter { r in ks.contains { $0.id == r.keyID && $0.id != current.id } }.count
            let age = Int((nowMillis - current.createdAt) / 86_400_000)
            _ = try tx.dataKey(id: current.id)
            return KeyScopeStatus(scope: first.scope.rawValue, owner: first.scope == .psychotherapy ? first.owner : nil,
                                  currentVersion: current.version, createdAt: Timestamp.iso(current.createdAt), ageDays: age,
                                  overdue: age > maxAgeDays, recordsByVersion: byVersion, pendingReEncryption: pending,
                                  destroyedVersions: ks.filter { $0.state == "destroyed" }.map(\.version),
                                  retiredVersions: ks.filter { $0.state == "retired" && $0.id != current.id }.map(\.version))
        }
    }
}
