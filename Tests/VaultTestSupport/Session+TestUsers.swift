import Foundation
import VaultCore
import VaultStoreSQLite
import VaultCrypto

extension Session {
    /// Adds a user (this session is an admin's) and enrols it at once with its code and `passphrase`.
    @discardableResult
    public func addEnrolledUser(name: String, roles: Set<Role>, passphrase: String, clientID: String? = nil) throws -> UserSummary {
        let issued = try addUser(name: name, roles: roles, clientID: clientID)
        return try vault.enrol(user: name, code: issued.code, passphrase: try SecretBytes(copying: Array(passphrase.utf8)))
    }
}
