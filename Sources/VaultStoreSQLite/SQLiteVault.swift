import Foundation
import VaultCore
import VaultCrypto

/// A vault file as the rest of the program reaches it: an `any VaultStore`, never the SQLite
/// store's own type, and the files one vault is made of.
public enum SQLiteVault {
    /// What the SQLite store declares it can do (every ``StoreCapabilities`` option).
    public static var capabilities: StoreCapabilities { SQLiteStore.declared }

    /// Opens the vault file at `path` after checking, read-only, its header, integrity and
    /// exact schema.
    /// - Throws: ``VaultError`` not found (66), bad data (65), busy (75).
    public static func open(path: String) throws -> any VaultStore { try SQLiteStore.open(path: path) }

    /// Creates an empty vault file with the schema (mode 0600).
    /// - Throws: ``VaultError`` cannot create (73) when something exists at `path`.
    public static func create(path: String) throws -> any VaultStore { try SQLiteStore.create(path: path) }

    /// Removes a vault file and its write-ahead log and shared-memory companions (a vault
    /// whose first transaction or copy failed).
    public static func remove(path: String) {
        for suffix in SQLiteStore.fileSuffixes { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// The vault at a path: ``Vault``'s store-taking calls with an SQLite file.
extension Vault {
    /// ``Vault/open(store:name:asCopy:checkClock:now:)`` of the vault file at `path`.
    public static func open(path: String, asCopy: Bool = false, checkClock: Bool = true,
                            now: @escaping @Sendable () -> Date = { Date() }) throws -> Vault {
        try open(store: try SQLiteVault.open(path: path), name: path, asCopy: asCopy, checkClock: checkClock, now: now)
    }

    /// ``Vault/create(store:discard:practice:admin:roles:passphrase:kdf:recoveryOut:now:)`` as a
    /// new vault file at `path`, removed again when the first transaction fails.
    public static func create(path: String, practice: String, admin: String, roles: Set<Role>, passphrase: SecretBytes,
                              kdf: KDFStrength, recoveryOut: String,
                              now: @escaping @Sendable () -> Date = { Date() }) throws -> InitResult {
        try create(store: { try SQLiteVault.create(path: path) }, discard: { SQLiteVault.remove(path: path) },
                   practice: practice, admin: admin, roles: roles, passphrase: passphrase, kdf: kdf, recoveryOut: recoveryOut, now: now)
    }

    /// ``Vault/diagnose(store:name:checkpointText:)`` of the vault file at `path`.
    public static func diagnose(path: String, checkpointText: String? = nil) throws -> LogVerification {
        try diagnose(store: try SQLiteVault.open(path: path), name: path, checkpointText: checkpointText)
    }

    /// The vault id (hex) of the file at `path`, read without any check and the file closed
    /// again: only to find this vault's agent socket, never for a decision.
    public static func vaultID(path: String) throws -> String {
        let store = try SQLiteStore.open(path: path)
        defer { try? store.close() }
        return try vaultID(store: store, name: path)
    }
}
