import Foundation
import VaultCore
import VaultCrypto
import VaultStoreSQLite

/// The vault at a path, through ``StoreLocator`` as the CLI opens it: keeps tests as short as
/// they were when VaultCore opened files itself.
extension Vault {
    public static func open(path: String, asCopy: Bool = false, checkClock: Bool = true,
                            now: @escaping @Sendable () -> Date = { Date() }) throws -> Vault {
        try open(store: try StoreLocator.open(path), asCopy: asCopy, checkClock: checkClock, now: now)
    }

    public static func create(path: String, practice: String, admin: String, roles: Set<Role>, passphrase: SecretBytes,
                              kdf: KDFStrength, recoveryOut: String,
                              now: @escaping @Sendable () -> Date = { Date() }) throws -> InitResult {
        try create(store: try StoreLocator.create(path), practice: practice, admin: admin, roles: roles, passphrase: passphrase,
                   kdf: kdf, recoveryOut: recoveryOut, now: now)
    }

    public static func diagnose(path: String, checkpointText: String? = nil) throws -> LogVerification {
        try diagnose(store: try StoreLocator.open(path), checkpointText: checkpointText)
    }

    public static func vaultID(path: String) throws -> String { try StoreLocator.vaultID(at: path) }
}
