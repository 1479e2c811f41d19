import Foundation

extension Vault {
    /// The SQLite store of a vault file: a new one (`create`, refused 73 when something is
    /// there) or the existing one, checked as `open` checks it.
    public static func fileStore(path: String, create: Bool) throws -> any VaultStore {
        create ? try SQLiteStore.create(path: path) : try SQLiteStore.open(path: path)
    }
}
