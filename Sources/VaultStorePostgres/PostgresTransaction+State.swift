import Foundation
import VaultCore
import VaultCrypto

/// The authenticated state index's storage (``StateStorage``) on PostgreSQL. Table digests
/// encode every value exactly as the SQLite store does (type tag, big-endian integers,
/// length-prefixed text and bytes, columns in table order), so the same rows digest alike on
/// both stores and a vault can move between them with its signed log intact.
extension PostgresTransaction: StateStorage {
    func tableDigests(of a: StateAggregate) throws -> [TableDigest] {
        var args: [any PGArg] = []
        if case .client(let id) = a { args = [id] }
        return try StoreQueries.aggregateTables(a).map { name, sql in
            var buf: [UInt8] = []
            let found = try run(sql, args).rows
            for row in found { Self.encode(row.values, into: &buf) }
            return TableDigest(stored: name, rows: found.count, digest: SHA256.hash(parts: [Array("confidant/table/v1\0\(name)\0".utf8), buf]))
        }
    }

    /// The SQLite store's row encoding: no two different rows encode alike.
    static func encode(_ values: [PGValue], into buf: inout [UInt8]) {
        func len(_ n: Int) { let u = UInt32(truncatingIfNeeded: n); buf += [UInt8(u >> 24), UInt8(u >> 16 & 0xff), UInt8(u >> 8 & 0xff), UInt8(u & 0xff)] }
        len(values.count)
        for value in values {
            switch value {
            case .null: buf.append(0)
            case .int(let v):
                buf.append(1)
                let u = UInt64(bitPattern: v)
                buf += (0..<8).reversed().map { UInt8(truncatingIfNeeded: u >> (UInt64($0) * 8)) }
            case .text(let s):
                buf.append(3); len(s.utf8.count); buf += Array(s.utf8)
            case .bytes(let d):
                buf.append(4); len(d.count); buf += d
            }
        }
    }

    private func headRows(_ sql: String, _ args: [any PGArg]) throws -> [StateHeadRow] {
        do {
            return try run(sql, args).rows.map {
                StateHeadRow(stored: try $0.text("aggregate"), seq: try $0.int("seq"), digest: try $0.bytes("digest"))
            }
        } catch let e as VaultError where e.kind == .badData {
            throw VaultError(.badData, "the vault's state index holds a malformed row; the database was tampered with")
        }
    }

    func stateHeads(bucket: Int) throws -> [StateHeadRow] {
        try headRows("SELECT aggregate, seq, digest FROM state_heads WHERE bucket = ? ORDER BY aggregate", [bucket])
    }

    func allStateHeads() throws -> [StateHeadRow] {
        try headRows("SELECT aggregate, seq, digest FROM state_heads ORDER BY aggregate", [])
    }

    func upsertStateHead(_ h: StateHeadRow) throws {
        try exec("""
            INSERT INTO state_heads (aggregate, bucket, seq, digest) VALUES (?, ?, ?, ?)
            ON CONFLICT (aggregate) DO UPDATE SET bucket = excluded.bucket, seq = excluded.seq, digest = excluded.digest
            """, h.aggregate, StoreBackendSupport.bucket(h.aggregate), h.seq, h.digest)
    }

    func stateNode(level: Int, index: Int) throws -> [UInt8] {
        try one("SELECT hash FROM state_nodes WHERE level = ? AND idx = ?", level, index).map { try $0.bytes("hash") } ?? StoreBackendSupport.zeroNode
    }

    /// The path's 33 nodes in one statement (one round trip instead of one per node).
    func stateNodes(alongPathOf bucket: Int) throws -> [StateNodeKey: [UInt8]] {
        let keys = StateMap.pathKeys(of: bucket)
        var out: [StateNodeKey: [UInt8]] = [:]
        for k in keys { out[k] = StoreBackendSupport.zeroNode }
        let pairs = keys.map { "(\($0.level), \($0.index))" }.joined(separator: ", ")
        for r in try rows("SELECT level, idx, hash FROM state_nodes WHERE (level, idx) IN (\(pairs))") {
            out[StateNodeKey(level: try r.int("level") as Int, index: try r.int("idx") as Int)] = try r.bytes("hash")
        }
        return out
    }

    func setStateNode(level: Int, index: Int, hash: [UInt8]) throws {
        if hash == StoreBackendSupport.zeroNode {
            try exec("DELETE FROM state_nodes WHERE level = ? AND idx = ?", level, index)
        } else {
            try exec("""
                INSERT INTO state_nodes (level, idx, hash) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash
                """, level, index, hash)
        }
    }

    func storedAggregates() throws -> (aggregates: Set<StateAggregate>, orphans: [String]) {
        let ids = try rows("""
            SELECT id AS id FROM clients UNION SELECT client_id FROM care_team UNION SELECT client_id FROM data_keys
            UNION SELECT client_id FROM records UNION SELECT client_id FROM export_requests UNION SELECT client_id FROM rotation_jobs
            """).map { try $0.text("id") }
        var out: Set<StateAggregate> = [.users, .settings, .exceptions]
        for id in ids { out.insert(StateAggregate.owning(clientID: id)) }
        var orphans: [String] = []
        let wraps = try count("SELECT COUNT(*) FROM key_wraps WHERE key_id NOT IN (SELECT id FROM data_keys)")
        if wraps > 0 { orphans.append("\(wraps) key wrap(s) of no data key") }
        let acks = try count("SELECT COUNT(*) FROM acknowledgements WHERE record_id NOT IN (SELECT id FROM records)")
        if acks > 0 { orphans.append("\(acks) acknowledgement(s) of no record") }
        return (out, orphans)
    }

    func logRowsBeforeFirst() throws -> Int {
        try count("SELECT COUNT(*) FROM access_log WHERE seq < 1")
    }

    func lastSignedLog() throws -> LogRow? {
        try one("SELECT * FROM access_log WHERE signer != '' ORDER BY seq DESC LIMIT 1").map(logRow)
    }

    func log(seq: Int64) throws -> LogRow? {
        try one("SELECT * FROM access_log WHERE seq = ?", seq).map(logRow)
    }

    func rotationJob(id: Int64) throws -> RotationJobRow? {
        try one("SELECT * FROM rotation_jobs WHERE id = ?", id).map(jobRow)
    }

    func recordClient(id: String) throws -> String? {
        try one("SELECT client_id FROM records WHERE id = ?", id).map { try $0.text("client_id") }
    }

    func loggedClient(ofRecord recordID: String) throws -> String? {
        try one("SELECT client_id FROM access_log WHERE record_id = ? AND client_id != '' ORDER BY seq LIMIT 1", recordID)
            .map { try $0.text("client_id") }
    }

    func ids(of kind: IDKind, startingWith prefix: String, limit: Int) throws -> [String] {
        let (sql, extra): (String, [any PGArg]) = switch kind {
        case .client: ("SELECT id FROM clients WHERE substr(id, 1, CAST(? AS int)) = ?", [])
        case .record: ("SELECT id FROM records WHERE substr(id, 1, CAST(? AS int)) = ?", [])
        case .request: ("SELECT id FROM export_requests WHERE substr(id, 1, CAST(? AS int)) = ?", [])
        case .emergency: ("SELECT DISTINCT record_id AS id FROM access_log WHERE substr(record_id, 1, CAST(? AS int)) = ? AND action = ? AND outcome = ?",
                          [StoreBackendSupport.emergencyRequestAction, Outcome.success.rawValue])
        }
        return try run(sql + " ORDER BY 1 LIMIT ?", [prefix.count, prefix] + extra + [limit]).rows.map { try $0.text("id") }
    }

    func recordsWithAlteredContent() throws -> [String] {
        try rows("SELECT id, ciphertext, audit_copy, content_hash FROM records ORDER BY id").compactMap { r in
            RecordRow.contentHash(ciphertext: try r.bytes("ciphertext"), auditCopy: try r.bytes("audit_copy")) == (try r.bytes("content_hash"))
                ? nil : try r.text("id")
        }
    }

    func allStateNodes() throws -> [StateNodeKey: [UInt8]] {
        var out: [StateNodeKey: [UInt8]] = [:]
        for r in try rows("SELECT level, idx, hash FROM state_nodes") {
            out[StateNodeKey(stored: try r.int("level"), index: try r.int("idx"))] = try r.bytes("hash")
        }
        return out
    }

    func schemaObjects() throws -> [SchemaObject] {
        try rows("SELECT relkind::text AS type, relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace ORDER BY 1, 2").map {
            SchemaObject(stored: try $0.text("type"), name: try $0.text("name"), sql: "")
        }
    }
}
