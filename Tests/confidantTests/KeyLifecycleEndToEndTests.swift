import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
#if canImport(Glibc)
import Glibc
#endif

// Key lifecycle end to end: revocation, key status, backup and restore, crypto-shredding,
// recovery-key rotation, self rotation and user reset, through the real binary. Where the
// claim is about key material (a revoked user's old keys), the test also works in-process
// with `@testable import VaultCore`, playing the revoked user who kept everything it held.

// MARK: helpers (file-private)

/// `CONFIDANT_TEST_NOW` for `date`.
fileprivate func klAt(_ date: Date) -> [String: String] { ["CONFIDANT_TEST_NOW": ISO8601DateFormatter().string(from: date)] }

fileprivate func klArray(_ r: CLIResult) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

fileprivate func klObject(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

fileprivate func klMode(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

fileprivate func klBytes<C: Collection>(_ c: C) -> [UInt8] where C.Element == UInt8 { Array(c) }

/// True when `needle` occurs anywhere in `haystack`.
fileprivate func klContains(_ haystack: Data, _ needle: [UInt8]) -> Bool {
    haystack.range(of: Data(needle)) != nil
}

fileprivate let klRelationship = """
{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02",
 "clientCommitments": ["attend weekly individual sessions", "attend group skills training",
                       "practise skills between sessions"],
 "therapistCommitments": ["provide a supportive, non-judgmental environment"],
 "treatmentGoals": ["reduce emotional dysregulation"]}
"""

fileprivate extension TestPractice {
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
        try VaultFile.withDatabase(vault) { db in
            let id: [UInt8] = klBytes(try Data.fetchOne(db, sql: "SELECT vault_id FROM vault") ?? Data())
            let records = try Row.fetchAll(db, sql: "SELECT id, key_version, hex(ciphertext) AS c FROM records ORDER BY id").map {
                "\($0["id"] as String? ?? "")|\($0["key_version"] as Int? ?? -1)|\($0["c"] as String? ?? "")"
            }
            let wraps = try Row.fetchAll(db, sql: "SELECT key_id, recipient, hex(wrapped) AS w FROM key_wraps ORDER BY key_id, recipient").map {
                "\($0["key_id"] as Int64? ?? -1)|\($0["recipient"] as String? ?? "")|\($0["w"] as String? ?? "")"
            }
            let users = try Row.fetchAll(db, sql: "SELECT name, hex(box_pk) AS b, hex(sign_pk) AS s FROM users ORDER BY name").map {
                "\($0["name"] as String? ?? "")|\($0["b"] as String? ?? "")|\($0["s"] as String? ?? "")"
            }
            let log = try Row.fetchAll(db, sql: "SELECT seq, action, actor, outcome, hex(leaf_hash) AS h FROM access_log ORDER BY seq").map {
                "\($0["seq"] as Int64? ?? -1)|\($0["action"] as String? ?? "")|\($0["actor"] as String? ?? "")|\($0["outcome"] as String? ?? "")|\($0["h"] as String? ?? "")"
            }
            return (id, records, wraps, users, log)
        }
    }
}

/// Everything a user held, copied out of its session while it was still on the care team.
fileprivate struct KeptKeyMaterial {
    /// Every key of the client this user could unwrap: (key id, scope, version, secret bytes).
    var dataKeys: [(id: Int64, scope: KeyScope, version: Int, secret: [UInt8])] = []
    /// Vault-level keys (audit, log, break-glass) this user could unwrap: (key id, scope, secret).
    var vaultKeys: [(id: Int64, scope: KeyScope, secret: [UInt8])] = []
    var boxPublicKey: [UInt8] = []
    var boxSecretKey: [UInt8] = []
}

/// The issue's revocation scenario: rivera's client with two notes, chen granted and opening one,
/// chen's key material captured in-process, then chen revoked and a new note written.
fileprivate struct RevocationScenario {
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
            let vault = try Vault.open(path: p.vault)
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
        let vault = try Vault.open(path: path)
        return try vault.store.read { tx in
            guard let rec = try tx.record(id: recordID) else { throw TestFailure("no record \(recordID)") }
            let ad = AssociatedData.forRecord(vaultID: vault.meta.vaultID, row: rec)
            return (try? XChaCha20Poly1305.open(rec.ciphertext, key: try SecretBytes(copying: secret), associatedData: ad)) != nil
        }
    }
}

// MARK: 1. revocation

@Suite("key lifecycle: revocation")
struct KeyLifecycleRevocationTests {
    @Test("a revoked user's kept data keys and box key open nothing written after the revoke, and old notes were re-encrypted away from them")
    func revokedUserKeepsNothingUseful() throws {
        let s = try RevocationScenario()
        #expect(s.chenOpenedBefore.0 == 0)
        #expect(s.chenOpenedBefore.1 == s.oldNotes[0].text)
        // Before the revoke chen held exactly the care key, version 1.
        #expect(s.kept.dataKeys.map(\.scope) == [.care])
        #expect(s.kept.dataKeys.map(\.version) == [1])
        #expect(s.kept.dataKeys.allSatisfy { $0.secret.count == 32 })
        #expect(s.kept.boxSecretKey.count == 32)
        // Sanity: the kept secret really opened the old notes while they were under version 1.
        #expect(s.keptOpenedOldBefore)
        #expect(s.revokeExit == 0, "\(s.revokeStderr)")

        // Through the CLI: chen is refused the new note and the old ones.
        #expect(try s.p.klOpen(s.newNote.id, as: "chen").0 == 77)
        #expect(try s.p.klOpen(s.oldNotes[0].id, as: "chen").0 == 77)
        // Rivera still reads everything.
        #expect(try s.p.klOpen(s.newNote.id).1 == s.newNote.text)
        for n in s.oldNotes { #expect(try s.p.klOpen(n.id).1 == n.text) }

        // With the kept material, offline.
        let vault = try Vault.open(path: s.p.vault)
        let chenOld = try X25519KeyPair(publicKey: s.kept.boxPublicKey, secretKey: try SecretBytes(copying: s.kept.boxSecretKey))
        let (newKey, newWraps, chenWraps, clientKeyIDs): (DataKeyRow, [KeyWrapRow], [KeyWrapRow], Set<Int64>) = try vault.store.read { tx in
            guard let rec = try tx.record(id: s.newNote.id), let key = try tx.dataKey(id: rec.keyID) else {
                throw TestFailure("new note \(s.newNote.id) or its key is missing")
            }
            let ids = Set(try tx.dataKeys(clientID: s.client).map(\.id))
            return (key, try tx.wraps(keyID: key.id), try tx.wraps(recipient: "user:chen"), ids)
        }
        #expect(newKey.scope == .care)
        #expect(newKey.version == 2)
        #expect(!s.kept.dataKeys.contains { $0.id == newKey.id })
        // No wrap of the new version (nor of any key of this client) is addressed to chen …
        #expect(!newWraps.contains { $0.recipient == "user:chen" })
        #expect(chenWraps.filter { clientKeyIDs.contains($0.keyID) }.isEmpty)
        // No break-glass wrap either: chen is recorded as revoked from this client.
        #expect(Set(newWraps.map(\.recipient)) == ["recovery", "user:rivera"])
        // … and none of its wraps opens with chen's old box key.
        for w in newWraps {
            #expect((try? SealedBox.openSecret(w.wrapped, keyPair: chenOld)) == nil, "wrap to \(w.recipient) opened with chen's old key")
        }
        // No kept data-key secret decrypts the new note.
        for k in s.kept.dataKeys {
            #expect(try !s.opens(s.newNote.id, withDataKey: k.secret), "kept key v\(k.version) opened the new note")
        }

        // The old notes were re-encrypted under the new version and version 1 destroyed …
        let care = try #require(try s.p.klScope("rivera", client: s.client, "care"))
        #expect(care.currentVersion == 2)
        #expect(care.pendingReEncryption == 0)
        #expect(care.destroyedVersions.contains(1))
        #expect(care.recordsByVersion == ["2": 4])  // profile, two old notes, the new note
        // … so the kept version-1 secret no longer opens them either.
        for n in s.oldNotes {
            for k in s.kept.dataKeys {
                #expect(try !s.opens(n.id, withDataKey: k.secret), "kept key v\(k.version) still opens old note \(n.id)")
            }
        }
        #expect(try s.p.klVerify().exitCode == 0)
    }

    /// docs/operations.md ("Revocation"): notes written after the revocation cannot be opened
    /// with anything the revoked user ever held — including every vault-level key it could
    /// unwrap. (Break-glass wraps are per therapist, and a revoked therapist gets none of any
    /// later version; an earlier design with one shared break-glass key failed this test.)
    @Test("nothing a revoked therapist ever held (including vault-level keys it could unwrap) opens a note written after the revoke")
    func revokedUserVaultKeysOpenNothingNew() throws {
        let s = try RevocationScenario()
        #expect(s.revokeExit == 0, "\(s.revokeStderr)")
        let vault = try Vault.open(path: s.p.vault)
        // Every X25519 key pair chen could reconstruct from what it kept: its own box key, and
        // every vault-level X25519 key it could unwrap (the break-glass key is wrapped to every
        // therapist).
        var pairs: [(String, X25519KeyPair)] = [("chen box key", try X25519KeyPair(publicKey: s.kept.boxPublicKey,
                                                                                    secretKey: try SecretBytes(copying: s.kept.boxSecretKey)))]
        for k in s.kept.vaultKeys where k.scope == .audit {
            pairs.append(("\(k.scope.rawValue) key", try X25519KeyPair(secretKey: try SecretBytes(copying: k.secret))))
        }
        let wraps = try vault.store.read { tx -> [KeyWrapRow] in
            guard let rec = try tx.record(id: s.newNote.id) else { throw TestFailure("no new note") }
            return try tx.wraps(keyID: rec.keyID)
        }
        var openedBy: [String] = []
        for (name, pair) in pairs {
            for w in wraps {
                guard let secret = try? SealedBox.openSecret(w.wrapped, keyPair: pair) else { continue }
                if try s.opens(s.newNote.id, withDataKey: secret.withUnsafeBytes { klBytes($0) }) {
                    openedBy.append("\(name) via the '\(w.recipient)' wrap")
                }
            }
        }
        #expect(openedBy.isEmpty, "the revoked user's kept material decrypts the new note: \(openedBy)")
    }
}

// MARK: 2. key status

@Suite("key lifecycle: key status")
struct KeyLifecycleStatusTests {
    @Test("key status --json reports versions, record counts, destroyed versions, refusals and overdue keys exactly")
    func statusThroughTheLifecycle() throws {
        let p = try TestPractice(extraUsers: [("lee", "therapist")])
        let a = try p.addClient(name: "Status Client")
        for i in 1...3 { _ = try p.addNote(a, "progress note \(i) for status") }
        let rel = try p.dir.write("rel.json", klRelationship)
        _ = try p.ok("rivera", ["agreement", "add", a, "--kind", "relationship", "--file", rel])
        _ = try p.addNote(a, "psychotherapy: process note, rivera only", kind: "psychotherapy")

        var care = try #require(try p.klScope("rivera", client: a, "care"))
        #expect(care.currentVersion == 1)
        #expect(care.recordsByVersion == ["1": 5])
        #expect(care.pendingReEncryption == 0)
        #expect(care.destroyedVersions == [])
        #expect(care.overdue == false)
        #expect(care.owner == nil)
        var psy = try #require(try p.klScope("rivera", client: a, "psy:rivera"))
        #expect(psy.currentVersion == 1)
        #expect(psy.recordsByVersion == ["1": 1])
        #expect(psy.pendingReEncryption == 0)
        #expect(psy.destroyedVersions == [])
        #expect(try p.klStatus("rivera", client: a).1.first?.scopes.count == 2)

        let rotate = try p.run("rivera", ["--json", "key", "rotate", "--client", a])
        #expect(rotate.exitCode == 0, "\(rotate.stderr)")
        let summary = klObject(rotate)
        #expect(summary["clients"] as? Int == 1)
        #expect(summary["keysRotated"] as? Int == 2)
        #expect(summary["recordsReEncrypted"] as? Int == 6)
        care = try #require(try p.klScope("rivera", client: a, "care"))
        #expect(care.currentVersion == 2)
        #expect(care.recordsByVersion == ["2": 5])
        #expect(care.pendingReEncryption == 0)
        #expect(care.destroyedVersions == [1])
        psy = try #require(try p.klScope("rivera", client: a, "psy:rivera"))
        #expect(psy.currentVersion == 2)
        #expect(psy.recordsByVersion == ["2": 1])
        #expect(psy.destroyedVersions == [1])

        _ = try p.ok("rivera", ["careteam", "grant", a, "chen"])
        _ = try p.ok("rivera", ["careteam", "revoke", a, "chen"])
        care = try #require(try p.klScope("rivera", client: a, "care"))
        #expect(care.currentVersion == 3)
        #expect(care.recordsByVersion == ["3": 5])
        #expect(care.pendingReEncryption == 0)
        #expect(care.destroyedVersions == [1, 2])
        psy = try #require(try p.klScope("rivera", client: a, "psy:rivera"))
        #expect(psy.currentVersion == 2)
        #expect(psy.recordsByVersion == ["2": 1])
        // Therapists not on the team: refused for this client, and it is absent from their full list.
        #expect(try p.klStatus("chen", client: a).0 == 77)
        #expect(try p.klStatus("lee", client: a).0 == 77)
        let leeAll = try p.klStatus("lee")
        #expect(leeAll.0 == 0)
        #expect(leeAll.1.isEmpty)

        // Overdue: limit one day, clock two days on.
        _ = try p.ok("admin", ["settings", "set", "keys.max-age-days", "1"])
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        // Not overdue today (asked first: after the clock moves on, the log's time has too).
        #expect(try p.klScope("rivera", client: a, "care")?.overdue == false)
        let later = klAt(Date().addingTimeInterval(2 * 86_400 + 3_600))
        care = try #require(try p.klScope("rivera", client: a, "care", env: later))
        #expect(care.overdue == true)
        #expect(care.ageDays == 2)
        psy = try #require(try p.klScope("rivera", client: a, "psy:rivera", env: later))
        #expect(psy.overdue == true)
        let review = try p.run("morgan", ["--json", "log", "review"], env: later)
        #expect(review.exitCode == 0, "\(review.stderr)")
        let overdue = klArray(review).filter { $0["rule"] as? String == "key-overdue" }
        #expect(overdue.contains { $0["client"] as? String == a && ($0["id"] as? String ?? "").contains("-care-v3") })
        #expect(overdue.contains { $0["client"] as? String == a && ($0["id"] as? String ?? "").contains("-psy-rivera-v2") })
    }
}

// MARK: 3–4. backup and restore

fileprivate final class KLWriteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(index: Int, exitCode: Int32, exitedAt: Date, id: String, text: String, stderr: String)] = []
    func add(_ item: (index: Int, exitCode: Int32, exitedAt: Date, id: String, text: String, stderr: String)) {
        lock.lock(); defer { lock.unlock() }
        items.append(item)
    }
    var all: [(index: Int, exitCode: Int32, exitedAt: Date, id: String, text: String, stderr: String)] {
        lock.lock(); defer { lock.unlock() }
        return items
    }
}

@Suite("key lifecycle: backup and restore")
struct KeyLifecycleBackupTests {
    @Test("a backup taken while notes are being written opens, verifies, and holds every note committed before it started")
    func backupDuringWrites() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Backup Client")
        let log = KLWriteLog()
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            for i in 0..<20 {
                let text = "progress: note \(i) written during a backup \(UUID().uuidString)"
                guard let r = try? p.run("rivera", ["note", "add", client], stdin: Data(text.utf8)) else {
                    log.add((i, -1, Date(), "", text, "did not run"))
                    continue
                }
                log.add((i, r.exitCode, Date(), r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), text, r.stderr))
            }
            done.signal()
        }
        writer.start()
        // Midway: once a third of the notes are in.
        let deadline = Date().addingTimeInterval(120)
        while log.all.count < 7 && Date() < deadline { usleep(20_000) }
        let backupPath = p.dir.file("during.backup")
        let backupStarted = Date()
        let backup = try p.run("admin", ["backup", "--out", backupPath])
        done.wait()
        let writes = log.all
        #expect(backup.exitCode == 0, "\(backup.stderr)")
        #expect(writes.count == 20)
        #expect(writes.allSatisfy { $0.exitCode == 0 }, "\(writes.filter { $0.exitCode != 0 }.map { "\($0.index): \($0.exitCode) \($0.stderr)" })")
        let before = writes.filter { $0.exitCode == 0 && $0.exitedAt < backupStarted }
        let after = writes.filter { $0.exitCode == 0 && $0.exitedAt >= backupStarted }
        #expect(before.count >= 7)
        #expect(!after.isEmpty, "the backup was not taken while notes were being written")

        #expect(klMode(backupPath) == 0o600)
        #expect(try p.klVerify(backupPath).exitCode == 0)
        let list = try p.klRun("rivera", ["--json", "note", "list", client], vault: backupPath)
        #expect(list.exitCode == 0, "\(list.stderr)")
        let listed = Set(klArray(list).compactMap { $0["id"] as? String })
        for w in before {
            #expect(listed.contains(w.id), "note \(w.index) (\(w.id)) committed before the backup started is missing from it")
            let (code, text) = try p.klOpen(w.id, vault: backupPath)
            #expect(code == 0)
            #expect(text == w.text)
        }
        // Every listed note is one that was written, and the live vault has all 20.
        #expect(listed.isSubset(of: Set(writes.map(\.id))))
        let live = try p.run("rivera", ["--json", "note", "list", client])
        #expect(Set(klArray(live).compactMap { $0["id"] as? String }) == Set(writes.map(\.id)))

        // An existing output path is refused and left as it was; a therapist may not back up.
        let original = FileManager.default.contents(atPath: backupPath)
        let again = try p.run("admin", ["backup", "--out", backupPath])
        #expect(again.exitCode == 73)
        #expect(again.stderr.hasPrefix("confidant: error: "))
        #expect(FileManager.default.contents(atPath: backupPath) == original)
        let therapistPath = p.dir.file("therapist.backup")
        let therapist = try p.run("rivera", ["backup", "--out", therapistPath])
        #expect(therapist.exitCode == 77)
        #expect(!FileManager.default.fileExists(atPath: therapistPath))
        #expect(try p.klVerify().exitCode == 0)
    }

    @Test("restore puts a verified backup of this vault back; another vault's backup (77) and a tampered backup (65) change nothing")
    func restore() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Restore Client")
        let t1 = "progress: before the backup, one", t2 = "progress: before the backup, two"
        let n1 = try p.addNote(client, t1), n2 = try p.addNote(client, t2)
        let backupPath = p.dir.file("restore.backup")
        _ = try p.ok("admin", ["backup", "--out", backupPath])
        let t3 = "progress: after the backup"
        let n3 = try p.addNote(client, t3)
        #expect(try p.klOpen(n3).1 == t3)

        let restored = try p.run("admin", ["restore", backupPath])
        #expect(restored.exitCode == 0, "\(restored.stderr)")
        #expect(try p.klOpen(n3).0 == 66)
        #expect(try p.klOpen(n1).1 == t1)
        #expect(try p.klOpen(n2).1 == t2)
        #expect(try p.klVerify().exitCode == 0)
        #expect(try VaultFile.logRows(p.vault).contains { $0.action == "vault.restore" && $0.outcome == "success" })

        // Another vault's backup.
        let other = try TestPractice()
        let otherClient = try other.addClient(name: "Other Client")
        _ = try other.addNote(otherClient, "progress: another practice")
        let otherBackup = other.dir.file("other.backup")
        _ = try other.ok("admin", ["backup", "--out", otherBackup])
        var before = try p.klSnapshot()
        let foreign = try p.run("admin", ["restore", otherBackup])
        #expect(foreign.exitCode == 77)
        #expect(foreign.stderr.hasPrefix("confidant: error: "))
        var after = try p.klSnapshot()
        #expect(after.vaultID == before.vaultID)
        #expect(after.records == before.records)
        #expect(after.wraps == before.wraps)
        #expect(after.users == before.users)
        #expect(Array(after.log.prefix(before.log.count)) == before.log)
        #expect(after.log.count > before.log.count)
        #expect(after.log.dropFirst(before.log.count).allSatisfy { !$0.contains("|success|") })
        #expect(try p.klOpen(n1).1 == t1)
        #expect(try p.klVerify().exitCode == 0)

        // A backup whose log was edited: one byte of one entry flipped.
        let tampered = p.dir.file("tampered.backup")
        _ = try p.ok("admin", ["backup", "--out", tampered])
        try VaultFile.withDatabase(tampered) { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, entry FROM access_log ORDER BY seq LIMIT 1 OFFSET 3") else {
                throw TestFailure("the backup has fewer than 4 log entries")
            }
            var entry = klBytes(row["entry"] as Data? ?? Data())
            guard entry.count > 20 else { throw TestFailure("log entry too short") }
            entry[entry.count / 2] ^= 0x01
            try db.execute(sql: "UPDATE access_log SET entry = ? WHERE seq = ?", arguments: [Data(entry), row["seq"] as Int64? ?? 0])
        }
        #expect(try p.klVerify(tampered).exitCode == 65)
        before = try p.klSnapshot()
        let refused = try p.run("admin", ["restore", tampered])
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.hasPrefix("confidant: error: "))
        after = try p.klSnapshot()
        #expect(after.records == before.records)
        #expect(after.wraps == before.wraps)
        #expect(Array(after.log.prefix(before.log.count)) == before.log)
        #expect(after.log.dropFirst(before.log.count).allSatisfy { !$0.contains("|success|") })
        #expect(try p.klVerify().exitCode == 0)

        // Only an admin restores.
        #expect(try p.run("rivera", ["restore", backupPath]).exitCode == 77)
        #expect(try p.run("admin", ["restore", p.dir.file("no-such.backup")]).exitCode == 66)
    }
}

// MARK: 5. purge

@Suite("key lifecycle: purge")
struct KeyLifecyclePurgeTests {
    @Test("purge crypto-shreds a client: refused before retention unless forced with compliance approval; no ciphertext byte survives")
    func purge() throws {
        let p = try TestPractice()
        let one = try p.addClient(name: "Purge One, a client whose sealed profile is long enough to slice")
        var notes: [String] = []
        for i in 1...3 {
            notes.append(try p.addNote(one, "progress: purge one, note \(i), long enough that its ciphertext has a distinctive middle part"))
        }
        let psyNote = try p.addNote(one, "psychotherapy: purge one, process note long enough to slice", kind: "psychotherapy")
        let two = try p.addClient(name: "Purge Two")
        let twoNote = try p.addNote(two, "progress: purge two, kept until retention ends")

        // 32 bytes from the middle of every record of client one (notes, profile), read by SQL.
        let slices: [String: [UInt8]] = try VaultFile.withDatabase(p.vault) { db in
            var out: [String: [UInt8]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, ciphertext FROM records WHERE client_id = ?", arguments: [one]) {
                let c = klBytes(row["ciphertext"] as Data? ?? Data())
                guard c.count >= 24 + 32 + 16 else { throw TestFailure("ciphertext too short to slice") }
                out[row["id"] as String? ?? ""] = Array(c[24..<56])
            }
            return out
        }
        #expect(slices.count == 5)
        #expect(Set(notes + [psyNote]).isSubset(of: Set(slices.keys)))
        // Sanity: the scan finds them while they are stored.
        let present = VaultFile.allBytes(p.vault)
        for (id, s) in slices { #expect(present.contains { klContains($0.1, s) }, "slice of \(id) not found before the purge") }

        let cosign = ["--cosign-passphrase-file"]
        let now = klAt(Date())
        // Refusals, each changing nothing.
        let byChen = try p.run("admin", ["client", "purge", one, "--approved-by", "chen"] + cosign + [p.dir.file("pass-chen"), "--force-before-retention"], env: now)
        #expect(byChen.exitCode == 77)
        let byTherapist = try p.run("rivera", ["client", "purge", one, "--approved-by", "morgan"] + cosign + [p.dir.file("pass-morgan"), "--force-before-retention"], env: now)
        #expect(byTherapist.exitCode == 77)
        let early = try p.run("admin", ["client", "purge", one, "--approved-by", "morgan"] + cosign + [p.dir.file("pass-morgan")], env: now)
        #expect(early.exitCode == 77)
        #expect(early.stderr.contains("--force-before-retention"))
        #expect(try p.klOpen(notes[0]).0 == 0)

        let forced = try p.run("admin", ["--json", "client", "purge", one, "--approved-by", "morgan"] + cosign + [p.dir.file("pass-morgan"), "--force-before-retention"], env: now)
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        let report = klObject(forced)
        #expect(report["recordsDestroyed"] as? Int == 5)
        #expect(report["keyVersionsDestroyed"] as? Int == 2)
        #expect(report["beforeRetention"] as? Bool == true)
        #expect(report["approvedBy"] as? String == "morgan")

        for (path, bytes) in VaultFile.allBytes(p.vault) {
            for (id, s) in slices { #expect(!klContains(bytes, s), "ciphertext of \(id) survives in \(path)") }
        }
        for n in notes + [psyNote] { #expect(try p.klOpen(n).0 == 66) }
        #expect(try p.klOpen(twoNote).0 == 0)
        #expect(try p.klVerify().exitCode == 0)
        let wrapsLeft = try VaultFile.withDatabase(p.vault) { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM key_wraps WHERE key_id IN (SELECT id FROM data_keys WHERE client_id = ?)", arguments: [one]) ?? -1
        }
        #expect(wrapsLeft == 0)
        let review = try p.run("morgan", ["--json", "log", "review"])
        #expect(review.exitCode == 0, "\(review.stderr)")
        #expect(klArray(review).contains { $0["rule"] as? String == "purge-before-retention" && $0["client"] as? String == one })

        // After retention: eight years after client two's last record, no force needed.
        let lastMillis = try VaultFile.withDatabase(p.vault) { db in
            try Int64.fetchOne(db, sql: "SELECT max(created_at) FROM records WHERE client_id = ?", arguments: [two]) ?? 0
        }
        let eightYears = klAt(Date(timeIntervalSince1970: Double(lastMillis) / 1000 + 8 * 365.25 * 86_400))
        let timely = try p.run("admin", ["--json", "client", "purge", two, "--approved-by", "morgan"] + cosign + [p.dir.file("pass-morgan")], env: eightYears)
        #expect(timely.exitCode == 0, "\(timely.stderr)")
        #expect(klObject(timely)["beforeRetention"] as? Bool == false)
        // The vault's newest entry is now eight years ahead: later commands run at that time too.
        #expect(try p.klOpen(twoNote, env: eightYears).0 == 66)
        #expect(try p.klVerify(env: eightYears).exitCode == 0)
        // Without the test clock this machine's clock is years behind the newest entry: 64.
        #expect(try p.klVerify().exitCode == 64)
    }
}

// MARK: 6–8. recovery, self and reset

@Suite("key lifecycle: recovery, self rotation, user reset")
struct KeyLifecycleUserKeyTests {
    @Test("key rotate --recovery writes a new 0600 recovery key; the old one is refused, the new one works")
    func recoveryRotation() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Recovery Client")
        let text = "progress: recovery rotation"
        let note = try p.addNote(c, text)
        _ = try p.addNote(c, "psychotherapy: rivera's own", kind: "psychotherapy")
        let rk2 = p.dir.file("recovery-2.key")

        let missing = try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", p.recoveryKey])
        #expect(missing.exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: rk2))

        let oldKey = try String(contentsOfFile: p.recoveryKey, encoding: .utf8)
        let r = try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", p.recoveryKey, "--recovery-out", rk2])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(klMode(rk2) == 0o600)
        let newKey = try String(contentsOfFile: rk2, encoding: .utf8)
        #expect(newKey.hasPrefix("confidant-recovery-key-v1\n"))
        #expect(newKey != oldKey)
        // Writing the new key over an existing file is refused.
        #expect(try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", rk2, "--recovery-out", rk2]).exitCode == 73)

        let stale = try p.run("admin", ["careteam", "grant", c, "chen", "--recovery-key", p.recoveryKey])
        #expect(stale.exitCode == 77)
        #expect(try p.klOpen(note, as: "chen").0 == 77)
        let fresh = try p.run("admin", ["careteam", "grant", c, "chen", "--recovery-key", rk2])
        #expect(fresh.exitCode == 0, "\(fresh.stderr)")
        #expect(try p.klOpen(note, as: "chen").1 == text)
        // The new recovery key reaches every client key (care and psychotherapy).
        let rotate = try p.run("admin", ["--json", "key", "rotate", "--client", c, "--recovery-key", rk2])
        #expect(rotate.exitCode == 0, "\(rotate.stderr)")
        #expect(klObject(rotate)["keysRotated"] as? Int == 2)
        #expect(try p.run("admin", ["key", "rotate", "--all-clients", "--recovery-key", p.recoveryKey]).exitCode == 77)
        #expect(try p.run("admin", ["user", "list"]).exitCode == 0)
        #expect(try p.klVerify().exitCode == 0)
    }

    @Test("key rotate --self gives new key pairs; every note still opens and earlier signed entries still verify")
    func selfRotation() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Self Client")
        let t1 = "progress: self rotation", t2 = "psychotherapy: self rotation, sealed to rivera"
        let n1 = try p.addNote(c, t1), n2 = try p.addNote(c, t2, kind: "psychotherapy")
        let c2 = try p.addClient(name: "Self Client Two")
        let t3 = "progress: second client"
        let n3 = try p.addNote(c2, t3)
        func fingerprints() throws -> [String: String] {
            let r = try p.run("admin", ["--json", "user", "list"])
            return Dictionary(uniqueKeysWithValues: klArray(r).compactMap { u in
                (u["name"] as? String).flatMap { n in (u["fingerprint"] as? String).map { (n, $0) } }
            })
        }
        let before = try fingerprints()
        let boxBefore = try VaultFile.withDatabase(p.vault) { db in try Data.fetchOne(db, sql: "SELECT box_pk FROM users WHERE name = 'rivera'") }

        let r = try p.run("rivera", ["--json", "key", "rotate", "--self"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let after = try fingerprints()
        #expect(after["rivera"] != nil)
        #expect(after["rivera"] != before["rivera"])
        #expect(klObject(r)["fingerprint"] as? String == after["rivera"])
        for u in ["admin", "chen", "morgan"] { #expect(after[u] == before[u]) }
        let boxAfter = try VaultFile.withDatabase(p.vault) { db in try Data.fetchOne(db, sql: "SELECT box_pk FROM users WHERE name = 'rivera'") }
        #expect(boxAfter != boxBefore)

        #expect(try p.klOpen(n1).1 == t1)
        #expect(try p.klOpen(n2).1 == t2)
        #expect(try p.klOpen(n3).1 == t3)
        #expect(try p.addNote(c, "progress: after self rotation").isEmpty == false)
        #expect(try p.klVerify().exitCode == 0)
    }

    @Test("user reset hands a user's keys to new key pairs under a new passphrase; the old passphrase is refused")
    func userReset() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Reset Client")
        let text = "progress: chen may read this"
        let note = try p.addNote(c, text)
        let other = try p.addClient(name: "Not Chen's")
        let otherNote = try p.addNote(other, "progress: not for chen")
        _ = try p.ok("rivera", ["careteam", "grant", c, "chen"])
        #expect(try p.klOpen(note, as: "chen").1 == text)
        let newPass = try p.dir.write("pass-chen-new", "chen brand new passphrase\n")

        let noRecovery = try p.run("admin", ["user", "reset", "chen", "--initial-passphrase-file", newPass])
        #expect(noRecovery.exitCode == 64)
        #expect(try p.klOpen(note, as: "chen").1 == text)  // nothing changed

        let notAdmin = try p.run("rivera", ["user", "reset", "chen", "--initial-passphrase-file", newPass, "--recovery-key", p.recoveryKey])
        #expect(notAdmin.exitCode == 77)

        let reset = try p.run("admin", ["user", "reset", "chen", "--initial-passphrase-file", newPass, "--recovery-key", p.recoveryKey])
        #expect(reset.exitCode == 0, "\(reset.stderr)")
        #expect(try p.klOpen(note, as: "chen", passphraseFile: newPass).1 == text)
        #expect(try p.klOpen(otherNote, as: "chen", passphraseFile: newPass).0 == 77)
        #expect(try p.klOpen(note, as: "chen").0 == 77)  // old passphrase
        #expect(try p.klRun("chen", ["note", "add", c], passphraseFile: newPass, stdin: Data("progress: chen after reset".utf8)).exitCode == 0)
        #expect(try p.klVerify().exitCode == 0)
    }
}
