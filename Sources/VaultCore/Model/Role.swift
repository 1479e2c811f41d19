/// A user's role. A user may hold several.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    case admin, therapist, compliance, client
    /// A parent, guardian, health-care agent or executor acting for one client (164.502(g)),
    /// within the scope its signed `representative` record states.
    case representative

    public static func < (a: Role, b: Role) -> Bool {
        a.rank < b.rank
    }

    private var rank: Int {
        switch self { case .admin: 0; case .therapist: 1; case .compliance: 2; case .client: 3; case .representative: 4 }
    }

    /// Parses `admin,therapist`. - Throws: ``VaultError`` (usage) naming the unknown role.
    public static func parseList(_ text: String) throws -> Set<Role> {
        var out = Set<Role>()
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let r = Role(rawValue: name) else {
                throw VaultError.usage("unknown role '\(name)'; use admin, therapist, compliance, client or representative")
            }
            out.insert(r)
        }
        guard !out.isEmpty else { throw VaultError.usage("at least one role is required") }
        return out
    }

    /// `admin,therapist`, in a stable order.
    public static func format(_ roles: Set<Role>) -> String {
        roles.sorted().map(\.rawValue).joined(separator: ",")
    }
}

import Foundation
