import Foundation

/// Who may close a review item (pure: facts in, decision out).
///
/// A closure counts only when it is made by a certified compliance user whose signature on the
/// closing entry verifies, and who is not the actor of the item — except in a vault with a single
/// active staff user (clients and representatives aside), where that user may close its own
/// items and the closure is marked self-reviewed.
package enum ReviewClosurePolicy {
    package enum Decision: Equatable {
        case allowed(selfReviewed: Bool)
        case refused(String)
    }

    /// - Parameters:
    ///   - closer: the user closing; `closerRoles` its certified roles.
    ///   - itemActor: the actor of the item's entry (empty for items with no actor).
    ///   - staffCount: active users holding admin, therapist or compliance.
    package static func decide(closer: String, closerRoles: Set<Role>, itemActor: String, staffCount: Int) -> Decision {
        guard closerRoles.contains(.compliance) else {
            return .refused("closing a review item needs the compliance role")
        }
        guard closer == itemActor else { return .allowed(selfReviewed: false) }
        guard staffCount <= 1 else {
            return .refused("user '\(closer)' is the actor of this item; another compliance user must review it")
        }
        return .allowed(selfReviewed: true)
    }

    /// Staff: users holding admin, therapist or compliance.
    package static func staffCount(_ users: [UserRow]) -> Int {
        users.filter { !$0.roleSet.isDisjoint(with: [.admin, .therapist, .compliance]) }.count
    }
}
