import Foundation
import VaultCore

/// The log, tree heads, exceptions, acknowledgements and settings of ``PostgresTransaction``.
extension PostgresTransaction {
    // MARK: access log

    func logRow(_ r: PGRow) throws -> LogRow {
        LogRow(stored: try r.int("seq"), time: try r.int("time"), actor: try r.text("actor"), roles: try r.text("roles"),
               action: try r.text("action"), clientID: try r.text("client_id"), recordID: try r.text("record_id"),
               purpose: try r.text("purpose"), sealedReason: try r.bytes("sealed_reason"), outcome: try r.text("outcome"),
               detail: try r.text("detail"), flags: try r.text("flags"), entry: try r.bytes("entry"), leafHash: try r.bytes("leaf_hash"),
               signer: try r.text("signer"), signature: try r.bytes("signature"))
    }

    func appendLog(_ l: LogRow) throws {
        try exec("""
            INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags, entry, leaf_hash, signer, signature)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, l.seq, l.time, l.actor, l.roles, l.action, l.clientID, l.recordID, l.purpose, l.sealedReason,
                 l.outcome, l.detail, l.flags, l.entry, l.leafHash, l.signer, l.signature)
    }

    func lastLog() throws -> LogRow? {
        try one("SELECT * FROM access_log ORDER BY seq DESC LIMIT 1").map(logRow)
    }

    func logEntries(after seq: Int64, limit: Int) throws -> [LogRow] {
        try rows("SELECT * FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).map(logRow)
    }

    func logEntries(matching f: LogFilter) throws -> [LogRow] {
        let (sql, arguments) = StoreQueries.logEntries(matching: f)
        let args: [any PGArg] = arguments.map {
            switch $0 {
            case .text(let s): s
            case .int(let i): i
            }
        }
        return try run(sql, args).rows.map(logRow)
    }

    func leafHashes(after seq: Int64, limit: Int) throws -> [(Int64, [UInt8])] {
        try rows("SELECT seq, leaf_hash FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).map {
            (try $0.int("seq"), try $0.bytes("leaf_hash"))
        }
    }

    func logCount() throws -> Int64 {
        Int64(try count("SELECT COUNT(*) FROM access_log"))
    }

    // MARK: tree heads

    private func headRow(_ r: PGRow) throws -> TreeHeadRow {
        TreeHeadRow(stored: try r.int("size"), root: try r.bytes("root"), frontier: try r.bytes("frontier"), time: try r.int("time"))
    }

    func insertTreeHead(_ h: TreeHeadRow) throws {
        try exec("INSERT INTO tree_heads (size, root, frontier, time) VALUES (?, ?, ?, ?)", h.size, h.root, h.frontier, h.time)
    }

    func latestTreeHead() throws -> TreeHeadRow? {
        try one("SELECT * FROM tree_heads ORDER BY size DESC LIMIT 1").map(headRow)
    }

    func treeHeads(from size: Int64, limit: Int) throws -> [TreeHeadRow] {
        try rows("SELECT * FROM tree_heads WHERE size >= ? ORDER BY size LIMIT ?", size, limit).map(headRow)
    }

    func treeHeadCount(above size: Int64) throws -> Int {
        try count("SELECT COUNT(*) FROM tree_heads WHERE size > ?", size)
    }

    // MARK: exceptions and acknowledgements

    func insertException(_ e: ExceptionRow) throws {
        try exec("""
            INSERT INTO exceptions (code, meaning, basis, kind, must_inform, added_by, added_at, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, e.code, e.meaning, e.basis, e.kind, e.mustInform, e.addedBy, e.addedAt, e.signature)
    }

    func updateExceptionSignature(code: String, signature: [UInt8]) throws {
        try exec("UPDATE exceptions SET signature = ? WHERE code = ?", signature, code)
    }

    func exceptions() throws -> [ExceptionRow] {
        try rows("SELECT * FROM exceptions ORDER BY added_at, code").map {
            ExceptionRow(stored: try $0.text("code"), meaning: try $0.text("meaning"), basis: try $0.text("basis"),
                         kind: try $0.text("kind"), mustInform: (try $0.int("must_inform") as Int64) != 0,
                         addedBy: try $0.text("added_by"), addedAt: try $0.int("added_at"), signature: try $0.bytes("signature"))
        }
    }

    func upsertAcknowledgement(_ a: AcknowledgementRow) throws {
        try exec("""
            INSERT INTO acknowledgements (record_id, "user", time, sealed_salt, body_mac, signature) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (record_id, "user") DO UPDATE SET time = excluded.time, sealed_salt = excluded.sealed_salt,
              body_mac = excluded.body_mac, signature = excluded.signature
            """, a.recordID, a.user, a.time, a.sealedSalt, a.bodyMAC, a.signature)
    }

    func acknowledgements(recordID: String) throws -> [AcknowledgementRow] {
        try rows("SELECT * FROM acknowledgements WHERE record_id = ? ORDER BY time", recordID).map {
            AcknowledgementRow(stored: try $0.text("record_id"), user: try $0.text("user"), time: try $0.int("time"),
                               sealedSalt: try $0.bytes("sealed_salt"), bodyMAC: try $0.bytes("body_mac"),
                               signature: try $0.bytes("signature"))
        }
    }

    // MARK: settings

    func setting(_ key: String) throws -> String? {
        try one("SELECT value FROM settings WHERE key = ?", key).map { try $0.text("value") }
    }

    func setSetting(_ key: String, _ value: String) throws {
        try exec("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
    }

    func settings() throws -> [(String, String)] {
        try rows("SELECT key, value FROM settings ORDER BY key").map { (try $0.text("key"), try $0.text("value")) }
    }
}
