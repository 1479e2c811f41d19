import Foundation
import VaultCrypto

/// An emergency request and its release, as the signed log records them.
public struct EmergencyRequest: Sendable, Codable, Equatable {
    public var id: String
    public var client: String
    public var requestedBy: String
    public var requestedAt: String
    public var approvedBy: String?
    public var approvedAt: String?
    /// When the release's window ends (approval time + `breakglass.hours`).
    public var endsAt: String?
    /// `waiting` (no second staff member yet), `open` (released, within its window), `ended`
    /// (window over: the client's key must rotate — `key rotate --client`), or `rotated`.
    public var state: String
}

/// Emergency access without standing copies.
///
/// Nobody outside a client's care team holds any wrap of its keys. A therapist outside the team
/// asks (`note open --break-glass`, purpose ETREAT, a reason): a signed `emergency.request`
/// entry, nothing shown. A second staff member, in its own process, approves it
/// (`emergency approve REQ`): only someone who can unwrap the client's current care key can — a
/// care-team therapist, or an admin with the recovery key — so neither compliance nor an admin
/// alone can release anything. In one transaction the signed `emergency.approve` entry is
/// appended and the current care key is wrapped to the requester (`emergency:NAME`), so the
/// release is in the log before any plaintext can be shown. The requester may then open the
/// client's progress notes (never psychotherapy notes) with ETREAT for `breakglass.hours`. When
/// the window ends, rotating the client's key (`key rotate --client`) destroys that wrap with the
/// old version; until then `emergency list` and `key exposure` show the release as `ended`.
extension Session {
    package static let emergencyRequest = "emergency.request"
    static let emergencyApprove = "emergency.approve"

    /// Records a request (inside `note open`'s transaction); returns its id.
    func requestEmergency(_ tx: any StoreTransaction, clientID: String, reason: String?) throws -> String {
        guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw VaultError.usage("--break-glass needs --reason saying what the emergency is")
        }
        let id = Self.newID(prefix: "e")
        try append(tx, AccessIntent(action: Self.emergencyRequest, clientID: clientID, recordID: id, purpose: .emergencyTreat,
                                    reason: reason, flags: ["break-glass"]), .success, "")
        return id
    }

    /// Approves another staff member's request: logs the release and wraps the client's current
    /// care key to the requester, in one transaction.
    /// - Throws: ``VaultError`` not found (66), not permitted (77: one's own request, no staff
    ///   role, or no way to unwrap the client's key), usage (64: already approved or too old).
    public func approveEmergency(id: String) throws(VaultError) -> EmergencyRequest {
        try perform(AccessIntent(action: Self.emergencyApprove, recordID: id, purpose: .emergencyTreat, flags: ["break-glass"])) { tx, intent in
            guard let request = try emergencyRequests(tx).first(where: { $0.id == id }) else {
                throw VaultError.notFound("no emergency request '\(id)'; 'confidant emergency list' shows them")
            }
            intent.value.clientID = request.client
            try requireAny([.therapist, .admin], "approving an emergency request")
            guard request.requestedBy != user else {
                throw VaultError.notPermitted("a second staff member must approve emergency request \(id), not its requester")
            }
            guard request.state == "waiting" else { throw VaultError.usage("emergency request \(id) was already approved") }
            let key = try currentCareKey(tx, request.client)
            let secret = try unwrap(tx, key)
            let requester = try certifiedUser(tx, request.requestedBy)
            try tx.insertWrap(KeyWrapRow(keyID: key.id, recipient: "emergency:\(requester.name)",
                                         wrapped: try SealedBox.seal(secret: secret, to: requester.boxPublicKey)))
            var approved = request
            approved.approvedBy = user
            approved.approvedAt = Timestamp.iso(nowMillis)
            let hours = Int64(try tx.setting(SettingKey.breakGlassHours.rawValue) ?? SettingKey.breakGlassHours.defaultValue) ?? 24
            approved.endsAt = Timestamp.iso(nowMillis + hours * 3_600_000)
            approved.state = "open"
            return approved
        }
    }

    /// Every emergency request, with its state. Staff.
    public func listEmergencies() throws(VaultError) -> [EmergencyRequest] {
        try perform(AccessIntent(action: "emergency.list", purpose: .operations)) { tx, _ in
            try requireAny([.therapist, .admin, .compliance], "listing emergency requests")
            return try emergencyRequests(tx)
        }
    }

    /// The requests and approvals from signed entries only (a row without a valid signature by
    /// its actor is ignored).
    func emergencyRequests(_ tx: any StoreTransaction) throws -> [EmergencyRequest] {
        let hours = Int64(try tx.setting(SettingKey.breakGlassHours.rawValue) ?? SettingKey.breakGlassHours.defaultValue) ?? 24
        var out: [String: EmergencyRequest] = [:]
        var ends: [String: Int64] = [:]
        var order: [String] = []
        for action in [Self.emergencyRequest, Self.emergencyApprove] {
            for r in try tx.logEntries(matching: LogFilter(action: action, outcome: Outcome.success.rawValue)) where try signedByActor(tx, r) {
                if action == Self.emergencyRequest {
                    out[r.recordID] = EmergencyRequest(id: r.recordID, client: r.clientID, requestedBy: r.actor,
                                                       requestedAt: Timestamp.iso(r.time), state: "waiting")
                    order.append(r.recordID)
                } else if var req = out[r.recordID], req.approvedBy == nil, r.clientID == req.client, r.actor != req.requestedBy {
                    req.approvedBy = r.actor
                    req.approvedAt = Timestamp.iso(r.time)
                    req.endsAt = Timestamp.iso(r.time + hours * 3_600_000)
                    out[r.recordID] = req
                    ends[r.recordID] = r.time + hours * 3_600_000
                }
            }
        }
        return try order.compactMap { id -> EmergencyRequest? in
            guard var req = out[id] else { return nil }
            if let end = ends[id] {
                let wrapped = try tx.dataKeys(clientID: req.client).filter { $0.scope == .care && $0.state != "destroyed" }
                    .contains { try tx.wrap(keyID: $0.id, recipient: "emergency:\(req.requestedBy)") != nil }
                req.state = end > nowMillis && wrapped ? "open" : (wrapped ? "ended" : "rotated")
            }
            return req
        }
    }

    /// Whether this user holds an open release for the client.
    func emergencyReleaseOpen(_ tx: any StoreTransaction, clientID: String) throws -> Bool {
        try emergencyRequests(tx).contains { $0.client == clientID && $0.requestedBy == user && $0.state == "open" }
    }

    private func signedByActor(_ tx: any StoreTransaction, _ r: LogRow) throws -> Bool {
        guard r.signer == r.actor, (try? AccessEntry.decode(r.entry))?.matchesColumns(of: r) == true else { return false }
        return try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: r.actor)
            .contains { Ed25519.isValid(signature: r.signature, message: r.entry, publicKey: $0) }
    }
}
