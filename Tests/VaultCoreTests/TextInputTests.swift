import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// The input rule every front end shares: no control characters in names and texts (SPEC §4),
/// refused in VaultCore before anything is logged.
@Suite("text input")
struct TextInputTests {
    @Test("C0, DEL and C1 are controls; their neighbours are not", arguments: [
        (0x00, true), (0x09, true), (0x0A, true), (0x1B, true), (0x1F, true), (0x20, false), (0x7E, false),
        (0x7F, true), (0x80, true), (0x9B, true), (0x9F, true), (0xA0, false), (0x2028, false),
    ])
    func classes(_ value: Int, _ control: Bool) throws {
        let scalar = try #require(Unicode.Scalar(UInt32(value)))
        #expect(TextInput.isControl(scalar) == control)
    }

    @Test("the refusal names the field and the code point", arguments: [
        ("Ann\u{1b}[31m", "U+001B"), ("\u{9b}2J", "U+009B"), ("a\u{7f}", "U+007F"), ("two\nlines", "U+000A"), ("\t", "U+0009"),
    ])
    func refusal(_ value: String, _ codePoint: String) {
        #expect(throws: VaultError(.usage, "--name contains the control character \(codePoint); names and texts may not hold control characters (U+0000-U+001F, U+007F-U+009F)")) {
            try TextInput.validate(value, field: "--name")
        }
    }

    @Test("ordinary text and nil pass")
    func passes() throws {
        for v in ["Zoë O'Neil-Ångström", "日本語", "", " ", "a\\x1b", "\u{a0}"] { try TextInput.validate(v, field: "--name") }
        try TextInput.validate(nil, field: "--reason")
        try UserName.validate("dr.rivera_2")
    }

    @Test("a user name with a control character is refused without repeating it")
    func userName() {
        #expect(throws: VaultError(.usage, "the user name contains the control character U+001B; names and texts may not hold control characters (U+0000-U+001F, U+007F-U+009F)")) {
            try UserName.validate("admin\u{1b}[2J")
        }
    }

    final class Practice {
        let dir: TempDir
        let vault: Vault
        let admin: Session, rivera: Session

        init() throws {
            dir = try TempDir()
            let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
            _ = try Vault.create(path: dir.file("v"), practice: "P", admin: "admin", roles: [.admin], passphrase: pass, kdf: .interactive,
                                 recoveryOut: dir.file("rk"))
            vault = try Vault.open(path: dir.file("v"))
            admin = try vault.unlock(user: "admin", passphrase: pass)
            for n in ["rivera", "chen"] {
                _ = try admin.addEnrolledUser(name: n, roles: [.therapist], passphrase: "passphrase-\(n)")
            }
            rivera = try vault.unlock(user: "rivera", passphrase: try SecretBytes(copying: Array("passphrase-rivera".utf8)))
        }

        var logSize: Int64 { get throws { try vault.store.read { try $0.lastLog()?.seq ?? 0 } } }
    }

    func kind(_ body: () throws -> Void) -> VaultError.Kind? {
        do { try body(); return nil } catch let e as VaultError { return e.kind } catch { return .internal }
    }

    @Test("Session and Vault refuse control characters with 64 and log nothing")
    func sessionRefusesBeforeLogging() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        let note = try p.rivera.addNote(clientID: c.id, kind: .progress, content: Array("x".utf8))
        let before = try p.logSize
        let pass = try SecretBytes(copying: Array("passphrase-rivera".utf8))
        #expect(kind { _ = try p.vault.unlock(user: "rivera\u{1b}[31m", passphrase: pass) } == .usage)
        #expect(kind { _ = try p.vault.unlock(user: "\u{9b}2J", passphrase: pass) } == .usage)
        #expect(kind { _ = try p.rivera.addClient(profile: ClientProfile(name: "N\u{7f}")) } == .usage)
        #expect(kind { _ = try p.rivera.addClient(profile: ClientProfile(name: "N", contact: "\u{1b}]0;x\u{7}")) } == .usage)
        #expect(kind { _ = try p.rivera.openNote(id: note.id, purpose: .treat, reason: "why\u{1b}[2J") } == .usage)
        #expect(kind { _ = try p.rivera.openNote(id: note.id + "\u{9b}", purpose: .treat) } == .usage)
        #expect(kind { _ = try p.rivera.grant(clientID: c.id, to: "chen\u{7f}") } == .usage)
        #expect(kind { _ = try p.rivera.listNotes(clientID: c.id + "\u{1b}") } == .usage)
        #expect(kind {
            _ = try p.rivera.disclose(DisclosureRequest(clientID: c.id, recipientName: "Court", recipientAddress: "1 Main St\u{85}",
                                                        recordIDs: [note.id], basis: "legal-order", purpose: "order"))
        } == .usage)
        #expect(try p.logSize == before)
        #expect(kind {
            _ = try Vault.create(path: p.dir.file("w"), practice: "P\u{1b}", admin: "a", roles: [.admin], passphrase: pass,
                                 kdf: .interactive, recoveryOut: p.dir.file("wk"))
        } == .usage)
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("w")))
    }

    @Test("revoke says whether the re-encryption ran or waits for a key holder")
    func revokeResult() throws {
        let p = try Practice()
        let c = try p.rivera.addClient(profile: ClientProfile(name: "N"))
        _ = try p.rivera.addNote(clientID: c.id, kind: .progress, content: Array("x".utf8))
        _ = try p.rivera.grant(clientID: c.id, to: "chen")
        let byAdmin = try p.admin.revoke(clientID: c.id, from: "chen")
        #expect(byAdmin == CareTeamChange(clientID: c.id, user: "chen", state: "revoked", keyVersion: 2, reEncryption: .pending))
        let waiting = try p.admin.resumeRotations()
        #expect(waiting == RotationSummary(clients: 0, keysRotated: 0, recordsReEncrypted: 0, jobsResumed: 0, jobsWaiting: 1))
        let done = try p.rivera.resumeRotations()
        #expect(done == RotationSummary(clients: 0, keysRotated: 0, recordsReEncrypted: 2, jobsResumed: 1, jobsWaiting: 0))
        _ = try p.rivera.grant(clientID: c.id, to: "chen")
        let byTeam = try p.rivera.revoke(clientID: c.id, from: "chen")
        #expect(byTeam == CareTeamChange(clientID: c.id, user: "chen", state: "revoked", keyVersion: 3, reEncryption: .done, recordsReEncrypted: 2))
    }
}
