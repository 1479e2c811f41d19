import Foundation
import GRDB

/// Direct access to a vault file, for tests that play the attacker with a database editor.
public enum VaultFile {
    public static func withDatabase<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.write { try body($0) }
    }

    /// The access-log rows (action, actor, outcome, client, record) in order.
    public static func logRows(_ path: String) throws -> [(action: String, actor: String, outcome: String, client: String, record: String, signed: Bool)] {
        try withDatabase(path) { db in
            try Row.fetchAll(db, sql: "SELECT action, actor, outcome, client_id, record_id, length(signature) AS sl FROM access_log ORDER BY seq").map {
                ($0["action"], $0["actor"], $0["outcome"], $0["client_id"], $0["record_id"], ($0["sl"] as Int? ?? 0) > 0)
            }
        }
    }

    /// Every byte of the vault file and its -wal and -shm companions that exist.
    public static func allBytes(_ path: String) -> [(String, Data)] {
        ["", "-wal", "-shm"].compactMap { s in FileManager.default.contents(atPath: path + s).map { (path + s, $0) } }
    }
}
