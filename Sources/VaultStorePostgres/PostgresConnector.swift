import Foundation
import Logging
import NIOCore
import PostgresNIO
import VaultCore

/// Synchronous access to PostgreSQL for the synchronous store protocols: a small pool of
/// postgres-nio `PostgresConnection`s driven through their `EventLoopFuture` API only.
///
/// `VaultStore` and `StoreTransaction` are synchronous (the CLI is); the calling thread blocks
/// on `wait()` while NIO's own event-loop threads do the work. Nothing here needs Swift's
/// cooperative thread pool: postgres-nio's `PostgresClient` runs its pool as a task on that
/// pool, and a process whose cooperative threads are all blocked in synchronous calls (a test
/// run, a busy server process) starved it into "does not answer" — so this pool keeps
/// connections itself. The calling thread must not be an event-loop thread.
final class PostgresConnector: @unchecked Sendable {
    /// Where the server is, for messages (never a password).
    let endpoint: String
    let logger: Logger
    private let configuration: PostgresConnection.Configuration
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var leased = 0
    private var closed = false
    private var nextID = 1
    /// Connections one process holds at most; a transaction beyond waits for one.
    static let maximumConnections = 4
    private let slots = DispatchSemaphore(value: maximumConnections)

    init(configuration: PostgresConnection.Configuration, endpoint: String) {
        self.configuration = configuration
        self.endpoint = endpoint
        self.logger = Logger(label: "confidant.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    deinit { shutdown() }

    /// Closes the idle connections; leases still out are closed when given back.
    func shutdown() {
        let toClose = lock.withLock { () -> [PostgresConnection] in
            closed = true
            defer { idle = [] }
            return idle
        }
        for c in toClose { try? (c.close() as EventLoopFuture<Void>).wait() }
    }

    /// A connection, held until ``Lease/release()``: an idle one, else a new one.
    /// - Throws: ``VaultError`` busy (75) when no connection comes within `timeout` (the server
    ///   does not answer, or this process holds its maximum); others as ``PostgresErrors/mapped(_:endpoint:midCommand:)``.
    func lease(timeout: TimeInterval) throws -> Lease {
        guard slots.wait(timeout: .now() + timeout) == .success else {
            throw VaultError(.busy, "the database server at \(endpoint) does not answer; check that it runs and try again")
        }
        let (reused, id, isClosed) = lock.withLock { () -> (PostgresConnection?, Int, Bool) in
            while let c = idle.popLast() { if !c.isClosed { leased += 1; return (c, 0, closed) } }
            leased += 1
            nextID += 1
            return (nil, nextID, closed)
        }
        guard !isClosed else {
            giveBack(nil)
            throw VaultError(.internal, "the PostgreSQL store was closed")
        }
        if let reused { return Lease(connection: reused, connector: self) }
        do {
            var config = configuration
            config.options.connectTimeout = .milliseconds(Int64(max(0.1, min(timeout, 5)) * 1000))
            let c = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: config,
                                                   id: id, logger: logger).wait()
            return Lease(connection: c, connector: self)
        } catch {
            giveBack(nil)
            throw PostgresErrors.mapped(error, endpoint: endpoint, midCommand: false)
        }
    }

    /// A connection comes back: kept for the next transaction unless it broke or the store closed.
    fileprivate func giveBack(_ connection: PostgresConnection?, broken: Bool = false) {
        let close = lock.withLock { () -> Bool in
            leased -= 1
            guard let connection else { return false }
            if closed || broken || connection.isClosed { return true }
            idle.append(connection)
            return false
        }
        if close, let connection { _ = connection.close() as EventLoopFuture<Void> }
        slots.signal()
    }
}

/// One leased connection; every call blocks the calling thread until the server answers.
final class Lease: @unchecked Sendable {
    let connection: PostgresConnection
    private let connector: PostgresConnector
    private var released = false
    /// Set when a statement failed in a way that may leave the connection unusable.
    var broken = false

    fileprivate init(connection: PostgresConnection, connector: PostgresConnector) {
        self.connection = connection
        self.connector = connector
    }

    /// Runs one statement and collects its rows.
    func query(_ sql: String, _ binds: PostgresBindings) throws -> PostgresQueryResult {
        try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: connector.logger).wait()
    }

    /// Gives the connection back to the pool (once).
    func release() {
        guard !released else { return }
        released = true
        connector.giveBack(connection, broken: broken)
    }

    deinit { release() }
}
