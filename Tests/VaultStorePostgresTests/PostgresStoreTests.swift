import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
import VaultStorePostgres

/// Schema pinning, write serialisation and error mapping of the PostgreSQL store.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    /// A new vault database and its name.
    private func freshVault() async throws -> (url: String, db: String) {
        let url = try PGTest.freshDatabase()
        try await offPool { _ = try PostgresStore.create(url: url) }
        return (url, PGTest.database(of: url))
    }

    private func openError(_ url: String) async throws -> VaultError? {
        try await offPool { () -> VaultError? in
            do { _ = try PostgresStore.open(url: url); return nil } catch let e as VaultError { return e }
        }
    }

    @Test("an object added outside confidant is refused at open (65), naming it", .enabled(if: PGTest.available, PGTest.skipReason),
          arguments: [
            ("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER t BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION f()",
             "holds a trigger (t on access_log) on the vault's tables"),
            ("CREATE SCHEMA evil; CREATE FUNCTION evil.g() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER u BEFORE UPDATE ON care_team FOR EACH ROW EXECUTE FUNCTION evil.g()",
             "holds a trigger (u on care_team) on the vault's tables"),
            ("CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'SELECT 1'", "holds a function (h) on the vault's tables"),
            ("CREATE RULE r AS ON DELETE TO records DO INSTEAD NOTHING", "holds a rule (r on records) on the vault's tables"),
            ("CREATE POLICY p ON access_log USING (seq < 10)", "holds a row-level security policy (p on access_log) on the vault's tables"),
            ("ALTER TABLE access_log ENABLE ROW LEVEL SECURITY", "holds a row-level security policy (row-level security on access_log) on the vault's tables"),
            ("CREATE INDEX extra ON users (roles)", "holds an index 'extra' that is not part of the vault format"),
            ("CREATE VIEW v AS SELECT 1 AS one", "holds a view 'v' that is not part of the vault format"),
            ("ALTER TABLE settings ADD COLUMN note text", "the columns of table 'settings' are not the vault format's"),
            ("ALTER TABLE settings ALTER COLUMN value SET DEFAULT 'x'", "holds a column default (settings.value) on the vault's tables"),
            ("CREATE SCHEMA other; CREATE TABLE other.more () INHERITS (access_log)", "holds a table inheritance (more inherits access_log) on the vault's tables"),
          ])
    func pinning(sql: String, message: String) async throws {
        let (url, db) = try await freshVault()
        try PGTest.psql(sql, database: db)
        let error = try await openError(url)
        #expect(error?.kind == .badData)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
    }

    @Test("writers take turns: every append of 4 concurrent writers lands, the log one sequence", .enabled(if: PGTest.available, PGTest.skipReason))
    func serialisedWriters() async throws {
        let (url, db) = try await freshVault()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    try await offPool {
                        let store = try PostgresStore.open(url: url)
                        for i in 0..<10 {
                            try store.write { tx in
                                let next = (try tx.lastLog()?.seq ?? 0) + 1
                                try tx.appendLog(LogRow(stored: next, time: next, actor: "w\(w)", roles: "", action: "a\(i)", clientID: "", recordID: "",
                                                        purpose: "", sealedReason: [], outcome: "success", detail: "", flags: "", entry: [],
                                                        leafHash: [], signer: "", signature: []))
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try PGTest.psql("SELECT COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT actor) FROM access_log", database: db) == "40|1|40|4")
    }

    @Test("a writer that cannot get its turn in the busy timeout is busy (75)", .enabled(if: PGTest.available, PGTest.skipReason))
    func busyWriter() async throws {
        let (url, db) = try await freshVault()
        // Another session holds the vault's write lock for 10 seconds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["psql", "-X", "-q", "-d", db, "-c", "BEGIN; SELECT pg_advisory_xact_lock(\(PostgresStore.writeLock)); SELECT pg_sleep(10); COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { holder.waitUntilExit() }
        // Wait until it holds it (a loaded machine may take seconds to start psql).
        for _ in 0..<80 {
            if try PGTest.psql("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted", database: db) == "1" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let error = try await offPool { () -> VaultError? in
            let store = try PostgresStore.open(url: url, busyTimeout: 1)
            do { try store.write { try $0.setSetting("k", "v") }; return nil } catch let e as VaultError { return e }
        }
        #expect(error?.kind == .busy)
        #expect(error?.message == "the vault is busy (another confidant process is writing); try again")
    }

    @Test("a read is one snapshot: a write committed meanwhile is not seen", .enabled(if: PGTest.available, PGTest.skipReason))
    func snapshotRead() async throws {
        let (url, db) = try await freshVault()
        let counts = try await offPool { () -> [Int] in
            let store = try PostgresStore.open(url: url)
            return try store.read { tx in
                let before = try tx.settings().count
                try PGTest.psql("INSERT INTO settings (key, value) VALUES ('k', 'v')", database: db)
                return [before, try tx.settings().count]
            }
        }
        #expect(counts == [0, 0])
        #expect(try PGTest.psql("SELECT COUNT(*) FROM settings", database: db) == "1")
    }

    @Test("a database without a vault is not found (66); a server that does not answer is busy (75)", .enabled(if: PGTest.available, PGTest.skipReason))
    func missing() async throws {
        let empty = try PGTest.freshDatabase()
        #expect(try await openError(empty)?.kind == .notFound)
        let noDatabase = try PGTest.url(database: "no_such_database")
        #expect(try await openError(noDatabase)?.kind == .notFound)
        let error = try await openError("postgres://nobody@127.0.0.1:1/none?sslmode=disable")
        #expect(error?.kind == .busy)
        #expect(error?.message.hasPrefix("the database server at postgres://nobody@127.0.0.1:1/none does not answer") == true, "\(error?.message ?? "")")
    }

    @Test("creating a vault in a database that holds tables is refused (73)", .enabled(if: PGTest.available, PGTest.skipReason))
    func createNonEmpty() async throws {
        let (url, _) = try await freshVault()
        let error = try await offPool { () -> VaultError? in
            do { _ = try PostgresStore.create(url: url); return nil } catch let e as VaultError { return e }
        }
        #expect(error?.kind == .cannotCreate)
    }
}
