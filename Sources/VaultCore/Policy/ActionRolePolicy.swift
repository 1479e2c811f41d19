import Foundation

/// Which certified roles may have done an action that succeeded (pure). `log verify` checks
/// every successful signed entry of these actions against its actor's certified roles, so an
/// entry a user signed outside confidant for an action its role does not allow is named.
package enum ActionRolePolicy {
    /// The roles that may succeed at `action`; nil for actions any user may do (or that several
    /// paths do on behalf of others).
    package static func allowedRoles(_ action: String) -> Set<Role>? {
        switch action {
        case "review.close", "disclosure.cosign", "client.purge.approve", "vault.restore.approve": [.compliance]
        case "user.add", "user.reset", "user.remove", "settings.set", "vault.backup", "vault.restore", "vault.migrate", "key.rotate.recovery",
             "key.rotate.all.start", "client.purge": [.admin]
        case "note.add", "note.add.batch", "disclosure.add", "agreement.add", "emergency.request", "authorization.add",
             "authorization.revoke", "disclosure.suspend": [.therapist]
        case "careteam.grant", "careteam.revoke", "emergency.approve": [.therapist, .admin]
        case "export.extend", "export.deny", "export.review-denial": [.therapist]
        case "agreement.acknowledge": [.client, .representative]
        case "representative.add", "representative.block", "representative.list": [.therapist, .admin]
        case "note.amend", "amendment.extend", "amendment.decide", "amendment.rebut": [.therapist]
        case "amendment.request", "amendment.disagree", "amendment.show": [.client, .representative, .therapist, .admin]
        case "client.find.chart": [.admin, .compliance, .therapist]
        case "accounting.request": [.client, .representative, .therapist, .admin]
        case "accounting.extend", "accounting.fulfill", "accounting.fulfilled": [.therapist]
        default: nil
        }
    }

    /// Nil when allowed; otherwise why not.
    package static func refusal(action: String, outcome: String, roles: Set<Role>) -> String? {
        guard outcome == Outcome.success.rawValue, let allowed = allowedRoles(action), roles.isDisjoint(with: allowed) else { return nil }
        return "\(action) needs the role \(allowed.map(\.rawValue).sorted().joined(separator: " or "))"
    }

    /// Actions that only read: their entries may change no aggregate.
    package static let readOnly: Set<String> = [
        "note.open", "note.list", "client.list", "client.show", "agreement.show", "agreement.list", "log.show", "log.verify",
        "log.review", "log.export", "log.checkpoint", "key.status", "key.exposure", "emergency.list", "settings.show",
        "user.list", "exception.list", "disclosure.accounting", "export.requests", "session.unlock", "vault.restore.check",
        "authorization.list", "client.find", "client.find.chart", "accounting.list",
        "amendment.show", "representative.list",
    ]

    /// Nil when an entry may state these changes; otherwise why not. A refused or failed
    /// attempt changes nothing (it may only name an aggregate no entry made yet, which is
    /// empty); a read-only action changes nothing.
    package static func changeRefusal(action: String, outcome: String, changed: [(aggregate: String, rows: Int, isNew: Bool)]) -> String? {
        if outcome != Outcome.success.rawValue, let c = changed.first(where: { !$0.isNew || $0.rows > 0 }) {
            return "a \(outcome) \(action) changes \(c.aggregate)"
        }
        if outcome == Outcome.success.rawValue, readOnly.contains(action), let c = changed.first(where: { !$0.isNew || $0.rows > 0 }) {
            return "\(action) only reads, but changes \(c.aggregate)"
        }
        return nil
    }
}
