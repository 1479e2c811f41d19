import Foundation
import GRDB
import VaultCore

/// Moving a vault's state between stores (`restore`): rows travel as GRDB rows, the form
/// VaultCore's ``StateStorage`` names, so a backup's rows from either store fit the other.
extension PostgresTransaction {
    /// The tables that hold the vault's state (everything but the log, its tree heads and the
    /// state index), parents before children; the SQLite store's list.
    static let stateTables = ["vault", "settings", "users", "user_history", "exceptions", "clients", "care_team", "data_keys",
                              "key_wraps", "records", "acknowledgements", "export_requests", "rotation_jobs"]

    func stateRows() throws -> [String: [Row]] {
        var out: [String: [Row]] = [:]
        for t in Self.stateTables {
            out[t] = try rows("SELECT * FROM \(t)").map { r in
                var dict: [String: (any DatabaseValueConvertible)?] = [:]
                // `records.pos` is this store's insertion order, not part of the vault's state.
                for (name, value) in zip(r.names, r.values) where !(t == "records" && name == "pos") {
                    switch value {
                    case .null: dict[name] = nil as Int64?
                    case .int(let v): dict[name] = v
                    case .text(let s): dict[name] = s
                    case .bytes(let d): dict[name] = Data(d)
                    }
                }
                return Row(dict)
            }
        }
        return out
    }

    func replaceStateRows(with rows: [String: [Row]]) throws {
        for t in Self.stateTables.reversed() { try exec("DELETE FROM \(t)") }
        for t in Self.stateTables {
            for row in rows[t] ?? [] {
                let columns = Array(row.columnNames).filter { !(t == "records" && $0 == "pos") }
                let values: [any PGArg] = try columns.map { try Self.value(row[$0] as DatabaseValue) }
                let quoted = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                try run("INSERT INTO \(t) (\(quoted)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))", values)
            }
        }
        // Explicit ids do not move an identity column's sequence: put it past them.
        for t in ["data_keys", "rotation_jobs"] {
            try exec("SELECT setval(pg_get_serial_sequence('\(t)', 'id'), COALESCE((SELECT MAX(id) FROM \(t)), 0) + 1, false)")
        }
    }

    private static func value(_ v: DatabaseValue) throws -> PGValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .int(i)
        case .string(let s): return .text(s)
        case .blob(let d): return .bytes([UInt8](d))
        case .double:
            throw VaultError(.badData, "a backup row holds a floating-point value, which no vault column has")
        }
    }
}
