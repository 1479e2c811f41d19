import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
import VaultStorePostgres

/// The private cluster the tests use (scripts/pg-cluster.sh), or the reason they are skipped.
enum PGTest {
    /// `CONFIDANT_TEST_PG_URL` as `scripts/pg-cluster.sh start` exports it.
    static let baseURL = ProcessInfo.processInfo.environment["CONFIDANT_TEST_PG_URL"]
    static var available: Bool { baseURL != nil }
    static let skipReason: Comment = """
        PostgreSQL tests skipped: CONFIDANT_TEST_PG_URL is not set; start a private cluster with \
        'eval "$(scripts/pg-cluster.sh start)"' (scripts/test.sh does it)
        """

    /// A new, empty database in the cluster; its vault URL.
    static func freshDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql("CREATE DATABASE \(name)")
        return try url(database: String(name))
    }

    /// The cluster's URL with another database.
    static func url(database: String) throws -> String {
        guard let base = baseURL, var parts = URLComponents(string: base) else { throw VaultError(.usage, "no PostgreSQL URL") }
        parts.path = "/" + database
        guard let url = parts.string else { throw VaultError(.usage, "bad PostgreSQL URL") }
        return url
    }

    /// Runs `sql` through psql as the cluster's superuser (raw SQL: the writer without keys).
    @discardableResult
    static func psql(_ sql: String, database: String = "confidant") throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw VaultError(.internal, "psql failed: \(errText)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The database name of a vault URL.
    static func database(of url: String) -> String {
        String(URLComponents(string: url)?.path.dropFirst() ?? "")
    }
}

/// Runs `body` on a thread of its own: the PostgreSQL store blocks its calling thread, which
/// must not be one of Swift's cooperative threads (see `PostgresConnector`).
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
