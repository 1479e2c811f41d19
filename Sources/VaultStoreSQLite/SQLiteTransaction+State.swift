import Foundation
import GRDB
import VaultCore
import VaultCrypto

extension SQLiteTransaction: StateStorage {
    func tableDigests(of a: StateAggregate) throws -> [TableDigest] {
        var args: StatementArguments = []
        if case .client(let id) = a { args = [id] }
        return try StoreQueries.aggregateTables(a).map { name, sql in
            var buf: [UInt8] = []
            var count = 0
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: args)
            while let row = try rows.next() {
                count += 1
                Self.encode(row, into: &buf)
            }
            return TableDigest(stored: name, rows: count, digest: SHA256.hash(parts: [Array("confidant/table/v1\0\(name)\0".utf8), buf]))
        }
    }

    /// Type-tagged, length-prefixed column values: no two different rows encode alike.
    private static func encode(_ row: Row, into buf: inout [UInt8]) {
        func len(_ n: Int) { let u = UInt32(truncatingIfNeeded: n); buf += [UInt8(u >> 24), UInt8(u >> 16 & 0xff), UInt8(u >> 8 & 0xff), UInt8(u & 0xff)] }
        len(row.count)
        for value in row.databaseValues {
            switch value.storage {
            case .null: buf.append(0)
            case .int64(let v):
                buf.append(1)
                let u = UInt64(bitPattern: v)
                buf += (0..<8).reversed().map { UInt8(truncatingIfNeeded: u >> (UInt64($0) * 8)) }
            case .double(let d):
                buf.append(2)
                let u = d.bitPattern
                buf += (0..<8).reversed().map { UInt8(truncatingIfNeeded: u >> (UInt64($0) * 8)) }
            case .string(let s):
                buf.append(3); len(s.utf8.count); buf += Array(s.utf8)
            case .blob(let d):
                buf.append(4); len(d.count); buf += [UInt8](d)
            }
        }
    }

    private func headRows(_ sql: String, _ args: StatementArguments) throws -> [StateHeadRow] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map {
            StateHeadRow(stored: try $0.decode(String.self, forColumn: "aggregate"), seq: try $0.decode(Int64.self, forColumn: "seq"),
                         digest: [UInt8](try $0.decode(Data.self, forColumn: "digest")))
        }
    }

    func stateHeads(bucket: Int) throws -> [StateHeadRow] {
        do { return try headRows("SELECT aggregate, seq, digest FROM state_heads WHERE bucket = ? ORDER BY aggregate", [bucket]) } catch {
            throw VaultError.badData("the vault's state index holds a malformed row; the file was tampered with")
        }
    }

    func allStateHeads() throws -> [StateHeadRow] {
        do { return try headRows("SELECT aggregate, seq, digest FROM state_heads ORDER BY aggregate", []) } catch {
            throw VaultError.badData("the vault's state index holds a malformed row; the file was tampered with")
        }
    }

    func upsertStateHead(_ h: StateHeadRow) throws {
        try db.cachedStatement(sql: """
            INSERT INTO state_heads (aggregate, bucket, seq, digest) VALUES (?, ?, ?, ?)
            ON CONFLICT (aggregate) DO UPDATE SET bucket = excluded.bucket, seq = excluded.seq, digest = excluded.digest
            """).execute(arguments: [h.aggregate, StoreBackendSupport.bucket(h.aggregate), h.seq, Data(h.digest)])
    }

    func stateNode(level: Int, index: Int) throws -> [UInt8] {
        let d = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM state_nodes WHERE level = ? AND idx = ?"), arguments: [level, index])
        guard let d else { return StoreBackendSupport.zeroNode }
        return [UInt8](d)
    }

    func setStateNode(level: Int, index: Int, hash: [UInt8]) throws {
        if hash == StoreBackendSupport.zeroNode {
            try db.cachedStatement(sql: "DELETE FROM state_nodes WHERE level = ? AND idx = ?").execute(arguments: [level, index])
        } else {
            try db.cachedStatement(sql: """
                INSERT INTO state_nodes (level, idx, hash) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash
                """).execute(arguments: [level, index, Data(hash)])
        }
    }

    func storedAggregates() throws -> (aggregates: Set<StateAggregate>, orphans: [String]) {
        let ids = try String.fetchAll(db, sql: """
            SELECT id FROM clients UNION SELECT client_id FROM care_team UNION SELECT client_id FROM data_keys
            UNION SELECT client_id FROM records UNION SELECT client_id FROM export_requests UNION SELECT client_id FROM rotation_jobs
            """)
        var out: Set<StateAggregate> = [.users, .settings, .exceptions]
        for id in ids { out.insert(StateAggregate.owning(clientID: id)) }
        var orphans: [String] = []
        let wraps = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_wraps WHERE key_id NOT IN (SELECT id FROM data_keys)") ?? 0
        if wraps > 0 { orphans.append("\(wraps) key wrap(s) of no data key") }
        let acks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM acknowledgements WHERE record_id NOT IN (SELECT id FROM records)") ?? 0
        if acks > 0 { orphans.append("\(acks) acknowledgement(s) of no record") }
        return (out, orphans)
    }

    func logRowsBeforeFirst() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM access_log WHERE seq < 1") ?? 0
    }

    func lastSignedLog() throws -> LogRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM access_log WHERE signer != '' ORDER BY seq DESC LIMIT 1").map(logRow)
    }

    func log(seq: Int64) throws -> LogRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM access_log WHERE seq = ?"), arguments: [seq]).map(logRow)
    }

    func rotationJob(id: Int64) throws -> RotationJobRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM rotation_jobs WHERE id = ?", arguments: [id]).map(jobRow)
    }

    func recordClient(id: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT client_id FROM records WHERE id = ?"), arguments: [id])
    }

    func loggedClient(ofRecord recordID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT client_id FROM access_log WHERE record_id = ? AND client_id != '' ORDER BY seq LIMIT 1",
                            arguments: [recordID])
    }

    func ids(of kind: IDKind, startingWith prefix: String, limit: Int) throws -> [String] {
        let (sql, extra): (String, StatementArguments) = switch kind {
        case .client: ("SELECT id FROM clients WHERE substr(id, 1, ?) = ?", [])
        case .record: ("SELECT id FROM records WHERE substr(id, 1, ?) = ?", [])
        case .request: ("SELECT id FROM export_requests WHERE substr(id, 1, ?) = ?", [])
        case .emergency: ("SELECT DISTINCT record_id FROM access_log WHERE substr(record_id, 1, ?) = ? AND action = ? AND outcome = ?",
                          [StoreBackendSupport.emergencyRequestAction, Outcome.success.rawValue])
        }
        var args: StatementArguments = [prefix.count, prefix]
        args += extra
        args += [limit]
        return try String.fetchAll(db, sql: sql + " ORDER BY 1 LIMIT ?", arguments: args)
    }

    func recordsWithAlteredContent() throws -> [String] {
        var bad: [String] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT id, ciphertext, audit_copy, content_hash FROM records ORDER BY id")
        while let r = try rows.next() {
            let id: String = try r.decode(String.self, atIndex: 0)
            let ct = try r.decode(Data?.self, atIndex: 1).map { [UInt8]($0) } ?? []
            let audit = try r.decode(Data?.self, atIndex: 2).map { [UInt8]($0) } ?? []
            let stored = try r.decode(Data?.self, atIndex: 3).map { [UInt8]($0) } ?? []
            if RecordRow.contentHash(ciphertext: ct, auditCopy: audit) != stored { bad.append(id) }
        }
        return bad
    }

    func allStateNodes() throws -> [StateNodeKey: [UInt8]] {
        var out: [StateNodeKey: [UInt8]] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM state_nodes") {
            out[StateNodeKey(stored: try r.decode(Int.self, atIndex: 0), index: try r.decode(Int.self, atIndex: 1))] =
                [UInt8](try r.decode(Data.self, atIndex: 2))
        }
        return out
    }

    func schemaObjects() throws -> [SchemaObject] {
        try Row.fetchAll(db, sql: "SELECT type, name, COALESCE(sql, '') AS sql FROM sqlite_master ORDER BY type, name").map {
            SchemaObject(stored: try $0.decode(String.self, forColumn: "type"), name: try $0.decode(String.self, forColumn: "name"),
                         sql: try $0.decode(String.self, forColumn: "sql"))
        }
    }
}

/// Restoring a backup's state into the live vault, keeping the live log (`restore`).
extension SQLiteTransaction {
    /// The tables that hold the vault's state (everything but the log, its tree heads and the
    /// state index), parents before children.
    static let stateTables = ["vault", "settings", "users", "user_history", "exceptions", "clients", "care_team", "data_keys",
                              "key_wraps", "records", "acknowledgements", "export_requests", "rotation_jobs"]

    /// Every row of every state table, in the backend-neutral form a restore carries.
    func stateRows() throws -> [String: [StoredRow]] {
        var out: [String: [StoredRow]] = [:]
        for t in Self.stateTables {
            out[t] = try Row.fetchAll(db, sql: "SELECT * FROM \(t)").map { row in
                StoredRow(columns: Array(row.columnNames), values: try row.databaseValues.map(Self.stored))
            }
        }
        return out
    }

    /// Replaces every state table's rows with `rows` (children deleted first, parents inserted first).
    func replaceStateRows(with rows: [String: [StoredRow]]) throws {
        for t in Self.stateTables.reversed() { try db.execute(sql: "DELETE FROM \(t)") }
        for t in Self.stateTables {
            for row in rows[t] ?? [] {
                let sql = "INSERT INTO \(t) (\(row.columns.joined(separator: ", "))) VALUES (\(row.columns.map { _ in "?" }.joined(separator: ", ")))"
                try db.execute(sql: sql, arguments: StatementArguments(row.values.map(Self.database)))
            }
        }
    }

    private static func stored(_ value: DatabaseValue) throws -> StoredValue {
        switch value.storage {
        case .null: return .null
        case .int64(let v): return .integer(v)
        case .string(let s): return .text(s)
        case .blob(let d): return .blob([UInt8](d))
        case .double: throw VaultError(.badData, "a vault row holds a floating-point value, which no vault column has; restore from a backup")
        }
    }

    private static func database(_ value: StoredValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        }
    }
}
