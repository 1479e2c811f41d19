import Foundation
import Logging
import NIOCore
import PostgresNIO
import VaultCore

/// Synchronous access to a `PostgresClient` pool for the synchronous store protocols.
///
/// `VaultStore` and `StoreTransaction` are synchronous (the CLI is), postgres-nio is not. The
/// bridge: the pool runs in a background task (`PostgresClient.run()`); a transaction leases a
/// connection by starting a task that enters `withConnection` and parks there, handing the
/// connection to the waiting thread through a semaphore; each statement then runs through the
/// connection's `EventLoopFuture` API and the calling thread blocks on `wait()`. The calling
/// thread must therefore not be an event-loop thread nor one of Swift's cooperative threads
/// (the lease task needs one of those to run): the CLI's main thread, or a `Thread` of its own.
final class PostgresConnector: @unchecked Sendable {
    let client: PostgresClient
    /// Where the server is, for messages (never a password).
    let endpoint: String
    let logger: Logger
    private let probe: PostgresConnection.Configuration
    private let runTask: Task<Void, Never>
    /// How long a lease may take before a direct connection asks the server why.
    static let probeAfter: TimeInterval = 1.5

    init(configuration: PostgresClient.Configuration, probe: PostgresConnection.Configuration, endpoint: String) {
        self.probe = probe
        let quiet = Logger(label: "confidant.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        self.client = client
        self.endpoint = endpoint
        self.logger = quiet
        runTask = Task.detached { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Stops the pool; leases already handed out fail from then on.
    func shutdown() { runTask.cancel() }

    /// A connection of the pool, held until ``Lease/release()``.
    /// - Throws: ``VaultError`` busy (75) when no connection comes within `timeout` (the server
    ///   does not answer) or the server refuses connections; others as ``PostgresErrors/mapped(_:endpoint:midCommand:)``.
    func lease(timeout: TimeInterval) throws -> Lease {
        let handoff = Handoff()
        let client = self.client
        let task = Task.detached {
            do {
                try await client.withConnection { connection in
                    await withCheckedContinuation { (release: CheckedContinuation<Void, Never>) in
                        handoff.deliver(connection, release)
                    }
                }
            } catch {
                handoff.fail(error)
            }
        }
        // The pool retries a failing server quietly: when no connection comes soon, one direct
        // connection learns why (refused, no such database, login refused) and reports that.
        var arrived = handoff.ready.wait(timeout: .now() + min(Self.probeAfter, timeout)) == .success
        if !arrived {
            do { try probeServer() } catch {
                task.cancel()
                handoff.abandon()
                throw PostgresErrors.mapped(error, endpoint: endpoint, midCommand: false)
            }
            arrived = handoff.ready.wait(timeout: .now() + max(0, timeout - Self.probeAfter)) == .success
        }
        guard arrived else {
            task.cancel()
            handoff.abandon()
            throw VaultError(.busy, "the database server at \(endpoint) does not answer; check that it runs and try again")
        }
        switch handoff.outcome {
        case .connection(let connection, let release):
            return Lease(connection: connection, release: release, logger: logger)
        case .failure(let error):
            throw PostgresErrors.mapped(error, endpoint: endpoint, midCommand: false)
        case nil:
            throw VaultError(.internal, "the connection pool handed out nothing")
        }
    }
}

extension PostgresConnector {
    /// Opens and closes one connection outside the pool; throws what the server or network said.
    private func probeServer() throws {
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: probe,
                                                        id: 0, logger: logger).wait()
        try? connection.close().wait()
    }
}

/// One leased connection; every call blocks the calling thread until the server answers.
final class Lease: @unchecked Sendable {
    let connection: PostgresConnection
    private let releaseContinuation: CheckedContinuation<Void, Never>
    private let logger: Logger
    private var released = false

    fileprivate init(connection: PostgresConnection, release: CheckedContinuation<Void, Never>, logger: Logger) {
        self.connection = connection
        self.releaseContinuation = release
        self.logger = logger
    }

    /// Runs one statement and collects its rows.
    func query(_ sql: String, _ binds: PostgresBindings) throws -> PostgresQueryResult {
        try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).wait()
    }

    /// Gives the connection back to the pool (once).
    func release() {
        guard !released else { return }
        released = true
        releaseContinuation.resume()
    }

    deinit { release() }
}

/// The meeting point of the lease task and the waiting thread.
private final class Handoff: @unchecked Sendable {
    enum Outcome {
        case connection(PostgresConnection, CheckedContinuation<Void, Never>)
        case failure(any Error)
    }

    let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stored: Outcome?
    private var abandoned = false

    var outcome: Outcome? { lock.withLock { stored } }

    func deliver(_ connection: PostgresConnection, _ release: CheckedContinuation<Void, Never>) {
        let giveBack = lock.withLock { () -> Bool in
            if abandoned { return true }
            stored = .connection(connection, release)
            return false
        }
        if giveBack { release.resume() } else { ready.signal() }
    }

    func fail(_ error: any Error) {
        lock.withLock { stored = stored ?? .failure(error) }
        ready.signal()
    }

    /// The waiting thread gave up: a connection that still arrives goes straight back.
    func abandon() {
        let late = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            abandoned = true
            if case .connection(_, let release) = stored { stored = nil; return release }
            return nil
        }
        late?.resume()
    }
}
