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

// MARK: 3–4. backup and restore

final class KLWriteLog: @unchecked Sendable {
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

@Suite("key lifecycle: backup and restore", .sqliteOnly)
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

        let restored = try p.run("admin", ["restore", backupPath] + p.approvedBy())
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
        let foreign = try p.run("admin", ["restore", otherBackup] + p.approvedBy())
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
        let refused = try p.run("admin", ["restore", tampered] + p.approvedBy())
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.hasPrefix("confidant: error: "))
        after = try p.klSnapshot()
        #expect(after.records == before.records)
        #expect(after.wraps == before.wraps)
        #expect(Array(after.log.prefix(before.log.count)) == before.log)
        #expect(after.log.dropFirst(before.log.count).allSatisfy { !$0.contains("|success|") })
        #expect(try p.klVerify().exitCode == 0)

        // Only an admin restores.
        #expect(try p.run("rivera", ["restore", backupPath] + p.approvedBy()).exitCode == 77)
        #expect(try p.run("admin", ["restore", p.dir.file("no-such.backup")] + p.approvedBy()).exitCode == 66)
    }
}
