import Foundation
import GRDB

/// Raw access to a vault file, outside every check: for the tests that play a writer without
/// keys (a database editor, a file copied back), so that they edit the file through the
/// target that owns its format instead of guessing it. Never used by the program itself.
package enum SQLiteFile {
    /// The files one vault is made of (the database and its WAL companions).
    package static var fileSuffixes: [String] { SQLiteStore.fileSuffixes }

    /// Runs `body` in one write transaction on the file, with no vault check.
    /// - Parameter foreignKeys: false to edit as a writer who ignores the schema's references.
    package static func withDatabase<T>(_ path: String, foreignKeys: Bool = true, _ body: (Database) throws -> T) throws -> T {
        var config = Configuration()
        config.foreignKeysEnabled = foreignKeys
        let q = try DatabaseQueue(path: path, configuration: config)
        defer { try? q.close() }
        return try q.write { try body($0) }
    }

    /// Copies the vault to `dest` as a file-level copy would (WAL checkpointed first),
    /// replacing whatever is there.
    package static func copy(_ path: String, to dest: String) throws {
        let q = try DatabaseQueue(path: path)
        try q.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try q.close()
        SQLiteVault.remove(path: dest)
        try FileManager.default.copyItem(atPath: path, toPath: dest)
    }
}
