import Foundation
import VaultCore
import VaultStorePostgres
import VaultStoreSQLite

/// Which store the end-to-end suite runs against: `CONFIDANT_TEST_STORE=postgres` puts every
/// ``TestPractice`` in a fresh database of the private cluster (`CONFIDANT_TEST_PG_URL`, as
/// `scripts/pg-cluster.sh start` exports it); anything else, or nothing, a SQLite file.
public enum TestStore {
    public static let runsOnPostgres = ProcessInfo.processInfo.environment["CONFIDANT_TEST_STORE"] == "postgres"

    /// Where a new practice's vault lives: `dir/practice.vault`, or a new database's URL.
    public static func newVault(in dir: TempDir) throws -> String {
        guard runsOnPostgres else { return dir.file("practice.vault") }
        guard let base = ProcessInfo.processInfo.environment["CONFIDANT_TEST_PG_URL"], var parts = URLComponents(string: base) else {
            throw TestFailure("CONFIDANT_TEST_STORE=postgres needs CONFIDANT_TEST_PG_URL (eval \"$(scripts/pg-cluster.sh start)\")")
        }
        let name = "e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql("CREATE DATABASE \(name)", url: base)
        parts.path = "/" + name
        guard let url = parts.string else { throw TestFailure("bad CONFIDANT_TEST_PG_URL \(base)") }
        return url
    }

    /// Whether `location` names a PostgreSQL vault.
    public static func isPostgresURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Field and row separators of ``query(_:url:)`` (unit and record separators: never in the
    /// tests' values).
    static let fieldSeparator = "\u{1F}", rowSeparator = "\u{1E}"

    /// Runs `sql` through psql on the vault at `url` as the cluster's superuser (the writer
    /// without keys), or as the role the URL names (`env`: e.g. its `PGPASSFILE`); its
    /// unaligned output.
    @discardableResult
    public static func psql(_ sql: String, url: String, env: [String: String] = [:]) throws -> String {
        let p = Process()
        if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new } }
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-X", "-q", "-A", "-t", "-F", fieldSeparator, "-R", rowSeparator, "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("psql failed: \(errText)") }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// The rows of a query on the vault at `url`, each a list of column texts ("" for NULL).
    public static func query(_ sql: String, url: String) throws -> [[String]] {
        let text = try psql(sql, url: url)
        guard !text.isEmpty else { return [] }
        return text.components(separatedBy: rowSeparator).map { $0.components(separatedBy: fieldSeparator) }
    }

    /// Opens the vault at `location` (a file or a database URL) in this process, the way the
    /// CLI does, for tests that unlock a user's keys directly.
    public static func openVault(_ location: String) throws -> Vault {
        guard isPostgresURL(location) else { return try Vault.open(path: location) }
        let store = try PostgresStore.open(url: location)
        return try Vault.open(store: store, name: store.location.display)
    }
}
