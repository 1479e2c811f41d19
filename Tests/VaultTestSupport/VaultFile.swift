import Foundation
import GRDB
import VaultStoreSQLite

/// Direct access to a vault file, for tests that play the attacker with a database editor,
/// through the SQLite store's own raw access (``SQLiteFile``).
public enum VaultFile {
    /// - Parameter foreignKeys: false to edit as a writer who ignores the schema's references.
    public static func withDatabase<T>(_ path: String, foreignKeys: Bool = true, _ body: (Database) throws -> T) throws -> T {
        guard !TestStore.isPostgresURL(path) else { throw TestFailure("a raw SQLite edit of a PostgreSQL vault: mark the test .sqliteOnly") }
        return try SQLiteFile.withDatabase(path, foreignKeys: foreignKeys, body)
    }

    /// The access-log rows (action, actor, outcome, client, record) in order.
    /// (For a PostgreSQL vault, through psql.)
    public static func logRows(_ path: String) throws -> [(action: String, actor: String, outcome: String, client: String, record: String, signed: Bool)] {
        if TestStore.isPostgresURL(path) {
            return try TestStore.query("SELECT action, actor, outcome, client_id, record_id, length(signature) FROM access_log ORDER BY seq", url: path).map {
                ($0[0], $0[1], $0[2], $0[3], $0[4], (Int($0[5]) ?? 0) > 0)
            }
        }
        return try withDatabase(path) { db in
            try Row.fetchAll(db, sql: "SELECT action, actor, outcome, client_id, record_id, length(signature) AS sl FROM access_log ORDER BY seq").map {
                ($0["action"], $0["actor"], $0["outcome"], $0["client_id"], $0["record_id"], ($0["sl"] as Int? ?? 0) > 0)
            }
        }
    }

    /// Every byte of the vault file and its -wal and -shm companions that exist.
    public static func allBytes(_ path: String) -> [(String, Data)] {
        SQLiteFile.fileSuffixes.compactMap { s in FileManager.default.contents(atPath: path + s).map { (path + s, $0) } }
    }

    /// Copies the vault to `dest` as a file-level copy would (WAL checkpointed first), replacing
    /// whatever is there — yesterday's copy, put back later by someone with write access.
    public static func copy(_ path: String, to dest: String) throws {
        try SQLiteFile.copy(path, to: dest)
    }

    /// Every row of `table`, as text, for before/after comparisons.
    /// (For a PostgreSQL vault, through psql, in the order of each row's text.)
    public static func rows(_ path: String, _ table: String) throws -> [String] {
        if TestStore.isPostgresURL(path) {
            return try TestStore.query("SELECT t::text FROM \(table) t ORDER BY 1", url: path).map { $0[0] }
        }
        return try withDatabase(path) { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { $0.description }
        }
    }

    /// Runs statements a writer without keys could run, on either store. Values are inline
    /// literals the two dialects read alike (text, integers, subqueries; no blobs).
    public static func execute(_ path: String, _ sql: String) throws {
        if TestStore.isPostgresURL(path) { try TestStore.psql(sql, url: path); return }
        try SQLiteFile.withDatabase(path, foreignKeys: false) { db in try db.execute(sql: sql) }
    }

    /// The first column of a query's rows as text ("" for NULL; integers in decimal), on
    /// either store. Blobs: select them through ``hex(_:_:)``.
    public static func strings(_ path: String, _ sql: String) throws -> [String] {
        if TestStore.isPostgresURL(path) { return try TestStore.query(sql, url: path).map { $0[0] } }
        return try SQLiteFile.withDatabase(path, foreignKeys: true) { db in
            try Row.fetchAll(db, sql: sql).map { row in
                switch (row[0] as DatabaseValue).storage {
                case .null: return ""
                case .int64(let i): return String(i)
                case .double(let d): return String(d)
                case .string(let t): return t
                case .blob(let b): return b.map { String(format: "%02X", $0) }.joined()
                }
            }
        }
    }

    /// One value of a query, as ``strings(_:_:)`` reads it; nil when there is no row.
    public static func string(_ path: String, _ sql: String) throws -> String? { try strings(path, sql).first }

    /// An SQL expression giving `column`'s bytes as upper-case hex in the store's dialect.
    public static func hex(_ column: String, _ path: String) -> String {
        TestStore.isPostgresURL(path) ? "upper(encode(\(column), 'hex'))" : "hex(\(column))"
    }
}
