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
