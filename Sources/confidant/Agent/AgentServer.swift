import CSystemShim
import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// The background agent: holds one unlocked session and runs commands for its user's CLI,
/// one at a time; a client that stalls is cut off after `connectionTimeout`. Each command
/// appends and commits its own access entry before any output is sent back; no key leaves the
/// process. It ends on `lock`, after `idle` without a command run, or at the ceiling, and the
/// session's keys are wiped with it (sodium_free).
struct AgentServer {
    let session: Session
    let listenFD: Int32
    let socketPath: String
    let idle: TimeInterval
    let ceiling: Date
    /// How long one client may take to send its request or read the answer (SO_RCVTIMEO,
    /// SO_SNDTIMEO, and the whole request): a client that connects and stalls holds the agent
    /// no longer than this.
    static let connectionTimeout = 5

    /// What one connection came to: only a command actually run renews the idle time, so a
    /// client that connects, stalls or pings does not keep the keys unlocked.
    enum Outcome { case ignored, served, locked }

    func serve() {
        var deadline = min(Date().addingTimeInterval(idle), ceiling)
        loop: while true {
            let wait = deadline.timeIntervalSinceNow
            if wait <= 0 { break }
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(wait, 60) * 1000) + 1)
            if r <= 0 { continue }
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // nothing a command starts inherits the connection
            let outcome = AgentSocket.setTimeouts(fd: fd, seconds: Self.connectionTimeout) ? handle(fd, deadline: deadline) : .ignored
            close(fd)
            switch outcome {
            case .locked: break loop
            case .served: deadline = min(Date().addingTimeInterval(idle), ceiling)
            case .ignored: continue
            }
        }
        unlink(socketPath)
        close(listenFD)
    }

    /// One request, read within `connectionTimeout` seconds.
    private func handle(_ fd: Int32, deadline: Date) -> Outcome {
        let limit = Date().addingTimeInterval(TimeInterval(Self.connectionTimeout))
        guard confidant_peer_uid(fd) == Int64(getuid()),
              let data = try? AgentSocket.receive(fd: fd, deadline: limit),
              let req = try? JSONDecoder().decode(AgentRequest.self, from: data) else { return .ignored }
        var response: AgentResponse
        var outcome = Outcome.ignored
        if req.user != session.user {
            response = Self.refused(77, "the agent is unlocked for '\(session.user)', not '\(req.user)'")
            response.declined = true
        } else if req.lock {
            response = AgentResponse(status: 0, stdout: Data("Locked: the agent for \(session.user) ended and its keys were wiped.\n".utf8),
                                     stderr: Data())
            outcome = .locked
        } else if req.ping == true {
            let until = ISO8601DateFormatter().string(from: deadline)
            response = AgentResponse(status: 0, stdout: Data("agent for \(session.user), locks at \(until) unless used\n".utf8), stderr: Data())
        } else if let why = AgentPolicy.refusal(req.arguments) {
            response = Self.refused(77, why + "; run it with --passphrase-file or at the terminal after 'confidant lock'")
        } else {
            response = run(req)
            outcome = .served
        }
        try? AgentSocket.send((try? JSONEncoder().encode(response)) ?? Data(), fd: fd)
        return outcome
    }

    static func refused(_ code: Int32, _ message: String) -> AgentResponse {
        AgentResponse(status: code, stdout: Data(), stderr: Data("confidant: error: \(message)\n".utf8))
    }

    /// Runs the command with its output captured in memory-only files (never on disk).
    private func run(_ req: AgentRequest) -> AgentResponse {
        let out = confidant_memfd("confidant-out"), err = confidant_memfd("confidant-err"), inp = confidant_memfd("confidant-in")
        guard out >= 0, err >= 0, inp >= 0, chdir(req.directory) == 0 else { return Self.refused(70, "the agent cannot run the command") }
        defer { close(out); close(err); close(inp) }
        if let stdin = req.stdin { stdin.withUnsafeBytes { _ = write(inp, $0.baseAddress, $0.count) } }
        lseek(inp, 0, SEEK_SET)
        let saved = (dup(0), dup(1), dup(2))
        dup2(inp, 0); dup2(out, 1); dup2(err, 2)
        let code = AgentContext.$session.withValue(session) { CommandRunner.run(req.arguments) }
        dup2(saved.0, 0); dup2(saved.1, 1); dup2(saved.2, 2)
        close(saved.0); close(saved.1); close(saved.2)
        return AgentResponse(status: code, stdout: Self.contents(out), stderr: Self.contents(err))
    }

    private static func contents(_ fd: Int32) -> Data {
        let size = Int(lseek(fd, 0, SEEK_END))
        lseek(fd, 0, SEEK_SET)
        var data = Data(count: max(0, size))
        var done = 0
        while done < size {
            let r = data.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + done }, size - done) }
            if r <= 0 { break }
            done += r
        }
        return data
    }
}
