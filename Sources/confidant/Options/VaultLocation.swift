import Foundation
import VaultCore
import VaultCrypto
import VaultStoreSQLite
import VaultStorePostgres

/// Which store `--vault` names: a `postgres://` URL is the PostgreSQL store (docs/operations.md), anything
/// else a vault file. The only place the CLI chooses a backend.
enum VaultLocation {
    /// Whether `location` names a database (the agent serves vault files only, for now).
    static func isDatabase(_ location: String) -> Bool { PostgresLocation.isURL(location) }

    static func open(_ location: String, asCopy: Bool = false) throws -> Vault {
        guard PostgresLocation.isURL(location) else {
            return try Vault.open(path: location, asCopy: asCopy, checkClock: !TestClock.isPinned, now: TestClock.now)
        }
        let store = try PostgresStore.open(url: location)
        return try Vault.open(store: store, name: store.location.display, asCopy: asCopy, checkClock: !TestClock.isPinned, now: TestClock.now)
    }

    static func create(_ location: String, practice: String, admin: String, roles: Set<Role>, passphrase: SecretBytes,
                       kdf: KDFStrength, recoveryOut: String) throws -> InitResult {
        guard PostgresLocation.isURL(location) else {
            return try Vault.create(path: location, practice: practice, admin: admin, roles: roles, passphrase: passphrase,
                                    kdf: kdf, recoveryOut: recoveryOut, now: TestClock.now)
        }
        // A failed first transaction leaves the new tables empty: `init` can run again only
        // on an empty database, so the operator drops them (the message says what to do).
        return try Vault.create(store: { try PostgresStore.create(url: location) }, discard: {}, practice: practice, admin: admin,
                                roles: roles, passphrase: passphrase, kdf: kdf, recoveryOut: recoveryOut, now: TestClock.now)
    }

    static func diagnose(_ location: String, checkpointText: String?) throws -> LogVerification {
        guard PostgresLocation.isURL(location) else { return try Vault.diagnose(path: location, checkpointText: checkpointText) }
        let store = try PostgresStore.open(url: location)
        return try Vault.diagnose(store: store, name: store.location.display, checkpointText: checkpointText)
    }

    static func vaultID(_ location: String) throws -> String {
        guard PostgresLocation.isURL(location) else { return try Vault.vaultID(path: location) }
        let store = try PostgresStore.open(url: location)
        return try Vault.vaultID(store: store, name: store.location.display)
    }

    /// How messages name a location (a URL without its query).
    static func display(_ location: String) -> String {
        guard PostgresLocation.isURL(location), let l = try? PostgresLocation(url: location) else { return location }
        return l.display
    }

    /// Creates the empty store `migrate` copies into, and how to undo that when the copy fails
    /// (a new file is removed; the tables made in a database are left for the operator to drop,
    /// which the refusal of a second attempt names).
    static func storeMaker(_ location: String) -> (create: () throws -> any VaultStore, discard: () -> Void) {
        guard PostgresLocation.isURL(location) else {
            return ({ try SQLiteVault.create(path: location) }, { SQLiteVault.remove(path: location) })
        }
        return ({ try PostgresStore.create(url: location) }, {})
    }
}
