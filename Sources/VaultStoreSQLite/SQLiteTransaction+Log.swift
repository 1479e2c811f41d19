import Foundation
import GRDB
import VaultCore

/// The log, tree heads, exceptions, acknowledgements and settings of ``SQLiteTransaction``.
extension SQLiteTransaction {
    // MARK: access log

    func logRow(_ r: Row) throws -> LogRow {
        LogRow(stored: try col(r, "seq"), time: try col(r, "time"), actor: try col(r, "actor"), roles: try col(r, "roles"), action: try col(r, "action"),
               clientID: try col(r, "client_id"), recordID: try col(r, "record_id"), purpose: try col(r, "purpose"),
               sealedReason: try bytes(r, "sealed_reason"), outcome: try col(r, "outcome"), detail: try col(r, "detail"),
               flags: try col(r, "flags"),
               entry: try bytes(r, "entry"), leafHash: try bytes(r, "leaf_hash"), signer: try col(r, "signer"), signature: try bytes(r, "signature"))
    }

    func appendLog(_ l: LogRow) throws {
        try db.execute(sql: """
            INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags, entry, leaf_hash, signer, signature)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [l.seq, l.time, l.actor, l.roles, l.action, l.clientID, l.recordID, l.purpose, Data(l.sealedReason),
                             l.outcome, l.detail, l.flags, Data(l.entry), Data(l.leafHash), l.signer, Data(l.signature)])
    }

    func lastLog() throws -> LogRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM access_log ORDER BY seq DESC LIMIT 1").map(logRow)
    }

    func logEntries(after seq: Int64, limit: Int) throws -> [LogRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]).map(logRow)
    }

    func logEntries(matching f: LogFilter) throws -> [LogRow] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            clauses.append(clause); args.append(value)
        }
        add("client_id = ?", f.clientID)
        add("actor = ?", f.actor)
        add("action = ?", f.action)
        add("purpose = ?", f.purpose)
        add("outcome = ?", f.outcome)
        add("time >= ?", f.since)
        add("time < ?", f.until)
        add("seq > ?", f.afterSeq)
        // Entries start at 1: a row a writer put at 0 or below is no entry (and `log verify` refuses it).
        clauses.append("seq >= 1")
        let whereSQL = "WHERE " + clauses.joined(separator: " AND ")
        return try Row.fetchAll(db, sql: "SELECT * FROM access_log \(whereSQL) ORDER BY seq", arguments: StatementArguments(args)).map(logRow)
    }

    func leafHashes(after seq: Int64, limit: Int) throws -> [(Int64, [UInt8])] {
        var out: [(Int64, [UInt8])] = []
        out.reserveCapacity(limit)
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, leaf_hash FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit])
        while let r = try rows.next() {
            let s: Int64 = try r.decode(Int64.self, atIndex: 0)
            let d: Data = try r.decode(Data.self, atIndex: 1)
            out.append((s, [UInt8](d)))
        }
        return out
    }

    func logCount() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM access_log") ?? 0
    }

    // MARK: tree heads

    private func headRow(_ r: Row) throws -> TreeHeadRow {
        TreeHeadRow(stored: try col(r, "size"), root: try bytes(r, "root"), frontier: try bytes(r, "frontier"), time: try col(r, "time"))
    }

    func insertTreeHead(_ h: TreeHeadRow) throws {
        try db.execute(sql: "INSERT INTO tree_heads (size, root, frontier, time) VALUES (?, ?, ?, ?)",
                       arguments: [h.size, Data(h.root), Data(h.frontier), h.time])
    }

    func latestTreeHead() throws -> TreeHeadRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM tree_heads ORDER BY size DESC LIMIT 1").map(headRow)
    }

    func treeHeads(from size: Int64, limit: Int) throws -> [TreeHeadRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM tree_heads WHERE size >= ? ORDER BY size LIMIT ?", arguments: [size, limit]).map(headRow)
    }

    func treeHeadCount(above size: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tree_heads WHERE size > ?", arguments: [size]) ?? 0
    }

    // MARK: exceptions and acknowledgements

    func insertException(_ e: ExceptionRow) throws {
        try db.execute(sql: """
            INSERT INTO exceptions (code, meaning, basis, kind, must_inform, added_by, added_at, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.code, e.meaning, e.basis, e.kind, e.mustInform ? 1 : 0, e.addedBy, e.addedAt, Data(e.signature)])
    }

    func updateExceptionSignature(code: String, signature: [UInt8]) throws {
        try db.execute(sql: "UPDATE exceptions SET signature = ? WHERE code = ?", arguments: [Data(signature), code])
    }

    func exceptions() throws -> [ExceptionRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM exceptions ORDER BY added_at, code").map {
            ExceptionRow(stored: try col($0, "code"), meaning: try col($0, "meaning"), basis: try col($0, "basis"),
                         kind: try col($0, "kind"), mustInform: (try col($0, "must_inform") as Int) != 0,
                         addedBy: try col($0, "added_by"), addedAt: try col($0, "added_at"), signature: try bytes($0, "signature"))
        }
    }

    func upsertAcknowledgement(_ a: AcknowledgementRow) throws {
        try db.execute(sql: """
            INSERT INTO acknowledgements (record_id, user, time, sealed_salt, body_mac, signature) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (record_id, user) DO UPDATE SET time = excluded.time, sealed_salt = excluded.sealed_salt,
              body_mac = excluded.body_mac, signature = excluded.signature
            """, arguments: [a.recordID, a.user, a.time, Data(a.sealedSalt), Data(a.bodyMAC), Data(a.signature)])
    }

    func acknowledgements(recordID: String) throws -> [AcknowledgementRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM acknowledgements WHERE record_id = ? ORDER BY time", arguments: [recordID]).map {
            AcknowledgementRow(stored: try col($0, "record_id"), user: try col($0, "user"), time: try col($0, "time"),
                               sealedSalt: try bytes($0, "sealed_salt"), bodyMAC: try bytes($0, "body_mac"),
                               signature: try bytes($0, "signature"))
        }
    }

    // MARK: settings

    func setting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
    }

    func setSetting(_ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    func settings() throws -> [(String, String)] {
        try Row.fetchAll(db, sql: "SELECT key, value FROM settings ORDER BY key").map { (try col($0, "key") as String, try col($0, "value") as String) }
    }
}
