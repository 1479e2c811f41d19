import Foundation

/// Which certified roles may have done an action that succeeded (pure). `log verify` checks
/// every successful signed entry of these actions against its actor's certified roles, so an
/// entry a user signed outside confidant for an action its role does not allow is named.
package enum ActionRolePolicy {
    /// The roles that may succeed at `action`; nil for actions any user may do (or that several
    /// paths do on behalf of others).
    package static func allowedRoles(_ action: String) -> Set<Role>? {
        switch action {
        case "review.close", "disclosure.cosign", "client.purge.approve": [.compliance]
        case "user.add", "user.reset", "settings.set", "vault.backup", "vault.restore", "key.rotate.recovery",
             "key.rotate.all.start", "client.purge": [.admin]
        case "note.add", "note.add.batch", "disclosure.add", "agreement.add", "emergency.request": [.therapist]
        case "careteam.grant", "careteam.revoke", "emergency.approve": [.therapist, .admin]
        case "agreement.acknowledge": [.client]
        default: nil
        }
    }

    /// Nil when allowed; otherwise why not.
    package static func refusal(action: String, outcome: String, roles: Set<Role>) -> String? {
        guard outcome == Outcome.success.rawValue, let allowed = allowedRoles(action), roles.isDisjoint(with: allowed) else { return nil }
        return "\(action) needs the role \(allowed.map(\.rawValue).sorted().joined(separator: " or "))"
    }
}
