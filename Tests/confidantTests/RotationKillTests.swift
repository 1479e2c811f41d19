import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A seeded practice for rotation tests: many clients and records, made in a few transactions
/// through the library (fast), then driven through the real binary.
final class SeededPractice: @unchecked Sendable {
    let dir: TempDir
    let path: String
    let recoveryKey: String
    /// record id -> original plaintext
    var originals: [String: [UInt8]] = [:]
    var clientIDs: [String] = []

    init(clients: Int, notesPerClient: Int) throws {
        dir = try TempDir()
        path = dir.file("practice.vault")
        recoveryKey = dir.file("recovery.key")
        try dir.write("pass-admin", "admin passphrase 1\n")
        try dir.write("pass-rivera", "rivera passphrase 1\n")
        let adminPass = try SecretBytes(copying: Array("admin passphrase 1".utf8))
        _ = try Vault.create(path: path, practice: "Seed", admin: "admin", roles: [.admin], passphrase: adminPass, kdf: .interactive,
                             recoveryOut: recoveryKey)
        let vault = try Vault.open(path: path)
        let admin = try vault.unlock(user: "admin", passphrase: adminPass)
        _ = try admin.addEnrolledUser(name: "rivera", roles: [.therapist], passphrase: "rivera passphrase 1")
        let rivera = try vault.unlock(user: "rivera", passphrase: try SecretBytes(copying: Array("rivera passphrase 1".utf8)))
        for c in 0..<clients {
            clientIDs.append(try rivera.addClient(profile: ClientProfile(name: "Client \(c)")).id)
        }
        // Notes in batches of one transaction per client (the access entries are written too).
        for (ci, clientID) in clientIDs.enumerated() {
            try vault.store.write { tx in
                let key = try rivera.currentCareKey(tx, clientID)
                let secret = try rivera.unwrap(tx, key)
                for n in 0..<notesPerClient {
                    let id = Session.newID(prefix: "n")
                    let text = Array("client \(ci) note \(n) ".utf8) + Random.bytes(32 + n)
                    let row = try rivera.sealed(RecordRow(id: id, clientID: clientID, kind: .progress, subkind: "", author: "rivera", keyID: key.id,
                                                          keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: rivera.nowMillis,
                                                          sequence: 1, ciphertext: []), secret: secret, plaintext: text)
                    try tx.insertRecord(row)
                    try rivera.append(tx, AccessIntent(action: "note.add", clientID: clientID, recordID: id, purpose: .treat), .success, "")
                    originals[id] = text
                }
            }
        }
        for (id, profile) in try vault.store.read({ tx in try tx.clients().map { c in (c.id, try tx.records(clientID: c.id).first { $0.kind == .profile }) } }) {
            if let p = profile { originals[p.id] = try vault.store.read { tx in try rivera.openRecord(tx, p) }; _ = id }
        }
    }

    func args(_ user: String) -> [String] { ["--vault", path, "--as", user, "--passphrase-file", dir.file("pass-\(user)")] }

    /// Opens the vault afresh and checks every record against its original bytes (without
    /// logging: a read transaction with the recovery key).
    func checkEveryRecord() throws -> (checked: Int, staleVersions: Int) {
        let vault = try Vault.open(path: path)
        let admin = try vault.unlock(user: "admin", passphrase: try SecretBytes(copying: Array("admin passphrase 1".utf8)))
        try admin.useRecoveryKey(path: recoveryKey)
        return try vault.store.read { tx in
            var checked = 0, stale = 0
            for c in try tx.clients() {
                let keys = try tx.dataKeys(clientID: c.id)
                for r in try tx.records(clientID: c.id) {
                    let plain = try admin.openRecord(tx, r)
                    guard plain == originals[r.id] else { throw TestFailure("record \(r.id) changed") }
                    let current = keys.filter { $0.scope == .care && $0.state != "destroyed" }.map(\.version).max()
                    if r.keyVersion != current { stale += 1 }
                    checked += 1
                }
                // Never two current versions; never a record under a destroyed key.
                let live = keys.filter { $0.scope == .care && $0.state == "current" }
                guard live.count <= 1 else { throw TestFailure("client \(c.id) has \(live.count) current versions") }
                for k in keys where k.state == "destroyed" {
                    guard try tx.recordCount(keyID: k.id) == 0 else { throw TestFailure("records left under destroyed key \(k.id)") }
                }
            }
            return (checked, stale)
        }
    }
}

@Suite("crash-safe rotation", .sqliteOnly)
struct RotationKillTests {
    @Test("SIGKILL at 20 random moments during key rotate --all-clients: the vault opens, every record decrypts, the log verifies, a resume completes")
    func killTwentyTimes() throws {
        let p = try SeededPractice(clients: 200, notesPerClient: 10)
        #expect(p.originals.count == 2200)  // 2000 notes + 200 profiles
        var generator = SeededRandom.fromEnvironment("CONFIDANT_KILL_SEED", test: "rotation kill")
        var kills = 0, completedRuns = 0
        var resumeNext = false
        while kills < 20 {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: CLI.binary)
            proc.arguments = ["key", "rotate"] + (resumeNext ? ["--resume"] : ["--all-clients"]) + ["--recovery-key", p.recoveryKey] + p.args("admin")
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            try proc.run()
            usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            if proc.isRunning {
                kill(proc.processIdentifier, SIGKILL)
                proc.waitUntilExit()
                kills += 1
                resumeNext = true
            } else {
                proc.waitUntilExit()
                #expect(proc.terminationStatus == 0)
                completedRuns += 1
                resumeNext = false
            }
            _ = try p.checkEveryRecord()
            let verify = try CLI.run(["log", "verify"] + p.args("admin"))
            #expect(verify.exitCode == 0, "after kill \(kills): \(verify.stderr)")
        }
        let resume = try CLI.run(["key", "rotate", "--resume", "--recovery-key", p.recoveryKey] + p.args("admin"))
        #expect(resume.exitCode == 0, "\(resume.stderr)")
        let finalRun = try CLI.run(["key", "rotate", "--all-clients", "--recovery-key", p.recoveryKey] + p.args("admin"))
        #expect(finalRun.exitCode == 0, "\(finalRun.stderr)")
        let (checked, stale) = try p.checkEveryRecord()
        #expect(checked == 2200)
        #expect(stale == 0)
        let status = try CLI.run(["--json", "key", "status"] + p.args("admin"))
        let list = try JSONSerialization.jsonObject(with: status.stdoutData) as? [[String: Any]] ?? []
        #expect(list.count == 200)
        let pending = list.flatMap { ($0["scopes"] as? [[String: Any]]) ?? [] }.compactMap { $0["pendingReEncryption"] as? Int }
        #expect(pending.count == 200 && pending.allSatisfy { $0 == 0 })
        #expect(try CLI.run(["log", "verify"] + p.args("admin")).exitCode == 0)
        print("rotation kill test: \(kills) kills, \(completedRuns) runs completed between kills")
    }
}
