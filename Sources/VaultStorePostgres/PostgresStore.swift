import Foundation
import PostgresNIO
import VaultCore

/// The PostgreSQL store (docs/operations.md, "PostgreSQL"): one vault in one database, shared by many machines.
///
/// The server is an untrusted writer (docs/threat-model.md): it holds what the SQLite file holds —
/// ciphertext, signed statements, the log — and no key. Reads run in a `REPEATABLE READ READ
/// ONLY` transaction (one snapshot). Writes run in a `READ COMMITTED` transaction that first
/// takes the transaction-level advisory lock ``writeLock``: writers take turns, so the log's
/// next sequence number and tree head are read and written by one writer at a time and the log
/// stays one sequence; and each statement after the lock sees everything the previous writer
/// committed (a `REPEATABLE READ` snapshot would be taken before the lock was granted). A
/// writer that waits longer than ``busyTimeout`` (default 10 s) for its turn (`lock_timeout`) is busy (75);
/// a transaction PostgreSQL aborts for a serialization failure or deadlock (40001, 40P01) is
/// run again, up to ``attempts`` times.
///
/// The protocols are synchronous; see ``PostgresConnector`` for the bridge and the thread it
/// must be called from.
public final class PostgresStore: VaultStore, @unchecked Sendable {
    public let location: PostgresLocation
    let connector: PostgresConnector

    /// How long a writer waits for another's turn, and a connection for the server, before "busy" (75).
    public static let defaultBusyTimeout: TimeInterval = 10
    public let busyTimeout: TimeInterval
    /// The advisory-lock key every writer of a vault takes ("CNFD" and 1): one writer at a time.
    public static let writeLock: Int64 = 0x434E_4644_0000_0001
    /// How many times a transaction runs before a serialization failure is reported (75).
    static let attempts = 4

    private init(location: PostgresLocation, busyTimeout: TimeInterval) throws {
        self.location = location
        self.busyTimeout = busyTimeout
        connector = PostgresConnector(configuration: try location.connectionConfiguration(), endpoint: location.display)
    }

    deinit { connector.shutdown() }

    /// Creates the vault's schema in an existing, empty database.
    /// - Throws: ``VaultError`` cannot create (73) when the database already holds a table of the
    ///   vault format; busy (75) when the server does not answer.
    public static func create(url: String, busyTimeout: TimeInterval = defaultBusyTimeout) throws -> PostgresStore {
        let store = try PostgresStore(location: PostgresLocation(url: url), busyTimeout: busyTimeout)
        try store.transaction(write: true) { tx in
            let existing = try tx.rows("""
                SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f')
                """).map { try $0.text("name") }
            if let name = existing.sorted().first {
                throw VaultError(.cannotCreate, "\(store.location.display) is not empty (it holds table '\(name)'); give the vault a database of its own")
            }
            for statement in PostgresSchema.statements { try tx.exec(statement) }
            for id in PostgresSchema.migrations { try tx.exec("INSERT INTO schema_migrations (identifier) VALUES (?)", id) }
        }
        return store
    }

    /// Opens an existing vault after checking, without writing, that the database holds exactly
    /// the vault format (``PostgresPinning``) at a schema version this build knows.
    /// - Throws: ``VaultError`` not found (66) without a vault, bad data (65) for another schema.
    public static func open(url: String, busyTimeout: TimeInterval = defaultBusyTimeout) throws -> PostgresStore {
        let store = try PostgresStore(location: PostgresLocation(url: url), busyTimeout: busyTimeout)
        try store.transaction(write: false) { tx in
            let tables = try tx.count("""
                SELECT COUNT(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname IN ('vault', 'schema_migrations')
                """)
            guard tables == 2 else {
                throw VaultError(.notFound, "no vault at \(store.location.display); create one with 'confidant init --vault \(store.location.display)'")
            }
            let applied = try tx.rows("SELECT identifier FROM schema_migrations ORDER BY identifier").map { try $0.text("identifier") }
            guard applied == PostgresSchema.migrations.sorted() else {
                throw VaultError(.badData, "\(store.location.display) has an unknown schema version; it was not made by this version of confidant")
            }
            try PostgresPinning.check(tx, endpoint: store.location.display)
        }
        return store
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(write: false) { try body($0) }
    }

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(write: true) { try body($0) }
    }

    /// Gives the pool's connections back to the server.
    public func close() { connector.shutdown() }

    /// Crypto-shred only: a purge deletes a client's key wraps and ciphertexts in one
    /// transaction, but the server does not erase in place — old row versions stay in table
    /// files until `VACUUM` reuses the space, and longer in WAL segments, WAL archives (PITR),
    /// streaming replicas and dumps. No `backup` file either: the database is backed up with
    /// `pg_dump`, and a verified vault copy is `migrate --to FILE`.
    public var capabilities: StoreCapabilities { [.cryptoShred] }

    private func transaction<T>(write: Bool, _ body: (PostgresTransaction) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let lease = try connector.lease(timeout: busyTimeout)
            defer { lease.release() }
            let tx = PostgresTransaction(lease: lease, endpoint: location.display)
            do {
                try begin(tx, write: write)
                let out = try body(tx)
                // A failed statement the body caught aborted the transaction: COMMIT would only
                // roll it back and say so in its tag, so it is reported here instead.
                if let failure = tx.firstFailure { throw failure }
                try tx.exec("COMMIT")
                return out
            } catch {
                _ = try? tx.exec("ROLLBACK")
                guard let failure = tx.firstFailure else { throw error }
                if PostgresErrors.isRetryable(failure), attempt < Self.attempts { continue }
                throw PostgresErrors.mapped(failure, endpoint: location.display, midCommand: true)
            }
        }
    }

    private func begin(_ tx: PostgresTransaction, write: Bool) throws {
        guard write else {
            try tx.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return
        }
        try tx.exec("BEGIN ISOLATION LEVEL READ COMMITTED")
        try tx.exec("SET LOCAL lock_timeout = '\(Int(busyTimeout * 1000))ms'")
        try tx.exec("SELECT 1 AS locked FROM pg_advisory_xact_lock(?)", Self.writeLock)
    }
}
