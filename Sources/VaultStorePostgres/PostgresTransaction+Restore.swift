import Foundation
import VaultCore

/// Moving a vault's state between stores (`restore`): rows travel as VaultCore's ``StoredRow``
/// (no backend's own types), so a backup's rows from either store fit the other.
extension PostgresTransaction {
    /// The tables that hold the vault's state (everything but the log, its tree heads and the
    /// state index), parents before children; the SQLite store's list.
    static let stateTables = ["vault", "settings", "users", "user_history", "exceptions", "clients", "care_team", "data_keys",
                              "key_wraps", "records", "acknowledgements", "export_requests", "rotation_jobs"]

    func stateRows() throws -> [String: [StoredRow]] {
        var out: [String: [StoredRow]] = [:]
        for t in Self.stateTables {
            out[t] = try rows("SELECT * FROM \(t)").map { r in
                // `records.pos` is this store's insertion order, not part of the vault's state.
                let cells = zip(r.names, r.values).filter { !(t == "records" && $0.0 == "pos") }
                return StoredRow(columns: cells.map { $0.0 }, values: cells.map { Self.stored($0.1) })
            }
        }
        return out
    }

    func replaceStateRows(with rows: [String: [StoredRow]]) throws {
        for t in Self.stateTables.reversed() { try exec("DELETE FROM \(t)") }
        for t in Self.stateTables {
            for row in rows[t] ?? [] {
                let cells = zip(row.columns, row.values).filter { !(t == "records" && $0.0 == "pos") }
                let values: [any PGArg] = cells.map { Self.value($0.1) }
                let quoted = cells.map { "\"\($0.0)\"" }.joined(separator: ", ")
                try run("INSERT INTO \(t) (\(quoted)) VALUES (\(cells.map { _ in "?" }.joined(separator: ", ")))", values)
            }
        }
        // Explicit ids do not move an identity column's sequence: put it past them.
        for t in ["data_keys", "rotation_jobs"] {
            try exec("SELECT setval(pg_get_serial_sequence('\(t)', 'id'), COALESCE((SELECT MAX(id) FROM \(t)), 0) + 1, false)")
        }
    }

    private static func stored(_ v: PGValue) -> StoredValue {
        switch v {
        case .null: .null
        case .int(let i): .integer(i)
        case .text(let s): .text(s)
        case .bytes(let d): .blob(d)
        }
    }

    private static func value(_ v: StoredValue) -> PGValue {
        switch v {
        case .null: .null
        case .integer(let i): .int(i)
        case .text(let s): .text(s)
        case .blob(let d): .bytes(d)
        }
    }
}
