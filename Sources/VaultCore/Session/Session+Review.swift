import Foundation
import VaultCrypto

extension Session {
    /// Lists review items (open ones, or all with `includeClosed`), of one rule when `rule` is
    /// given. Compliance only.
    /// - Throws: ``VaultError`` usage (64) for a rule name that is not one of ``ReviewRules/names``.
    public func reviewItems(includeClosed: Bool = false, rule: String? = nil) throws(VaultError) -> [ReviewItem] {
        if let rule { try ReviewRules.validate(rule) }
        return try perform(AccessIntent(action: "log.review", purpose: .operations)) { tx, _ in
            try require(.compliance, "reviewing the access log")
            let items = try allReviewItems(tx).filter { rule == nil || $0.rule == rule }
            return includeClosed ? items : items.filter { $0.state == "open" }
        }
    }

    /// Log-derived items plus client keys overdue for rotation.
    func allReviewItems(_ tx: any StoreTransaction) throws -> [ReviewItem] {
        let rows = try tx.logEntries(matching: LogFilter())
        var clientUsers: [String: String] = [:]
        for u in try tx.users() where !u.roleSet.isDisjoint(with: [.client, .representative]) && !u.clientID.isEmpty { clientUsers[u.name] = u.clientID }
        let hours = Int(try tx.setting(SettingKey.breakGlassHours.rawValue) ?? SettingKey.breakGlassHours.defaultValue) ?? 24
        let facts = ReviewFacts(today: CalendarDate.string(from: vault.now()), clientUsers: clientUsers, breakGlassHours: hours)
        var items = LogReview.items(rows, settings: try ReviewSettings.load(tx), facts: facts)
        try addReasons(tx, rows, to: &items)
        let maxAge = Int(try tx.setting(SettingKey.maxKeyAgeDays.rawValue) ?? SettingKey.maxKeyAgeDays.defaultValue) ?? 365
        for c in try tx.clients() where c.status == "active" {
            for s in try scopeStatus(tx, clientID: c.id, maxAgeDays: maxAge) where s.overdue {
                let id = "key-overdue-\(c.id)-\(s.scope)\(s.owner.map { "-" + $0 } ?? "")-v\(s.currentVersion)"
                items.append(ReviewItem(id: id, rule: "key-overdue", seq: 0, time: s.createdAt, actor: "", action: "key.rotate",
                                        client: c.id, record: "", purpose: "", why: "\(s.scope) key version \(s.currentVersion) is \(s.ageDays) days old (limit \(maxAge)); run 'confidant key rotate --client \(c.id)'",
                                        state: "open", closedBy: nil))
            }
        }
        let now = nowMillis
        for r in try tx.exportRequests() where RequestState.isOpen(r.state) && r.dueAt < now {
            guard let kind = RequestKind(id: r.id) else { continue }
            items.append(ReviewItem(id: "\(kind.overdueRule)-\(r.id)", rule: kind.overdueRule, seq: 0, time: Timestamp.iso(r.dueAt),
                                    actor: r.requestedBy, action: Self.requestAction(kind), client: r.clientID, record: r.id,
                                    purpose: Purpose.patientRequest.rawValue, why: Self.overdueWhy(kind, r), state: "open", closedBy: nil))
        }
        let closed = try validClosures(tx, rows, items: items)
        return items.map { i in
            var i = i
            i.closedBy = closed[i.id]
            i.state = i.closedBy == nil ? "open" : "closed"
            return i
        }
    }

    /// The reason each item's entry gave, for a holder of the audit key. A disclosure's item
    /// names its basis and the agreement version relied on instead: both are in the entry's
    /// sealed body.
    func addReasons(_ tx: any StoreTransaction, _ rows: [LogRow], to items: inout [ReviewItem]) throws {
        let audit = try auditKeyPair(tx)
        let bySeq = Dictionary(rows.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        let named: Set<String> = ["not-explained", "override", "late-entry", "recent-agreement"]
        for i in items.indices {
            guard let r = bySeq[items[i].seq], !r.sealedReason.isEmpty else { continue }
            guard let audit, let plain = try? SealedBox.open(r.sealedReason, keyPair: audit) else {
                items[i].reason = "(sealed)"
                continue
            }
            if named.contains(items[i].rule), let body = try? JSONDecoder().decode(DisclosureBody.self, from: Data(plain)) {
                items[i].why += " (basis \(body.basis)" + (body.agreementVersion.map { "; confidentiality agreement version \($0)" } ?? "") + ")"
            } else if r.action != "disclosure.add" {
                items[i].reason = String(decoding: plain, as: UTF8.self)
            }
        }
    }

    /// The closing entries that count (``ReviewClosurePolicy``): signed by their actor under a
    /// certified key, by a compliance user who is not the item's actor (single-staff vaults aside).
    /// A closing row that a writer inserted, or that a user signed outside confidant for its own
    /// item, closes nothing.
    func validClosures(_ tx: any StoreTransaction, _ rows: [LogRow], items: [ReviewItem]) throws -> [String: String] {
        let actors = Dictionary(items.map { ($0.id, $0.actor) }, uniquingKeysWith: { a, _ in a })
        let users = try tx.users()
        let staff = ReviewClosurePolicy.staffCount(users)
        var keys: [String: [[UInt8]]] = [:]
        var out: [String: String] = [:]
        for r in rows where r.action == "review.close" && r.outcome == Outcome.success.rawValue && out[r.recordID] == nil {
            guard r.signer == r.actor, (try? AccessEntry.decode(r.entry))?.matchesColumns(of: r) == true,
                  let u = users.first(where: { $0.name == r.actor }) else { continue }
            if keys[r.actor] == nil { keys[r.actor] = try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: r.actor) }
            guard keys[r.actor, default: []].contains(where: { Ed25519.isValid(signature: r.signature, message: r.entry, publicKey: $0) }),
                  let itemActor = actors[r.recordID] else { continue }
            let roles = u.roleSet
            if case .allowed = ReviewClosurePolicy.decide(closer: r.actor, closerRoles: roles, itemActor: itemActor, staffCount: staff) {
                out[r.recordID] = r.actor
            }
        }
        return out
    }

    /// Sets a practice setting (admin).
    public func setSetting(_ key: SettingKey, _ value: String) throws(VaultError) {
        try perform(AccessIntent(action: "settings.set", recordID: key.rawValue)) { tx, _ in
            try require(.admin, "changing settings")
            try key.validate(value)
            try tx.setSetting(key.rawValue, value)
        }
    }

    /// All settings with their values (defaults filled in). Admin or compliance.
    public func settings() throws(VaultError) -> [String: String] {
        try perform(AccessIntent(action: "settings.show")) { tx, _ in
            try requireAny([.admin, .compliance], "reading settings")
            var out: [String: String] = [:]
            for k in SettingKey.allCases { out[k.rawValue] = try tx.setting(k.rawValue) ?? k.defaultValue }
            return out
        }
    }

    /// The action of a request kind's `request` entry.
    static func requestAction(_ kind: RequestKind) -> String {
        kind == .access ? "export.request" : "\(kind.rawValue).request"
    }

    private static func overdueWhy(_ kind: RequestKind, _ r: ExportRequestRow) -> String {
        let due = RequestDeadline.dueDay(r) + (r.state == "extended" ? ", after its one extension" : "")
        switch kind {
        case .access: return "the client's request for its records was due \(due) (45 CFR 164.524(b)(2): 30 days, one 30-day extension)"
        case .accounting: return "the client's request for an accounting of disclosures was due \(due) (45 CFR 164.528(c): 60 days, one 30-day extension)"
        case .amendment: return "the client's request to amend a record was due \(due) (45 CFR 164.526(b)(2): 60 days, one 30-day extension)"
        }
    }
}
