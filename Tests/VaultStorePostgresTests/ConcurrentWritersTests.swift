import Foundation
import Testing
import VaultTestSupport

/// Many machines writing to one vault at once, each a real `confidant` process: notes, opens,
/// care-team grants and disclosures for a fixed count. A command that cannot get its turn exits
/// 75 and is retried; nothing else may fail, no write may be lost, the log stays one sequence.
@Suite("concurrent writers end to end")
struct ConcurrentWritersTests {
    @Test("8 writers on one PostgreSQL vault: counts of notes and entries equal the successful commands; log verify 0",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func eightOnPostgres() async throws {
        try await offPool { try Self.campaign(vault: try PGTest.freshDatabase(), writers: 8) }
    }

    @Test("4 writers on one SQLite vault file: the same counts; log verify 0")
    func fourOnSQLite() async throws {
        try await offPool { try Self.campaign(vault: nil, writers: 4) }
    }

    /// Each writer owns a client (a therapist of its own on its care team) and runs, `rounds`
    /// times, note add then note open; then one care-team grant (of chen) and one disclosure.
    static func campaign(vault: String?, writers: Int, rounds: Int = 2) throws {
        let names = (0..<writers).map { "w\($0)" }
        let p = try TestPractice(extraUsers: names.map { ($0, "therapist") }, vault: vault)
        let clients = try names.map { try p.ok($0, ["client", "add", "--name", "Client of \($0)"]) }
        let baseline = try count(p, "note.add")
        let results = Results()
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            let name = names[w]
            var notes: [String] = []
            for r in 0..<rounds {
                guard let out = try? retrying(p, name, ["note", "add", clients[w], "--kind", "progress"], stdin: Data("\(name) round \(r)".utf8), results) else { continue }
                let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
                notes.append(id)
                _ = try? retrying(p, name, ["note", "open", id], results)
            }
            _ = try? retrying(p, name, ["careteam", "grant", clients[w], "chen"], results)
            _ = try? retrying(p, name, ["disclose", clients[w], "--to", "County Court", "--address", "1 Main St", "--records", notes.joined(separator: ","),
                                        "--basis", "legal-order", "--purpose", "subpoena"], results)
        }
        let seconds = Date().timeIntervalSince(started)
        print("concurrent writers: \(writers) writers on \(vault == nil ? "SQLite" : "PostgreSQL"), \(results.summary), "
              + String(format: "%.1f s, %.2f commands/s (each command a process with its own key derivation)", seconds, Double(results.total) / seconds))
        #expect(results.failures == [], "every command succeeds or is busy (75) and succeeds on retry")
        #expect(results.successes["note"] == writers * rounds * 2)
        #expect(results.successes["careteam"] == writers)
        #expect(results.successes["disclose"] == writers)
        #expect(try count(p, "note.add") - baseline == writers * rounds)
        #expect(try count(p, "note.open") == writers * rounds)
        #expect(try count(p, "careteam.grant") >= writers)
        #expect(try count(p, "disclosure.add") == writers)
        for (w, client) in clients.enumerated() {
            let listed = try JSONSerialization.jsonObject(with: try p.run(names[w], ["--json", "note", "list", client]).stdoutData) as? [[String: Any]]
            #expect(listed?.count == rounds)
        }
        let verified = try p.run("admin", ["log", "verify"])
        #expect(verified.exitCode == 0, "\(verified.stderr)")
    }

    /// Successful entries of one action, counted through the binary (the verified projection).
    static func count(_ p: TestPractice, _ action: String) throws -> Int {
        let r = try p.run("morgan", ["--json", "log", "show", "--action", action, "--outcome", "success"])
        guard r.exitCode == 0 else { throw TestFailure("log show exited \(r.exitCode): \(r.stderr)") }
        return (try JSONSerialization.jsonObject(with: r.stdoutData) as? [Any])?.count ?? -1
    }

    /// Runs a command; a 75 (busy) is retried up to 20 times; anything else non-zero is a failure.
    static func retrying(_ p: TestPractice, _ user: String, _ args: [String], stdin: Data? = nil, _ results: Results) throws -> String {
        for _ in 0..<20 {
            let r = try p.run(user, args, stdin: stdin)
            if r.exitCode == 0 { results.success(args[0]); return r.stdout }
            guard r.exitCode == 75 else {
                results.fail("\(user) \(args.prefix(2).joined(separator: " ")): \(r.exitCode) \(r.stderr)")
                throw TestFailure(r.stderr)
            }
            results.busy()
            Thread.sleep(forTimeInterval: 0.05)
        }
        results.fail("\(user) \(args.prefix(2).joined(separator: " ")): still busy after 20 tries")
        throw TestFailure("busy")
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var successes: [String: Int] = [:]
        private(set) var failures: [String] = []
        private(set) var busyCount = 0
        func success(_ command: String) { lock.withLock { successes[command, default: 0] += 1 } }
        func fail(_ text: String) { lock.withLock { failures.append(text) } }
        func busy() { lock.withLock { busyCount += 1 } }
        var total: Int { lock.withLock { successes.values.reduce(0, +) } }
        var summary: String { lock.withLock { "successes \(successes.sorted { $0.key < $1.key }), busy retries \(busyCount), failures \(failures.count)" } }
    }
}
