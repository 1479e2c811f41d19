import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// The role matrix of SPEC §1, enforced in VaultCore (no CLI involved).
@Suite("session policy")
struct SessionPolicyTests {
    final class Practice {
        let dir: TempDir
        let vault: Vault
        let admin: Session, rivera: Session, chen: Session, morgan: Session

        init() throws {
            dir = try TempDir()
            let path = dir.file("v")
            let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
            _ = try Vault.create(path: path, practice: "P", admin: "admin", roles: [.admin], passphrase: pass, kdf: .interactive,
                                 recoveryOut: dir.file("rk"))
            vault = try Vault.open(path: path)
            admin = try vault.unlock(user: "admin", passphrase: pass)
            for (n, r) in [("rivera", Role.therapist), ("chen", .therapist), ("morgan", .compliance)] {
                _ = try admin.addEnrolledUser(name: n, roles: [r], passphrase: "passphrase-\(n)")
            }
            let v = vault
            func s(_ n: String) throws -> Session { try v.unlock(user: n, passphrase: try SecretBytes(copying: Array("passphrase-\(n)".utf8))) }
            rivera = try s("rivera"); chen = try s("chen"); morgan = try s("morgan")
        }
    }

    func kind(_ body: () throws -> Void) -> VaultError.Kind? {
        do { try body(); return nil } catch let e as VaultError { return e.kind } catch { return .internal }
    }

    @Test("who may do what")
    func roleMatrix() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        let note = try p.rivera.addNote(clientID: c.id, kind: .progress, content: Array("x".utf8))
        #expect(kind { _ = try p.morgan.addClient(profile: ClientProfile(name: "N")) } == .notPermitted)
        #expect(kind { _ = try p.admin.addClient(profile: ClientProfile(name: "N")) } == .notPermitted)
        #expect(kind { _ = try p.rivera.addEnrolledUser(name: "x", roles: [.admin], passphrase: "12345678") } == .notPermitted)
        #expect(kind { _ = try p.morgan.openNote(id: note.id, purpose: .operations) } == .notPermitted)
        #expect(kind { _ = try p.chen.openNote(id: note.id, purpose: .treat) } == .notPermitted)
        #expect(kind { _ = try p.chen.listNotes(clientID: c.id) } == .notPermitted)
        #expect(kind { _ = try p.chen.grant(clientID: c.id, to: "chen") } == .notPermitted)
        #expect(kind { _ = try p.rivera.openNote(id: "nothing", purpose: .treat) } == .notFound)
        #expect(try p.rivera.openNote(id: note.id, purpose: .treat).text == "x")
        #expect(kind { _ = try p.rivera.revoke(clientID: c.id, from: "rivera") } == .usage)
    }

    @Test("the audit key reaches compliance users and seals reasons only they can read")
    func auditKey() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        let note = try p.rivera.addNote(clientID: c.id, kind: .progress, content: Array("x".utf8))
        _ = try p.rivera.openNote(id: note.id, purpose: .treat, reason: "preparing the session")
        let last = try #require(try p.vault.store.read { try $0.lastLog() })
        #expect(!last.sealedReason.isEmpty)
        // The enrolling admin is not compliance and held no recovery key, so morgan's wrap waits
        // for a compliance user who holds the audit key (none yet): the reason stays sealed.
        let audit = try #require(try p.vault.store.read { try $0.dataKey(id: p.vault.meta.auditKeyID) })
        #expect(try p.vault.store.read { try $0.wrap(keyID: audit.id, recipient: "user:morgan") } == nil)
        try p.admin.useRecoveryKey(path: p.dir.file("rk"))
        let secret = try p.vault.store.read { try p.admin.unwrap($0, audit) }
        let pair = try X25519KeyPair(secretKey: secret)
        #expect(String(decoding: try SealedBox.open(last.sealedReason, keyPair: pair), as: UTF8.self) == "preparing the session")
        #expect(throws: CryptoError.authenticationFailed) { try SealedBox.open(last.sealedReason, keyPair: p.rivera.identity.box) }
    }

    @Test("a batch of notes is stored in one transaction, each with its own access entry")
    func batchNotes() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        let before = try p.vault.store.read { try $0.logCount() }
        let notes = try p.rivera.addNotes(clientID: c.id, contents: [Array("a".utf8), Array("bb".utf8), Array("ccc".utf8)])
        #expect(notes.map(\.bytes) == [1, 2, 3])
        #expect(try notes.map { try p.rivera.openNote(id: $0.id, purpose: .treat).text } == ["a", "bb", "ccc"])
        // 3 note.add entries + the batch entry, then 3 opens.
        #expect(try p.vault.store.read { try $0.logCount() } == before + 4 + 3)
        #expect(throws: VaultError(.notPermitted, "user 'chen' is not on the care team of client \(c.id); a care-team therapist or an admin can grant access")) {
            try p.chen.addNotes(clientID: c.id, contents: [Array("x".utf8)])
        }
        #expect(throws: VaultError(.usage, "every note must have content")) { try p.rivera.addNotes(clientID: c.id, contents: [[]]) }
    }

    @Test("revoke by a care-team member wraps a new version to the remaining team only, re-encrypts under it and destroys the old one")
    func revokeRotates() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        _ = try p.rivera.grant(clientID: c.id, to: "chen")
        let r = try p.rivera.revoke(clientID: c.id, from: "chen")
        #expect(r.keyVersion == 2)
        #expect(r.reEncryption == .done && r.recordsReEncrypted == 1)
        let keys = try p.vault.store.read { try $0.dataKeys(clientID: c.id) }
        #expect(keys.map(\.version) == [1, 2])
        #expect(keys.map(\.state) == ["destroyed", "current"])
        for k in keys {
            #expect(try p.vault.store.read { try $0.wrap(keyID: k.id, recipient: "user:chen") } == nil)
            let live = k.state == "current"
            #expect(try p.vault.store.read { try $0.wrap(keyID: k.id, recipient: "user:rivera") != nil } == live)
            #expect(try p.vault.store.read { try $0.wrap(keyID: k.id, recipient: "recovery") != nil } == live)
        }
    }
}
