import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

// Key lifecycle end to end: revocation, key status, backup and restore, crypto-shredding,
// recovery-key rotation, self rotation and user reset, through the real binary. Where the
// claim is about key material (a revoked user's old keys), the test also works in-process
// with `@testable import VaultCore`, playing the revoked user who kept everything it held.

// MARK: helpers (file-private)

/// `CONFIDANT_TEST_NOW` for `date`.
func klAt(_ date: Date) -> [String: String] { ["CONFIDANT_TEST_NOW": ISO8601DateFormatter().string(from: date)] }

func klArray(_ r: CLIResult) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

func klObject(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

func klMode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

func klBytes<C: Collection>(_ c: C) -> [UInt8] where C.Element == UInt8 { Array(c) }

/// True when `needle` occurs anywhere in `haystack`.
func klContains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
    haystack.range(of: Data(needle)) != nil
}

let klRelationship = """
{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02",
 "clientCommitments": ["attend weekly individual sessions", "attend group skills training",
                       "practise skills between sessions"],
 "therapistCommitments": ["provide a supportive, non-judgmental environment"],
 "treatmentGoals": ["reduce emotional dysregulation"]}
"""

extension TestPractice {
    /// Runs a command as `user` against another vault file (a backup) or with another passphrase file.
    func klRun(_ user: String, _ args: [String], vault other: String? = nil, passphraseFile: String? = nil,
               stdin: Data? = nil, env: [String: String] = [:]) throws -> CLIResult {
        // A copy of the vault (a backup) is opened as another machine would: this machine has
        // seen the live vault's longer log and refuses the copy as a rollback.
        var env = env
        if other != nil, env["XDG_STATE_HOME"] == nil { env["XDG_STATE_HOME"] = dir.file("other-machine-state") }
        return try CLI.run(args + ["--vault", other ?? vault, "--as", user, "--passphrase-file", passphraseFile ?? dir.file("pass-\(user)")],
                           cwd: dir.path, stdin: stdin, env: env)
    }

    /// `note open ID --purpose TREAT --json` as `user`; the note's text when it opened.
    func klOpen(_ note: String, as user: String = "rivera", vault other: String? = nil, passphraseFile: String? = nil,
                env: [String: String] = [:]) throws -> (Int32, String?) {
        let r = try klRun(user, ["--json", "note", "open", note, "--purpose", "TREAT"], vault: other, passphraseFile: passphraseFile, env: env)
        return (r.exitCode, r.exitCode == 0 ? klObject(r)["text"] as? String : nil)
    }

    /// `key status --json [--client C]` as `user`, decoded.
    func klStatus(_ user: String, client: String? = nil, env: [String: String] = [:]) throws -> (Int32, [ClientKeyStatus]) {
        let r = try run(user, ["--json", "key", "status"] + (client.map { ["--client", $0] } ?? []), env: env)
        guard r.exitCode == 0 else { return (r.exitCode, []) }
        return (r.exitCode, try JSONDecoder().decode([ClientKeyStatus].self, from: r.stdoutData))
    }

    /// One scope of one client's key status: `care`, or `psy:AUTHOR`.
    func klScope(_ user: String, client: String, _ scope: String, env: [String: String] = [:]) throws -> KeyScopeStatus? {
        let (code, list) = try klStatus(user, client: client, env: env)
        guard code == 0 else { throw TestFailure("key status --client \(client) as \(user) exited \(code)") }
        return list.first { $0.client == client }?.scopes.first { s in (s.scope + (s.owner.map { ":" + $0 } ?? "")) == scope }
    }

    func klVerify(_ vault: String? = nil, env: [String: String] = [:]) throws -> CLIResult {
        try klRun("admin", ["log", "verify"], vault: vault, env: env)
    }

    /// What a refused command must leave alone: the vault id, every record and wrap, the users,
    /// and the log (as rows).
    func klSnapshot() throws -> (vaultID: [UInt8], records: [String], wraps: [String], users: [String], log: [String]) {
        let v = vault
        func hex(_ c: String) -> String { VaultFile.hex(c, v) }
        let idHex = try VaultFile.string(v, "SELECT \(hex("vault_id")) FROM vault") ?? ""
        let id: [UInt8] = stride(from: 0, to: idHex.count - 1, by: 2).compactMap {
            UInt8(idHex.dropFirst($0).prefix(2), radix: 16)
        }
        // One text per row, the columns joined with "|" by the database itself.
        let records = try VaultFile.strings(v, "SELECT id || '|' || key_version || '|' || \(hex("ciphertext")) FROM records ORDER BY id")
        let wraps = try VaultFile.strings(v, "SELECT key_id || '|' || recipient || '|' || \(hex("wrapped")) FROM key_wraps ORDER BY key_id, recipient")
        let users = try VaultFile.strings(v, "SELECT name || '|' || \(hex("box_pk")) || '|' || \(hex("sign_pk")) FROM users ORDER BY name")
        let log = try VaultFile.strings(v, """
            SELECT seq || '|' || action || '|' || actor || '|' || outcome || '|' || \(hex("leaf_hash")) FROM access_log ORDER BY seq
            """)
        return (id, records, wraps, users, log)
    }
}

/// Everything a user held, copied out of its session while it was still on the care team.
struct KeptKeyMaterial {
    /// Every key of the client this user could unwrap: (key id, scope, version, secret bytes).
    var dataKeys: [(id: Int64, scope: KeyScope, version: Int, secret: [UInt8])] = []
    /// Vault-level keys (audit, log, break-glass) this user could unwrap: (key id, scope, secret).
    var vaultKeys: [(id: Int64, scope: KeyScope, secret: [UInt8])] = []
    var boxPublicKey: [UInt8] = []
    var boxSecretKey: [UInt8] = []
}

/// The issue's revocation scenario: rivera's client with two notes, chen granted and opening one,
/// chen's key material captured in-process, then chen revoked and a new note written.
struct RevocationScenario {
    let p: TestPractice
    let client: String
    let oldNotes: [(id: String, text: String)]
    let newNote: (id: String, text: String)
    let kept: KeptKeyMaterial
    let chenOpenedBefore: (Int32, String?)
    let revokeExit: Int32
    let revokeStderr: String
    /// Whether every kept care secret opened every old note before the revoke.
    let keptOpenedOldBefore: Bool

    init() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Revocation Client")
        self.p = p
        self.client = client
        let t1 = "progress: revocation scenario, session one, grounding skills", t2 = "progress: session two, chain analysis"
        oldNotes = [(try p.addNote(client, t1), t1), (try p.addNote(client, t2), t2)]
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        chenOpenedBefore = try p.klOpen(oldNotes[0].id, as: "chen")

        // Chen, still on the team, copies out every secret it can reach.
        var kept = KeptKeyMaterial()
        do {
            let vault = try TestStore.openVault(p.vault)
            let chen = try vault.unlock(user: "chen", passphrase: try SecretBytes(copying: klBytes("chen passphrase 1".utf8)))
            try vault.store.read { tx in
                for key in try tx.dataKeys(clientID: client) {
                    guard let secret = try? chen.unwrap(tx, key) else { continue }
                    kept.dataKeys.append((key.id, key.scope, key.version, secret.withUnsafeBytes { klBytes($0) }))
                }
                for id in [vault.meta.auditKeyID, vault.meta.logKeyID] {
                    guard let key = try tx.dataKey(id: id), let secret = try? chen.unwrap(tx, key) else { continue }
                    kept.vaultKeys.append((key.id, key.scope, secret.withUnsafeBytes { klBytes($0) }))
                }
            }
            kept.boxPublicKey = chen.identity.box.publicKey
            kept.boxSecretKey = chen.identity.box.secretKey.withUnsafeBytes { klBytes($0) }
        }
        self.kept = kept
        var opened = !kept.dataKeys.isEmpty
        for n in oldNotes { for k in kept.dataKeys { opened = try opened && Self.opens(p.vault, n.id, withDataKey: k.secret) } }
        keptOpenedOldBefore = opened

        let revoke = try p.run("rivera", ["careteam", "revoke", client, "chen"])
        revokeExit = revoke.exitCode
        revokeStderr = revoke.stderr
        let t3 = "progress: written after chen left the care team; new safety plan"
        newNote = (try p.addNote(client, t3), t3)
    }

    /// Opens `recordID`'s current ciphertext with a data-key secret, as an attacker with the
    /// vault file and that secret would (AEAD with the record's own associated data).
    func opens(_ recordID: String, withDataKey secret: [UInt8]) throws -> Bool {
        try Self.opens(p.vault, recordID, withDataKey: secret)
    }

    static func opens(_ path: String, _ recordID: String, withDataKey secret: [UInt8]) throws -> Bool {
        let vault = try TestStore.openVault(path)
        return try vault.store.read { tx in
            guard let rec = try tx.record(id: recordID) else { throw TestFailure("no record \(recordID)") }
            let ad = AssociatedData.forRecord(vaultID: vault.meta.vaultID, row: rec)
            return (try? XChaCha20Poly1305.open(rec.ciphertext, key: try SecretBytes(copying: secret), associatedData: ad)) != nil
        }
    }
}
