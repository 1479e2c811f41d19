import Foundation
import VaultCore

/// Data keys, wraps, records, requests and rotation jobs of ``PostgresTransaction``.
extension PostgresTransaction {
    // MARK: keys

    private func keyRow(_ r: PGRow) throws -> DataKeyRow {
        let scopeText = try r.text("scope")
        guard let scope = KeyScope(rawValue: scopeText) else {
            throw VaultError(.badData, "data key \(try r.int("id") as Int64) has unknown scope '\(scopeText)'")
        }
        return DataKeyRow(stored: try r.int("id"), clientID: try r.text("client_id"), scope: scope, owner: try r.text("owner"),
                          version: try r.int("version"), state: try r.text("state"), createdAt: try r.int("created_at"),
                          publicKey: try r.bytes("public_key"), signer: try r.text("signer"), signature: try r.bytes("signature"))
    }

    func insertDataKey(_ k: DataKeyRow) throws -> Int64 {
        let row = try one("""
            INSERT INTO data_keys (client_id, scope, owner, version, state, created_at, public_key, signer, signature)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, k.clientID, k.scope.rawValue, k.owner, k.version, k.state, k.createdAt, k.publicKey, k.signer, k.signature)
        guard let row else { throw VaultError(.internal, "the database returned no id for the new data key") }
        return try row.int("id")
    }

    func dataKey(id: Int64) throws -> DataKeyRow? {
        try one("SELECT * FROM data_keys WHERE id = ?", id).map(keyRow)
    }

    func currentDataKey(clientID: String, scope: KeyScope, owner: String) throws -> DataKeyRow? {
        try one("""
            SELECT * FROM data_keys WHERE client_id = ? AND scope = ? AND owner = ? AND state != 'destroyed'
            ORDER BY version DESC LIMIT 1
            """, clientID, scope.rawValue, owner).map(keyRow)
    }

    func dataKeys(clientID: String) throws -> [DataKeyRow] {
        try rows("SELECT * FROM data_keys WHERE client_id = ? ORDER BY scope, owner, version", clientID).map(keyRow)
    }

    func setDataKeyState(id: Int64, state: String) throws {
        try exec("UPDATE data_keys SET state = ? WHERE id = ?", state, id)
    }

    func insertWrap(_ w: KeyWrapRow) throws {
        try exec("""
            INSERT INTO key_wraps (key_id, recipient, wrapped) VALUES (?, ?, ?)
            ON CONFLICT (key_id, recipient) DO UPDATE SET wrapped = excluded.wrapped
            """, w.keyID, w.recipient, w.wrapped)
    }

    func wrap(keyID: Int64, recipient: String) throws -> KeyWrapRow? {
        try one("SELECT * FROM key_wraps WHERE key_id = ? AND recipient = ?", keyID, recipient).map(wrapRow)
    }

    func deleteWraps(clientID: String, recipient: String) throws -> Int {
        try exec("DELETE FROM key_wraps WHERE recipient = ? AND key_id IN (SELECT id FROM data_keys WHERE client_id = ?)", recipient, clientID)
    }

    // MARK: records

    func recordRow(_ r: PGRow) throws -> RecordRow {
        let kindText = try r.text("kind")
        guard let kind = RecordKind(rawValue: kindText) else {
            throw VaultError(.badData, "record \(try r.text("id")) has unknown kind '\(kindText)'")
        }
        return RecordRow(stored: try r.text("id"), clientID: try r.text("client_id"), kind: kind, subkind: try r.text("subkind"),
                         author: try r.text("author"), keyID: try r.int("key_id"), keyVersion: try r.int("key_version"),
                         formatVersion: try r.int("format_version"), createdAt: try r.int("created_at"), sequence: try r.int("sequence"),
                         ciphertext: try r.bytes("ciphertext"), auditCopy: try r.bytes("audit_copy"), contentHash: try r.bytes("content_hash"))
    }

    func insertRecord(_ x: RecordRow) throws {
        try exec("""
            INSERT INTO records (id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, sequence, ciphertext, audit_copy,
              content_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, x.id, x.clientID, x.kind.rawValue, x.subkind, x.author, x.keyID, x.keyVersion, x.formatVersion,
                 x.createdAt, x.sequence, x.ciphertext, x.auditCopy, RecordRow.contentHash(ciphertext: x.ciphertext, auditCopy: x.auditCopy))
    }

    func updateRecordKey(id: String, keyID: Int64, keyVersion: Int, ciphertext: [UInt8]) throws {
        let audit = try one("SELECT audit_copy FROM records WHERE id = ?", id).map { try $0.bytes("audit_copy") } ?? []
        try exec("UPDATE records SET key_id = ?, key_version = ?, ciphertext = ?, content_hash = ? WHERE id = ?",
                 keyID, keyVersion, ciphertext, RecordRow.contentHash(ciphertext: ciphertext, auditCopy: audit), id)
    }

    func records(keyIDs: [Int64], limit: Int) throws -> [RecordRow] {
        guard !keyIDs.isEmpty else { return [] }
        let marks = keyIDs.map { _ in "?" }.joined(separator: ",")
        return try run("SELECT * FROM records WHERE key_id IN (\(marks)) ORDER BY pos LIMIT ?", keyIDs + [Int64(limit)]).rows.map(recordRow)
    }

    func recordCount(keyID: Int64) throws -> Int {
        try count("SELECT COUNT(*) FROM records WHERE key_id = ?", keyID)
    }

    func deleteRecords(clientID: String) throws -> Int {
        try exec("DELETE FROM acknowledgements WHERE record_id IN (SELECT id FROM records WHERE client_id = ?)", clientID)
        return try exec("DELETE FROM records WHERE client_id = ?", clientID)
    }

    func deleteWraps(keyID: Int64) throws {
        try exec("DELETE FROM key_wraps WHERE key_id = ?", keyID)
    }

    func deleteClientData(clientID: String) throws {
        try exec("DELETE FROM key_wraps WHERE key_id IN (SELECT id FROM data_keys WHERE client_id = ?)", clientID)
        try exec("UPDATE data_keys SET state = 'destroyed' WHERE client_id = ?", clientID)
        try exec("DELETE FROM care_team WHERE client_id = ?", clientID)
        try exec("UPDATE clients SET status = 'purged', chart_hash = ''::bytea WHERE id = ?", clientID)
    }

    func record(id: String) throws -> RecordRow? {
        try one("SELECT * FROM records WHERE id = ?", id).map(recordRow)
    }

    func recordSummaries(clientID: String) throws -> [RecordRow] {
        try rows("""
            SELECT id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, sequence,
                   octet_length(ciphertext)::bigint AS clen, ''::bytea AS ciphertext, ''::bytea AS audit_copy, content_hash
            FROM records WHERE client_id = ? ORDER BY created_at, pos
            """, clientID).map { r in
            var row = try recordRow(r)
            row.ciphertextLength = try r.int("clen")
            return row
        }
    }

    func records(clientID: String) throws -> [RecordRow] {
        try rows("SELECT * FROM records WHERE client_id = ? ORDER BY created_at, pos", clientID).map(recordRow)
    }

    func recordCount(clientID: String, subkind: String) throws -> Int {
        try count("SELECT COUNT(*) FROM records WHERE client_id = ? AND subkind = ?", clientID, subkind)
    }

    // MARK: requests and rotation jobs

    private func exportRow(_ r: PGRow) throws -> ExportRequestRow {
        ExportRequestRow(stored: try r.text("id"), clientID: try r.text("client_id"), requestedBy: try r.text("requested_by"),
                         requestedAt: try r.int("requested_at"), dueAt: try r.int("due_at"), state: try r.text("state"),
                         fulfilledAt: try r.int("fulfilled_at"), fulfilledBy: try r.text("fulfilled_by"))
    }

    func insertExportRequest(_ e: ExportRequestRow) throws {
        try exec("""
            INSERT INTO export_requests (id, client_id, requested_by, requested_at, due_at, state, fulfilled_at, fulfilled_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, e.id, e.clientID, e.requestedBy, e.requestedAt, e.dueAt, e.state, e.fulfilledAt, e.fulfilledBy)
    }

    func exportRequest(id: String) throws -> ExportRequestRow? {
        try one("SELECT * FROM export_requests WHERE id = ?", id).map(exportRow)
    }

    func exportRequests() throws -> [ExportRequestRow] {
        try rows("SELECT * FROM export_requests ORDER BY requested_at, id").map(exportRow)
    }

    func fulfilExportRequest(id: String, at: Int64, by: String) throws {
        try exec("UPDATE export_requests SET state = 'fulfilled', fulfilled_at = ?, fulfilled_by = ? WHERE id = ?", at, by, id)
    }

    func updateExportRequest(_ e: ExportRequestRow) throws {
        try exec("UPDATE export_requests SET due_at = ?, state = ?, fulfilled_at = ?, fulfilled_by = ? WHERE id = ?",
                 e.dueAt, e.state, e.fulfilledAt, e.fulfilledBy, e.id)
    }

    func insertRotationJob(_ j: RotationJobRow) throws -> Int64 {
        let row = try one("""
            INSERT INTO rotation_jobs (client_id, scope, owner, to_key_id, state, actor, started_at, finished_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, j.clientID, j.scope, j.owner, j.toKeyID, j.state, j.actor, j.startedAt, j.finishedAt)
        guard let row else { throw VaultError(.internal, "the database returned no id for the new rotation job") }
        return try row.int("id")
    }

    func jobRow(_ r: PGRow) throws -> RotationJobRow {
        RotationJobRow(stored: try r.int("id"), clientID: try r.text("client_id"), scope: try r.text("scope"), owner: try r.text("owner"),
                       toKeyID: try r.int("to_key_id"), state: try r.text("state"), actor: try r.text("actor"),
                       startedAt: try r.int("started_at"), finishedAt: try r.int("finished_at"))
    }

    func rotationJobs(state: String) throws -> [RotationJobRow] {
        try rows("SELECT * FROM rotation_jobs WHERE state = ? ORDER BY id", state).map(jobRow)
    }

    func finishRotationJob(id: Int64, at: Int64) throws {
        try exec("UPDATE rotation_jobs SET state = 'done', finished_at = ? WHERE id = ?", at, id)
    }
}
