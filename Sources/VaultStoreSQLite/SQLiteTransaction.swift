import Foundation
import GRDB
import VaultCore

/// ``StoreTransaction`` over one GRDB connection. Plain SQL: the schema is small and the
/// statements are easier to audit for "no plaintext" than a record layer would be.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    /// Reads a column, throwing (instead of trapping) when a tampered file holds the wrong type.
    func col<T: DatabaseValueConvertible>(_ row: Row, _ column: String) throws -> T {
        do { return try row.decode(T.self, forColumn: column) } catch {
            throw VaultError.badData("the vault file holds a malformed value in column '\(column)'; restore it from a backup")
        }
    }

    func bytes(_ row: Row, _ column: String) throws -> [UInt8] {
        let d: Data? = try col(row, column)
        return d.map { [UInt8]($0) } ?? []
    }

    // MARK: meta

    func meta() throws -> VaultMetaRow? {
        guard let r = try Row.fetchOne(db, sql: "SELECT * FROM vault WHERE id = 1") else { return nil }
        return VaultMetaRow(stored: try bytes(r, "vault_id"), formatVersion: try col(r, "format_version"), practice: try col(r, "practice"),
                            createdAt: try col(r, "created_at"), kdfOps: UInt64(clamping: try col(r, "kdf_ops") as Int64), kdfMem: try col(r, "kdf_mem"),
                            recoveryPublicKey: try bytes(r, "recovery_pk"), rootSigningKey: try bytes(r, "root_sign_pk"),
                            auditKeyID: try col(r, "audit_key_id"), logKeyID: try col(r, "log_key_id"),
                            settingsSigner: try col(r, "settings_signer"),
                            signature: try bytes(r, "signature"))
    }

    func insertMeta(_ m: VaultMetaRow) throws {
        try db.execute(sql: """
            INSERT INTO vault (id, vault_id, format_version, practice, created_at, kdf_ops, kdf_mem, recovery_pk, root_sign_pk, audit_key_id, log_key_id, settings_signer, signature)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [Data(m.vaultID), m.formatVersion, m.practice, m.createdAt, Int64(m.kdfOps), m.kdfMem,
                             Data(m.recoveryPublicKey), Data(m.rootSigningKey), m.auditKeyID, m.logKeyID, m.settingsSigner, Data(m.signature)])
    }

    func updateMeta(recoveryPublicKey: [UInt8], settingsSigner: String, signature: [UInt8]) throws {
        try db.execute(sql: "UPDATE vault SET recovery_pk = ?, settings_signer = ?, signature = ? WHERE id = 1",
                       arguments: [Data(recoveryPublicKey), settingsSigner, Data(signature)])
    }

    // MARK: users

    private func userRow(_ r: Row) throws -> UserRow {
        UserRow(stored: try col(r, "name"), roles: try col(r, "roles"), boxPublicKey: try bytes(r, "box_pk"), signPublicKey: try bytes(r, "sign_pk"),
                enrolledBy: try col(r, "enrolled_by"), enrolledAt: try col(r, "enrolled_at"), certificate: try bytes(r, "certificate"),
                salt: try bytes(r, "salt"), kdfOps: UInt64(clamping: try col(r, "kdf_ops") as Int64), kdfMem: try col(r, "kdf_mem"),
                sealedSecrets: try bytes(r, "sealed_secrets"), clientID: try col(r, "client_id"))
    }

    func user(named name: String) throws -> UserRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).map(userRow)
    }

    func users() throws -> [UserRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map(userRow)
    }

    func insertUser(_ u: UserRow) throws {
        try db.execute(sql: """
            INSERT INTO users (name, roles, box_pk, sign_pk, enrolled_by, enrolled_at, certificate, salt, kdf_ops, kdf_mem, sealed_secrets, client_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [u.name, u.roles, Data(u.boxPublicKey), Data(u.signPublicKey), u.enrolledBy, u.enrolledAt,
                             Data(u.certificate), Data(u.salt), Int64(u.kdfOps), u.kdfMem, Data(u.sealedSecrets), u.clientID])
    }

    func replaceUser(_ u: UserRow) throws {
        try db.execute(sql: """
            UPDATE users SET roles = ?, box_pk = ?, sign_pk = ?, enrolled_by = ?, enrolled_at = ?, certificate = ?, salt = ?,
              kdf_ops = ?, kdf_mem = ?, sealed_secrets = ?, client_id = ? WHERE name = ?
            """, arguments: [u.roles, Data(u.boxPublicKey), Data(u.signPublicKey), u.enrolledBy, u.enrolledAt, Data(u.certificate),
                             Data(u.salt), Int64(u.kdfOps), u.kdfMem, Data(u.sealedSecrets), u.clientID, u.name])
    }

    func insertUserHistory(_ u: UserRow, generation: Int, replacedAt: Int64) throws {
        try db.execute(sql: """
            INSERT INTO user_history (name, generation, roles, box_pk, sign_pk, enrolled_by, enrolled_at, certificate, client_id, replaced_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [u.name, generation, u.roles, Data(u.boxPublicKey), Data(u.signPublicKey), u.enrolledBy, u.enrolledAt,
                             Data(u.certificate), u.clientID, replacedAt])
    }

    func userHistory(name: String) throws -> [UserRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM user_history WHERE name = ? ORDER BY generation DESC", arguments: [name]).map { r in
            UserRow(stored: try col(r, "name"), roles: try col(r, "roles"), boxPublicKey: try bytes(r, "box_pk"), signPublicKey: try bytes(r, "sign_pk"),
                    enrolledBy: try col(r, "enrolled_by"), enrolledAt: try col(r, "enrolled_at"), certificate: try bytes(r, "certificate"),
                    salt: [], kdfOps: 0, kdfMem: 0, sealedSecrets: [], clientID: try col(r, "client_id"))
        }
    }

    func wraps(recipient: String) throws -> [KeyWrapRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM key_wraps WHERE recipient = ? ORDER BY key_id", arguments: [recipient]).map {
            KeyWrapRow(stored: try col($0, "key_id"), recipient: try col($0, "recipient"), wrapped: try bytes($0, "wrapped"))
        }
    }

    func wraps(keyID: Int64) throws -> [KeyWrapRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM key_wraps WHERE key_id = ? ORDER BY recipient", arguments: [keyID]).map {
            KeyWrapRow(stored: try col($0, "key_id"), recipient: try col($0, "recipient"), wrapped: try bytes($0, "wrapped"))
        }
    }

    func updateUserSecrets(name: String, salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8]) throws {
        try db.execute(sql: "UPDATE users SET salt = ?, kdf_ops = ?, kdf_mem = ?, sealed_secrets = ? WHERE name = ?",
                       arguments: [Data(salt), Int64(kdfOps), kdfMem, Data(sealedSecrets), name])
    }

    // MARK: clients and care teams

    private func clientRow(_ r: Row) throws -> ClientRow {
        ClientRow(stored: try col(r, "id"), createdAt: try col(r, "created_at"), createdBy: try col(r, "created_by"), status: try col(r, "status"),
                  chartHash: try bytes(r, "chart_hash"))
    }

    func client(id: String) throws -> ClientRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM clients WHERE id = ?", arguments: [id]).map(clientRow)
    }

    func clients() throws -> [ClientRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM clients ORDER BY created_at, id").map(clientRow)
    }

    func insertClient(_ c: ClientRow) throws {
        try db.execute(sql: "INSERT INTO clients (id, created_at, created_by, status, chart_hash) VALUES (?, ?, ?, ?, ?)",
                       arguments: [c.id, c.createdAt, c.createdBy, c.status, Data(c.chartHash)])
    }

    func clients(chartHash: [UInt8]) throws -> [ClientRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM clients WHERE chart_hash = ? ORDER BY id", arguments: [Data(chartHash)]).map(clientRow)
    }

    private func careRow(_ r: Row) throws -> CareTeamRow {
        CareTeamRow(stored: try col(r, "client_id"), user: try col(r, "user"), grantedBy: try col(r, "granted_by"), grantedAt: try col(r, "granted_at"),
                    state: try col(r, "state"), signature: try bytes(r, "signature"))
    }

    func careTeam(clientID: String) throws -> [CareTeamRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM care_team WHERE client_id = ? ORDER BY user", arguments: [clientID]).map(careRow)
    }

    func careTeams(user: String) throws -> [CareTeamRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM care_team WHERE user = ? ORDER BY client_id", arguments: [user]).map(careRow)
    }

    func upsertCareTeam(_ c: CareTeamRow) throws {
        try db.execute(sql: """
            INSERT INTO care_team (client_id, user, granted_by, granted_at, state, signature) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (client_id, user) DO UPDATE SET granted_by = excluded.granted_by,
              granted_at = excluded.granted_at, state = excluded.state, signature = excluded.signature
            """, arguments: [c.clientID, c.user, c.grantedBy, c.grantedAt, c.state, Data(c.signature)])
    }

    func deleteCareTeam(clientID: String, user: String) throws {
        try db.execute(sql: "DELETE FROM care_team WHERE client_id = ? AND user = ?", arguments: [clientID, user])
    }

    // MARK: keys

    private func keyRow(_ r: Row) throws -> DataKeyRow {
        let scopeText: String = try col(r, "scope")
        guard let scope = KeyScope(rawValue: scopeText) else { throw VaultError.badData("data key \(try col(r, "id") as Int64) has unknown scope '\(scopeText)'") }
        return DataKeyRow(stored: try col(r, "id"), clientID: try col(r, "client_id"), scope: scope, owner: try col(r, "owner"), version: try col(r, "version"),
                          state: try col(r, "state"), createdAt: try col(r, "created_at"), publicKey: try bytes(r, "public_key"),
                          signer: try col(r, "signer"), signature: try bytes(r, "signature"))
    }

    func insertDataKey(_ k: DataKeyRow) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO data_keys (client_id, scope, owner, version, state, created_at, public_key, signer, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [k.clientID, k.scope.rawValue, k.owner, k.version, k.state, k.createdAt, Data(k.publicKey), k.signer, Data(k.signature)])
        return db.lastInsertedRowID
    }

    func dataKey(id: Int64) throws -> DataKeyRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM data_keys WHERE id = ?", arguments: [id]).map(keyRow)
    }

    func currentDataKey(clientID: String, scope: KeyScope, owner: String) throws -> DataKeyRow? {
        try Row.fetchOne(db, sql: """
            SELECT * FROM data_keys WHERE client_id = ? AND scope = ? AND owner = ? AND state != 'destroyed'
            ORDER BY version DESC LIMIT 1
            """, arguments: [clientID, scope.rawValue, owner]).map(keyRow)
    }

    func dataKeys(clientID: String) throws -> [DataKeyRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM data_keys WHERE client_id = ? ORDER BY scope, owner, version", arguments: [clientID]).map(keyRow)
    }

    func setDataKeyState(id: Int64, state: String) throws {
        try db.execute(sql: "UPDATE data_keys SET state = ? WHERE id = ?", arguments: [state, id])
    }

    func insertWrap(_ w: KeyWrapRow) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO key_wraps (key_id, recipient, wrapped) VALUES (?, ?, ?)",
                       arguments: [w.keyID, w.recipient, Data(w.wrapped)])
    }

    func wrap(keyID: Int64, recipient: String) throws -> KeyWrapRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM key_wraps WHERE key_id = ? AND recipient = ?", arguments: [keyID, recipient]).map {
            KeyWrapRow(stored: try col($0, "key_id"), recipient: try col($0, "recipient"), wrapped: try bytes($0, "wrapped"))
        }
    }

    func deleteWraps(clientID: String, recipient: String) throws -> Int {
        try db.execute(sql: """
            DELETE FROM key_wraps WHERE recipient = ? AND key_id IN (SELECT id FROM data_keys WHERE client_id = ?)
            """, arguments: [recipient, clientID])
        return db.changesCount
    }

    // MARK: records

    private func recordRow(_ r: Row) throws -> RecordRow {
        let kindText: String = try col(r, "kind")
        guard let kind = RecordKind(rawValue: kindText) else { throw VaultError.badData("record \(try col(r, "id") as String) has unknown kind '\(kindText)'") }
        return RecordRow(stored: try col(r, "id"), clientID: try col(r, "client_id"), kind: kind, subkind: try col(r, "subkind"), author: try col(r, "author"),
                         keyID: try col(r, "key_id"), keyVersion: try col(r, "key_version"), formatVersion: try col(r, "format_version"),
                         createdAt: try col(r, "created_at"), sequence: try col(r, "sequence"), ciphertext: try bytes(r, "ciphertext"),
                         auditCopy: try bytes(r, "audit_copy"), contentHash: try bytes(r, "content_hash"))
    }

    func insertRecord(_ x: RecordRow) throws {
        try db.execute(sql: """
            INSERT INTO records (id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, sequence, ciphertext, audit_copy,
              content_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [x.id, x.clientID, x.kind.rawValue, x.subkind, x.author, x.keyID, x.keyVersion, x.formatVersion,
                             x.createdAt, x.sequence, Data(x.ciphertext), Data(x.auditCopy),
                             Data(RecordRow.contentHash(ciphertext: x.ciphertext, auditCopy: x.auditCopy))])
    }

    func updateRecordKey(id: String, keyID: Int64, keyVersion: Int, ciphertext: [UInt8]) throws {
        let audit = try Data.fetchOne(db, sql: "SELECT audit_copy FROM records WHERE id = ?", arguments: [id]).map { [UInt8]($0) } ?? []
        try db.execute(sql: "UPDATE records SET key_id = ?, key_version = ?, ciphertext = ?, content_hash = ? WHERE id = ?",
                       arguments: [keyID, keyVersion, Data(ciphertext), Data(RecordRow.contentHash(ciphertext: ciphertext, auditCopy: audit)), id])
    }

    func records(keyIDs: [Int64], limit: Int) throws -> [RecordRow] {
        guard !keyIDs.isEmpty else { return [] }
        let marks = keyIDs.map { _ in "?" }.joined(separator: ",")
        return try Row.fetchAll(db, sql: "SELECT * FROM records WHERE key_id IN (\(marks)) ORDER BY rowid LIMIT ?",
                                arguments: StatementArguments(keyIDs + [Int64(limit)])).map(recordRow)
    }

    func recordCount(keyID: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE key_id = ?", arguments: [keyID]) ?? 0
    }

    func deleteRecords(clientID: String) throws -> Int {
        try db.execute(sql: "DELETE FROM acknowledgements WHERE record_id IN (SELECT id FROM records WHERE client_id = ?)", arguments: [clientID])
        try db.execute(sql: "DELETE FROM records WHERE client_id = ?", arguments: [clientID])
        return db.changesCount
    }

    func deleteWraps(keyID: Int64) throws {
        try db.execute(sql: "DELETE FROM key_wraps WHERE key_id = ?", arguments: [keyID])
    }

    func deleteClientData(clientID: String) throws {
        try db.execute(sql: "DELETE FROM key_wraps WHERE key_id IN (SELECT id FROM data_keys WHERE client_id = ?)", arguments: [clientID])
        try db.execute(sql: "UPDATE data_keys SET state = 'destroyed' WHERE client_id = ?", arguments: [clientID])
        try db.execute(sql: "DELETE FROM care_team WHERE client_id = ?", arguments: [clientID])
        try db.execute(sql: "UPDATE clients SET status = 'purged', chart_hash = x'' WHERE id = ?", arguments: [clientID])
    }

    private func exportRow(_ r: Row) throws -> ExportRequestRow {
        ExportRequestRow(stored: try col(r, "id"), clientID: try col(r, "client_id"), requestedBy: try col(r, "requested_by"),
                         requestedAt: try col(r, "requested_at"), dueAt: try col(r, "due_at"), state: try col(r, "state"),
                         fulfilledAt: try col(r, "fulfilled_at"), fulfilledBy: try col(r, "fulfilled_by"))
    }

    func insertExportRequest(_ e: ExportRequestRow) throws {
        try db.execute(sql: """
            INSERT INTO export_requests (id, client_id, requested_by, requested_at, due_at, state, fulfilled_at, fulfilled_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.id, e.clientID, e.requestedBy, e.requestedAt, e.dueAt, e.state, e.fulfilledAt, e.fulfilledBy])
    }

    func exportRequest(id: String) throws -> ExportRequestRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM export_requests WHERE id = ?", arguments: [id]).map(exportRow)
    }

    func exportRequests() throws -> [ExportRequestRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM export_requests ORDER BY requested_at, id").map(exportRow)
    }

    func fulfilExportRequest(id: String, at: Int64, by: String) throws {
        try db.execute(sql: "UPDATE export_requests SET state = 'fulfilled', fulfilled_at = ?, fulfilled_by = ? WHERE id = ?",
                       arguments: [at, by, id])
    }

    func updateExportRequest(_ e: ExportRequestRow) throws {
        try db.execute(sql: "UPDATE export_requests SET due_at = ?, state = ?, fulfilled_at = ?, fulfilled_by = ? WHERE id = ?",
                       arguments: [e.dueAt, e.state, e.fulfilledAt, e.fulfilledBy, e.id])
    }

    func insertRotationJob(_ j: RotationJobRow) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO rotation_jobs (client_id, scope, owner, to_key_id, state, actor, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [j.clientID, j.scope, j.owner, j.toKeyID, j.state, j.actor, j.startedAt, j.finishedAt])
        return db.lastInsertedRowID
    }

    func rotationJobs(state: String) throws -> [RotationJobRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM rotation_jobs WHERE state = ? ORDER BY id", arguments: [state]).map(jobRow)
    }

    func jobRow(_ r: Row) throws -> RotationJobRow {
        RotationJobRow(stored: try col(r, "id"), clientID: try col(r, "client_id"), scope: try col(r, "scope"), owner: try col(r, "owner"),
                       toKeyID: try col(r, "to_key_id"), state: try col(r, "state"), actor: try col(r, "actor"),
                       startedAt: try col(r, "started_at"), finishedAt: try col(r, "finished_at"))
    }

    func finishRotationJob(id: Int64, at: Int64) throws {
        try db.execute(sql: "UPDATE rotation_jobs SET state = 'done', finished_at = ? WHERE id = ?", arguments: [at, id])
    }

    func record(id: String) throws -> RecordRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM records WHERE id = ?", arguments: [id]).map(recordRow)
    }

    func recordSummaries(clientID: String) throws -> [RecordRow] {
        try Row.fetchAll(db, sql: """
            SELECT id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, sequence,
                   length(ciphertext) AS clen, X'' AS ciphertext, X'' AS audit_copy, content_hash
            FROM records WHERE client_id = ? ORDER BY created_at, rowid
            """, arguments: [clientID]).map { r in
            var row = try recordRow(r)
            // Keep the length visible (sizes in listings) without loading the bytes.
            row.ciphertext = [UInt8](repeating: 0, count: 0)
            row.ciphertextLength = try col(r, "clen")
            return row
        }
    }

    func records(clientID: String) throws -> [RecordRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM records WHERE client_id = ? ORDER BY created_at, rowid", arguments: [clientID]).map(recordRow)
    }

    func recordCount(clientID: String, subkind: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM records WHERE client_id = ? AND subkind = ?", arguments: [clientID, subkind]) ?? 0
    }
}
