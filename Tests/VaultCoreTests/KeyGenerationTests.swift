import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// A retired key signs nothing new: after `key rotate --self`, an entry signed by the old
/// generation is accepted only where the log places it before the rotation.
@Suite("key generations")
struct KeyGenerationTests {
    /// A new vault with one admin (also compliance), unlocked; the folder is kept alive by the caller.
    static func adminVault() throws -> (TempDir, String, SecretBytes, Session) {
        let dir = try TempDir()
        let path = dir.file("v")
        let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
        _ = try Vault.create(path: path, practice: "P", admin: "admin", roles: [.admin, .compliance], passphrase: pass,
                             kdf: .interactive, recoveryOut: dir.file("rk"))
        return (dir, path, pass, try Vault.open(path: path).unlock(user: "admin", passphrase: pass))
    }

    @Test("an entry signed with a key retired by key rotate --self is refused (65) at open and by log verify")
    func retiredKeySignsNothing() throws {
        let (dir, path, pass, admin) = try Self.adminVault()
        defer { withExtendedLifetime(dir) {} }
        let oldKey = admin.identity.signing  // what a thief of the old key file would hold
        _ = try admin.rotateSelf(passphrase: pass)
        // The same session goes on with the new generation; the log verifies.
        _ = try admin.settings()
        #expect(try admin.verifyLog().size > 0)

        // The thief appends an entry signed with the retired key, chained and carrying the root.
        try VaultFile.withDatabase(path) { db in
            let last = try #require(try Row.fetchOne(db, sql: "SELECT * FROM access_log ORDER BY seq DESC LIMIT 1"))
            var e = try AccessEntry.decode([UInt8](last["entry"] as Data))
            let prevLeaf = [UInt8](last["leaf_hash"] as Data)
            e.seq += 1
            e.action = "settings.show"
            e.prevHash = prevLeaf
            e.state = []
            let bytes = e.canonicalBytes()
            try db.execute(sql: """
                INSERT INTO access_log (seq, time, actor, roles, action, client_id, record_id, purpose, sealed_reason, outcome, detail, flags,
                  entry, leaf_hash, signer, signature) VALUES (?, ?, 'admin', ?, ?, '', '', ?, X'', 'success', ?, ?, ?, ?, 'admin', ?)
                """, arguments: [e.seq, e.time, e.roles, e.action, e.purpose, e.detail, e.flags, Data(bytes),
                                 Data(AccessEntry.leafHash(bytes)), Data(oldKey.sign(bytes))])
        }
        #expect(throws: VaultError.self) { _ = try Vault.open(path: path) }
        do { _ = try Vault.open(path: path) } catch let e as VaultError {
            #expect(e.kind == .badData)
            #expect(e.message.contains("does not verify under the current key of 'admin'"))
        }
        do { _ = try Vault.diagnose(path: path); Issue.record("log verify passed") } catch let e as VaultError {
            #expect(e.kind == .badData)
            #expect(e.message.contains("is signed by a key of 'admin' that an earlier rotation retired"), "\(e.message)")
        }
    }

    @Test("after an admin's key rotate --self, its exceptions, the certificates it enrolled and the settings are signed by the new key")
    func rotationResigns() throws {
        let (dir, path, pass, admin) = try Self.adminVault()
        defer { withExtendedLifetime(dir) {} }
        _ = try admin.addException(code: "state-duty", meaning: "A duty under state law", basis: "State code 1", kind: .required)
        _ = try admin.addUser(name: "rivera", roles: [.therapist])  // pending: certified by the admin
        _ = try admin.rotateSelf(passphrase: pass)
        let newKey = admin.identity.signing.publicKey

        let vault = try Vault.open(path: path)
        try vault.store.read { tx in
            let meta = try #require(try tx.meta())
            let e = try #require(try tx.exceptions().first { $0.code == "state-duty" })
            #expect(Ed25519.isValid(signature: e.signature, message: SignedStatements.exception(vaultID: meta.vaultID, e), publicKey: newKey))
            let rivera = try #require(try tx.user(named: "rivera"))
            #expect(Ed25519.isValid(signature: rivera.certificate, message: UserCertificate(vaultID: meta.vaultID, row: rivera).bytes(), publicKey: newKey))
        }
        let again = try vault.unlock(user: "admin", passphrase: pass)
        #expect(try again.listExceptions().map(\.code).contains("state-duty"))
        #expect(try again.listUsers().map(\.name).sorted() == ["admin", "rivera"])
        #expect(try again.verifyLog().size > 0)
    }

    @Test("a retired key counts only for statements dated before its retirement")
    func retiredKeyDates() throws {
        let (dir, path, pass, admin) = try Self.adminVault()
        defer { withExtendedLifetime(dir) {} }
        _ = try admin.addUser(name: "rivera", roles: [.therapist])  // pending: certified by the admin
        let oldKey = admin.identity.signing
        _ = try admin.rotateSelf(passphrase: pass)
        let newKey = admin.identity.signing

        try Vault.open(path: path).store.read { tx in
            let meta = try #require(try tx.meta())
            let rotatedAt = try #require(try tx.user(named: "admin")).enrolledAt
            #expect(try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: "admin", at: rotatedAt - 1) == [newKey.publicKey, oldKey.publicKey])
            #expect(try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: "admin", at: rotatedAt) == [newKey.publicKey])

            // A thief of the old key certifies a user dated after the rotation: refused.
            var forged = try #require(try tx.user(named: "rivera"))
            forged.enrolledAt = rotatedAt + 1
            forged.certificate = oldKey.sign(UserCertificate(vaultID: meta.vaultID, row: forged).bytes())
            let lookup: (String) throws -> UserRow? = { try tx.user(named: $0) }
            let history: (String) throws -> [UserRow] = { try tx.userHistory(name: $0) }
            #expect(throws: VaultError.self) { try UserCertificate.verifyChain(of: forged, meta: meta, lookup: lookup, history: history) }
            // Dated before the rotation, the old key's certificate still counts.
            forged.enrolledAt = rotatedAt - 1
            forged.certificate = oldKey.sign(UserCertificate(vaultID: meta.vaultID, row: forged).bytes())
            try UserCertificate.verifyChain(of: forged, meta: meta, lookup: lookup, history: history)
        }
    }
}
