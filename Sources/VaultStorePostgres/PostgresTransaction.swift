import Foundation
import PostgresNIO
import VaultCore

/// ``StoreTransaction`` over one leased PostgreSQL connection inside `BEGIN … COMMIT`. The
/// statements are the SQLite store's, translated (`?` placeholders become `$n`, `"user"` is
/// quoted, `rowid` is `pos`), so both stores answer every call alike.
///
/// The first failed statement is kept (``firstFailure``): PostgreSQL aborts the transaction
/// there, and the store decides from it whether to retry or how to report, whatever the body
/// made of the error.
final class PostgresTransaction: StoreTransaction {
    let lease: Lease
    let endpoint: String
    private(set) var firstFailure: (any Error)?

    init(lease: Lease, endpoint: String) {
        self.lease = lease
        self.endpoint = endpoint
    }

    /// Runs one statement; returns its rows and the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ args: [any PGArg]) throws -> (rows: [PGRow], changed: Int) {
        do {
            let result = try lease.query(PGSQL.numbered(sql), PGValue.bindings(args))
            return (try result.rows.map(PGRow.init), result.metadata.rows ?? 0)
        } catch let e as VaultError {
            throw e
        } catch {
            if firstFailure == nil { firstFailure = error }
            throw PostgresErrors.mapped(error, endpoint: endpoint, midCommand: true)
        }
    }

    func rows(_ sql: String, _ args: any PGArg...) throws -> [PGRow] { try run(sql, args).rows }
    func one(_ sql: String, _ args: any PGArg...) throws -> PGRow? { try run(sql, args).rows.first }
    @discardableResult
    func exec(_ sql: String, _ args: any PGArg...) throws -> Int { try run(sql, args).changed }

    /// The first column of the first row as an integer (a `COUNT(*)`), 0 when there is none.
    func count(_ sql: String, _ args: any PGArg...) throws -> Int {
        guard let row = try run(sql, args).rows.first, case .int(let n) = row.values.first else { return 0 }
        return Int(n)
    }

    // MARK: meta

    func meta() throws -> VaultMetaRow? {
        guard let r = try one("SELECT * FROM vault WHERE id = 1") else { return nil }
        return VaultMetaRow(stored: try r.bytes("vault_id"), formatVersion: try r.int("format_version"), practice: try r.text("practice"),
                            createdAt: try r.int("created_at"), kdfOps: UInt64(clamping: try r.int("kdf_ops") as Int64),
                            kdfMem: try r.int("kdf_mem"), recoveryPublicKey: try r.bytes("recovery_pk"),
                            rootSigningKey: try r.bytes("root_sign_pk"), auditKeyID: try r.int("audit_key_id"),
                            logKeyID: try r.int("log_key_id"), settingsSigner: try r.text("settings_signer"),
                            signature: try r.bytes("signature"))
    }

    func insertMeta(_ m: VaultMetaRow) throws {
        try exec("""
            INSERT INTO vault (id, vault_id, format_version, practice, created_at, kdf_ops, kdf_mem, recovery_pk, root_sign_pk, audit_key_id, log_key_id, settings_signer, signature)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, m.vaultID, m.formatVersion, m.practice, m.createdAt, m.kdfOps, m.kdfMem,
                 m.recoveryPublicKey, m.rootSigningKey, m.auditKeyID, m.logKeyID, m.settingsSigner, m.signature)
    }

    func updateMeta(recoveryPublicKey: [UInt8], settingsSigner: String, signature: [UInt8]) throws {
        try exec("UPDATE vault SET recovery_pk = ?, settings_signer = ?, signature = ? WHERE id = 1", recoveryPublicKey, settingsSigner, signature)
    }

    // MARK: users

    private func userRow(_ r: PGRow) throws -> UserRow {
        UserRow(stored: try r.text("name"), roles: try r.text("roles"), boxPublicKey: try r.bytes("box_pk"), signPublicKey: try r.bytes("sign_pk"),
                enrolledBy: try r.text("enrolled_by"), enrolledAt: try r.int("enrolled_at"), certificate: try r.bytes("certificate"),
                salt: try r.bytes("salt"), kdfOps: UInt64(clamping: try r.int("kdf_ops") as Int64), kdfMem: try r.int("kdf_mem"),
                sealedSecrets: try r.bytes("sealed_secrets"), clientID: try r.text("client_id"))
    }

    func user(named name: String) throws -> UserRow? {
        try one("SELECT * FROM users WHERE name = ?", name).map(userRow)
    }

    func users() throws -> [UserRow] {
        try rows("SELECT * FROM users ORDER BY name").map(userRow)
    }

    func insertUser(_ u: UserRow) throws {
        try exec("""
            INSERT INTO users (name, roles, box_pk, sign_pk, enrolled_by, enrolled_at, certificate, salt, kdf_ops, kdf_mem, sealed_secrets, client_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, u.name, u.roles, u.boxPublicKey, u.signPublicKey, u.enrolledBy, u.enrolledAt,
                 u.certificate, u.salt, u.kdfOps, u.kdfMem, u.sealedSecrets, u.clientID)
    }

    func replaceUser(_ u: UserRow) throws {
        try exec("""
            UPDATE users SET roles = ?, box_pk = ?, sign_pk = ?, enrolled_by = ?, enrolled_at = ?, certificate = ?, salt = ?,
              kdf_ops = ?, kdf_mem = ?, sealed_secrets = ?, client_id = ? WHERE name = ?
            """, u.roles, u.boxPublicKey, u.signPublicKey, u.enrolledBy, u.enrolledAt, u.certificate,
                 u.salt, u.kdfOps, u.kdfMem, u.sealedSecrets, u.clientID, u.name)
    }

    func insertUserHistory(_ u: UserRow, generation: Int, replacedAt: Int64) throws {
        try exec("""
            INSERT INTO user_history (name, generation, roles, box_pk, sign_pk, enrolled_by, enrolled_at, certificate, client_id, replaced_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, u.name, generation, u.roles, u.boxPublicKey, u.signPublicKey, u.enrolledBy, u.enrolledAt,
                 u.certificate, u.clientID, replacedAt)
    }

    func userHistory(name: String) throws -> [UserRow] {
        try rows("SELECT * FROM user_history WHERE name = ? ORDER BY generation DESC", name).map { r in
            UserRow(stored: try r.text("name"), roles: try r.text("roles"), boxPublicKey: try r.bytes("box_pk"), signPublicKey: try r.bytes("sign_pk"),
                    enrolledBy: try r.text("enrolled_by"), enrolledAt: try r.int("enrolled_at"), certificate: try r.bytes("certificate"),
                    salt: [], kdfOps: 0, kdfMem: 0, sealedSecrets: [], clientID: try r.text("client_id"))
        }
    }

    func wrapRow(_ r: PGRow) throws -> KeyWrapRow {
        KeyWrapRow(stored: try r.int("key_id"), recipient: try r.text("recipient"), wrapped: try r.bytes("wrapped"))
    }

    func wraps(recipient: String) throws -> [KeyWrapRow] {
        try rows("SELECT * FROM key_wraps WHERE recipient = ? ORDER BY key_id", recipient).map(wrapRow)
    }

    func wraps(keyID: Int64) throws -> [KeyWrapRow] {
        try rows("SELECT * FROM key_wraps WHERE key_id = ? ORDER BY recipient", keyID).map(wrapRow)
    }

    func updateUserSecrets(name: String, salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8]) throws {
        try exec("UPDATE users SET salt = ?, kdf_ops = ?, kdf_mem = ?, sealed_secrets = ? WHERE name = ?", salt, kdfOps, kdfMem, sealedSecrets, name)
    }

    // MARK: clients and care teams

    private func clientRow(_ r: PGRow) throws -> ClientRow {
        ClientRow(stored: try r.text("id"), createdAt: try r.int("created_at"), createdBy: try r.text("created_by"), status: try r.text("status"),
                  chartHash: try r.bytes("chart_hash"))
    }

    func client(id: String) throws -> ClientRow? {
        try one("SELECT * FROM clients WHERE id = ?", id).map(clientRow)
    }

    func clients() throws -> [ClientRow] {
        try rows("SELECT * FROM clients ORDER BY created_at, id").map(clientRow)
    }

    func insertClient(_ c: ClientRow) throws {
        try exec("INSERT INTO clients (id, created_at, created_by, status, chart_hash) VALUES (?, ?, ?, ?, ?)",
                 c.id, c.createdAt, c.createdBy, c.status, c.chartHash)
    }

    func clients(chartHash: [UInt8]) throws -> [ClientRow] {
        try rows("SELECT * FROM clients WHERE chart_hash = ? ORDER BY id", chartHash).map(clientRow)
    }

    private func careRow(_ r: PGRow) throws -> CareTeamRow {
        CareTeamRow(stored: try r.text("client_id"), user: try r.text("user"), grantedBy: try r.text("granted_by"), grantedAt: try r.int("granted_at"),
                    state: try r.text("state"), signature: try r.bytes("signature"))
    }

    func careTeam(clientID: String) throws -> [CareTeamRow] {
        try rows(#"SELECT * FROM care_team WHERE client_id = ? ORDER BY "user""#, clientID).map(careRow)
    }

    func careTeams(user: String) throws -> [CareTeamRow] {
        try rows(#"SELECT * FROM care_team WHERE "user" = ? ORDER BY client_id"#, user).map(careRow)
    }

    func upsertCareTeam(_ c: CareTeamRow) throws {
        try exec("""
            INSERT INTO care_team (client_id, "user", granted_by, granted_at, state, signature) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (client_id, "user") DO UPDATE SET granted_by = excluded.granted_by,
              granted_at = excluded.granted_at, state = excluded.state, signature = excluded.signature
            """, c.clientID, c.user, c.grantedBy, c.grantedAt, c.state, c.signature)
    }

    func deleteCareTeam(clientID: String, user: String) throws {
        try exec(#"DELETE FROM care_team WHERE client_id = ? AND "user" = ?"#, clientID, user)
    }
}
