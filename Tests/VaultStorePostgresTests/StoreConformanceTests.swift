import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
import VaultStorePostgres

/// A backup's rows on their way to the other store.
private struct Moved: Sendable { let rows: [String: [StoredRow]] }

/// One sequence of store calls, run against the SQLite store and the PostgreSQL store: every
/// answer (rows, ids, counts, table digests of the state index) must be the same on both.
@Suite("Store conformance: SQLite and PostgreSQL answer alike")
struct StoreConformanceTests {
    @Test("every protocol call answers alike on both stores", .enabled(if: PGTest.available, PGTest.skipReason))
    func sameAnswers() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sqlite = try SQLiteVault.create(path: dir + "/v.vault")
        let url = try PGTest.freshDatabase()
        let sqliteTranscript = try ConformanceScript.run(sqlite)
        let pgTranscript = try await offPool { try ConformanceScript.run(try PostgresStore.create(url: url)) }
        #expect(sqliteTranscript.count == 181)
        for (a, b) in zip(sqliteTranscript, pgTranscript) where a != b {
            Issue.record("SQLite: \(a)\nPostgreSQL: \(b)")
        }
        #expect(sqliteTranscript.count == pgTranscript.count)
    }

    @Test("a fresh PostgreSQL vault passes its own schema pinning and reopens", .enabled(if: PGTest.available, PGTest.skipReason))
    func reopens() async throws {
        let url = try PGTest.freshDatabase()
        let count = try await offPool { () -> Int64 in
            let created = try PostgresStore.create(url: url)
            try created.write { tx in try ConformanceScript.writeLog(tx, seqs: 1...3) }
            created.close()
            return try PostgresStore.open(url: url).read { try $0.logCount() }
        }
        #expect(count == 3)
    }

    @Test("the state rows of a SQLite vault replace a PostgreSQL vault's and digest alike", .enabled(if: PGTest.available, PGTest.skipReason))
    func stateRowsMove() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sqlite = try SQLiteVault.create(path: dir + "/v.vault")
        _ = try ConformanceScript.run(sqlite)
        let rows = Moved(rows: try sqlite.read { try ConformanceScript.state($0).stateRows() })
        let expected = try sqlite.read { try ConformanceScript.digests($0) }
        let url = try PGTest.freshDatabase()
        let found = try await offPool { () -> [String] in
            let pg = try PostgresStore.create(url: url)
            try pg.write { try ConformanceScript.state($0).replaceStateRows(with: rows.rows) }
            let digests = try pg.read { try ConformanceScript.digests($0) }
            // A key made after the move takes the next id, past the moved ones.
            let next = try pg.write { try $0.insertDataKey(DataKeyRow(stored: 0, clientID: "c2", scope: .care, owner: "", version: 9,
                                                                       state: "current", createdAt: 9, publicKey: [])) }
            return digests + ["next key \(next)"]
        }
        #expect(found == expected + ["next key 4"])
    }
}
