import Foundation
import VaultCore

/// Turns what `--vault` names into a store: the one place the program picks a backend.
///
/// A path is an SQLite vault file. A `postgres://` or `postgresql://` URL selects the
/// PostgreSQL store, which this build does not have yet: it is refused (64) rather than
/// mistaken for a file name.
public enum StoreLocator {
    /// Opens the existing vault at `location`, after the backend checked its storage (for
    /// SQLite: the file's header, integrity and exact schema, read-only).
    /// - Throws: ``VaultError`` not found (66), bad data (65), busy (75), usage (64) for a URL
    ///   of a backend this build lacks.
    public static func open(_ location: String) throws -> any VaultStore {
        try refuseUnbuilt(location)
        return try SQLiteStore.open(path: location)
    }

    /// Creates an empty store with the vault schema at `location` (a new file, mode 0600).
    /// - Throws: ``VaultError`` cannot create (73) when something exists there.
    public static func create(_ location: String) throws -> any VaultStore {
        try refuseUnbuilt(location)
        return try SQLiteStore.create(path: location)
    }

    private static func refuseUnbuilt(_ location: String) throws {
        let scheme = location.prefix { $0 != ":" }.lowercased()
        guard location.contains("://"), ["postgres", "postgresql"].contains(scheme) else { return }
        throw VaultError(.usage, "this confidant has no PostgreSQL store yet; pass --vault PATH to an SQLite vault file")
    }
}

extension StoreLocator {
    /// The vault id (hex) of the vault at `location`, read without any check and the store
    /// closed again: only to find this vault's agent socket, never for a decision.
    public static func vaultID(at location: String) throws -> String {
        let store = try open(location)
        defer { try? store.close() }
        return try Vault.vaultID(of: store)
    }
}
