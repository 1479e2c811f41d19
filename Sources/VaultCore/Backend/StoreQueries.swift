import Foundation

/// SQL every backend runs alike, written in the dialect SQLite and PostgreSQL share (`?`
/// placeholders, `"user"` quoted). One definition, so the stores cannot drift apart where they
/// must agree byte for byte: the rows each aggregate's digest covers, in their order.
package enum StoreQueries {
    /// The tables of each aggregate, with the query that selects its rows in primary-key order
    /// (a client's queries take its id as their one argument).
    package static func aggregateTables(_ a: StateAggregate) -> [(String, String)] {
        switch a {
        case .users:
            [("users", "SELECT * FROM users ORDER BY name"),
             ("user_history", "SELECT * FROM user_history ORDER BY name, generation")]
        case .exceptions:
            [("exceptions", "SELECT * FROM exceptions ORDER BY code")]
        case .settings:
            [("vault", "SELECT * FROM vault ORDER BY id"),
             ("settings", "SELECT * FROM settings ORDER BY key"),
             ("data_keys", "SELECT * FROM data_keys WHERE client_id IN ('', '*') ORDER BY id"),
             ("key_wraps", "SELECT w.* FROM key_wraps w JOIN data_keys k ON k.id = w.key_id WHERE k.client_id IN ('', '*') ORDER BY w.key_id, w.recipient"),
             ("rotation_jobs", "SELECT * FROM rotation_jobs WHERE client_id IN ('', '*') ORDER BY id")]
        case .client:
            [("clients", "SELECT * FROM clients WHERE id = ?"),
             ("care_team", #"SELECT * FROM care_team WHERE client_id = ? ORDER BY "user""#),
             ("data_keys", "SELECT * FROM data_keys WHERE client_id = ? ORDER BY id"),
             ("key_wraps", "SELECT w.* FROM key_wraps w JOIN data_keys k ON k.id = w.key_id WHERE k.client_id = ? ORDER BY w.key_id, w.recipient"),
             ("records", """
                SELECT id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, sequence, content_hash
                FROM records WHERE client_id = ? ORDER BY id
                """),
             ("acknowledgements", #"SELECT a.* FROM acknowledgements a JOIN records r ON r.id = a.record_id WHERE r.client_id = ? ORDER BY a.record_id, a."user""#),
             ("export_requests", "SELECT * FROM export_requests WHERE client_id = ? ORDER BY id"),
             ("rotation_jobs", "SELECT * FROM rotation_jobs WHERE client_id = ? ORDER BY id")]
        }
    }

    /// A value a log filter compares with.
    package enum FilterValue: Sendable, Equatable {
        case text(String)
        case int(Int64)
    }

    /// `log show`'s query: the `access_log` rows `f` selects, in order, and its arguments.
    package static func logEntries(matching f: LogFilter) -> (sql: String, arguments: [FilterValue]) {
        var clauses: [String] = []
        var args: [FilterValue] = []
        for (clause, value) in [("client_id = ?", f.clientID), ("actor = ?", f.actor), ("action = ?", f.action),
                                ("purpose = ?", f.purpose), ("outcome = ?", f.outcome)] {
            if let value { clauses.append(clause); args.append(.text(value)) }
        }
        for (clause, value) in [("time >= ?", f.since), ("time < ?", f.until), ("seq > ?", f.afterSeq)] {
            if let value { clauses.append(clause); args.append(.int(value)) }
        }
        // Entries start at 1: a row a writer put at 0 or below is no entry (and `log verify` refuses it).
        clauses.append("seq >= 1")
        return ("SELECT * FROM access_log WHERE " + clauses.joined(separator: " AND ") + " ORDER BY seq", args)
    }
}
