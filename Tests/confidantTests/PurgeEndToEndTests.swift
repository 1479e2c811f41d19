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

// MARK: 5. purge

@Suite("key lifecycle: purge")
struct KeyLifecyclePurgeTests {
    @Test("purge crypto-shreds a client: refused before retention unless forced with compliance approval; no ciphertext byte survives", .sqliteOnly)
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
