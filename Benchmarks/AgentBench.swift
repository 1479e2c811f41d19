// The unlock agent, measured through the built `confidant` binary beside this executable: the
// agent's own round trip (a ping over its Unix socket) against a bare Unix-socket round trip,
// and `note open` through the CLI (run by the agent, and with a fresh unlock) against the floor
// of starting the process at all (`confidant --version`), itself beside `/bin/true`.
import Foundation
import VaultCore
import VaultStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The sorted samples' p50 and p99 (nearest rank).
func percentiles(_ samples: [Double]) -> (p50: Double, p99: Double) {
    let s = samples.sorted()
    guard !s.isEmpty else { return (0, 0) }
    return (s[s.count / 2], s[min(s.count - 1, Int((Double(s.count) * 0.99).rounded(.up)) - 1)])
}

/// Runs `path args…` with standard streams on /dev/null and returns its wall time in ms; a
/// failed run ends the benchmark (a figure of a failing command would mean nothing).
func timedSpawn(_ path: String, _ args: [String], env: [String]) -> Double {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
    let argv = ([path] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { for p in argv + envp { free(p) } }
    var status: Int32 = 0
    let seconds = clockSeconds {
        guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { return }
        waitpid(pid, &status, 0)
    }
    if pid == 0 || status != 0 {
        print("confidant-bench: \(([path] + args).joined(separator: " ")) failed (wait status \(status))")
        exit(70)
    }
    return seconds * 1000
}

/// Runs the binary for setting up, and returns its trimmed standard output.
func setupRun(_ path: String, _ args: [String], env: [String: String], stdin: Data = Data()) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.environment = env
    let out = Pipe(), err = Pipe(), inp = Pipe()
    (p.standardOutput, p.standardError, p.standardInput) = (out, err, inp)
    try p.run()
    inp.fileHandleForWriting.write(stdin)
    try inp.fileHandleForWriting.close()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let why = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        throw VaultError(.internal, "setup '\(args.prefix(2).joined(separator: " "))' failed: \(why)")
    }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// One connection, one length-prefixed message out and one back (the agent protocol's shape);
/// the answer, or nil.
func exchangeFramed(_ path: String, _ message: Data) -> Data? {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b } }
    let ok = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard ok == 0, writeFramed(fd, message) else { return nil }
    return readFramed(fd)
}

func writeFramed(_ fd: Int32, _ message: Data) -> Bool {
    var n = UInt32(message.count).bigEndian
    let framed = withUnsafeBytes(of: &n) { Data($0) } + message
    return framed.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
}

func readFramed(_ fd: Int32) -> Data? {
    func exactly(_ count: Int) -> Data? {
        var out = Data(count: count)
        var done = 0
        while done < count {
            let r = out.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + done }, count - done) }
            if r <= 0 { return nil }
            done += r
        }
        return out
    }
    guard let head = exactly(4) else { return nil }
    return exactly(Int(head.reduce(0) { $0 << 8 | UInt32($1) }))
}

/// The floor for the agent's round trip: a thread that accepts on a Unix socket, reads one
/// framed message and answers `reply`, with no checks, no JSON and no vault.
func startEchoServer(at path: String, reply: Data) -> Int32 {
    unlink(path)
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b } }
    _ = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    listen(fd, 8)
    Thread.detachNewThread {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            if readFramed(c) != nil { _ = writeFramed(c, reply) }
            close(c)
        }
    }
    return fd
}

/// How many samples each agent figure takes.
struct AgentBenchRuns { var agent = 50; var fresh = 20; var pings = 1000 }

/// Measures the agent and records its rows. Needs `confidant` built beside this executable
/// (`swift build -c release` builds both); without it, says so and records nothing.
@MainActor func benchAgent(runs: AgentBenchRuns) throws {
    let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let binary = here.appendingPathComponent("confidant").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        print("agent: no confidant binary at \(binary); build it first (swift build -c release) — agent rows skipped")
        return
    }
    // A short folder: the socket path must stay under 108 bytes.
    let dir = "/tmp/cab-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var env = ProcessInfo.processInfo.environment
    for k in ["CONFIDANT_VAULT", "CONFIDANT_USER", "CONFIDANT_PASSPHRASE_FILE"] { env[k] = nil }
    env["CONFIDANT_CONFIG"] = "/dev/null"
    env["XDG_STATE_HOME"] = dir + "/state"
    env["XDG_RUNTIME_DIR"] = dir
    let envList = env.map { "\($0.key)=\($0.value)" }
    let pf = dir + "/pass"
    FileManager.default.createFile(atPath: pf, contents: Data("an agent bench passphrase\n".utf8), attributes: [.posixPermissions: 0o600])
    let vault = dir + "/v.vault"
    let auth = ["--vault", vault, "--as", "ada"]
    // init's default key derivation (moderate), as a practice would have it.
    _ = try setupRun(binary, ["init", "--practice", "Bench", "--admin", "ada", "--roles", "admin,therapist",
                              "--recovery-out", dir + "/rk", "--passphrase-file", pf] + auth.prefix(2), env: env)
    let client = try setupRun(binary, ["client", "add", "--name", "Agent Bench", "--passphrase-file", pf] + auth, env: env)
    let note = try setupRun(binary, ["note", "add", client, "--passphrase-file", pf] + auth, env: env, stdin: Data("a short note".utf8))
    let open = ["note", "open", note, "--purpose", "TREAT"] + auth

    let fresh = percentiles((0..<runs.fresh).map { _ in timedSpawn(binary, open + ["--passphrase-file", pf], env: envList) })
    _ = try setupRun(binary, ["unlock", "--for", "10m", "--passphrase-file", pf] + auth, env: env)
    defer { _ = try? setupRun(binary, ["lock"] + auth, env: env) }
    let agent = percentiles((0..<runs.agent).map { _ in timedSpawn(binary, open, env: envList) })
    let version = percentiles((0..<runs.agent).map { _ in timedSpawn(binary, ["--version"], env: envList) })
    let trueFloor = percentiles((0..<runs.agent).map { _ in timedSpawn("/bin/true", [], env: envList) })

    let socket = dir + "/confidant/" + (try Vault.vaultID(path: vault)) + ".sock"
    let ping = try JSONSerialization.data(withJSONObject: ["user": "ada", "arguments": [String](), "directory": "/", "lock": false, "ping": true])
    guard let answer = exchangeFramed(socket, ping) else { throw VaultError(.internal, "the agent did not answer a ping at \(socket)") }
    let pings = percentiles(try (0..<runs.pings).map { _ in
        try clockSeconds { guard exchangeFramed(socket, ping) != nil else { throw VaultError(.internal, "ping failed") } } * 1000
    })
    // The command alone, as the agent runs it for the CLI: the CLI's figure less process start.
    let openRequest = try JSONSerialization.data(withJSONObject: ["user": "ada", "arguments": open, "directory": dir, "lock": false])
    let served = percentiles(try (0..<runs.agent).map { _ in
        try clockSeconds { guard exchangeFramed(socket, openRequest) != nil else { throw VaultError(.internal, "note open request failed") } } * 1000
    })
    let echoPath = dir + "/echo.sock"
    let echo = startEchoServer(at: echoPath, reply: answer)
    defer { close(echo) }
    let bare = percentiles((0..<runs.pings).map { _ in clockSeconds { _ = exchangeFramed(echoPath, ping) } * 1000 })

    record("agent round trip p50 (ping over its socket, µs)", pings.p50 * 1000, bare.p50 * 1000, "µs",
           "raw = the same bytes over a bare Unix socket; target < 5 ms")
    record("agent round trip p99 (µs)", pings.p99 * 1000, bare.p99 * 1000, "µs", "\(runs.pings) pings")
    record("note open by the agent, socket only p50 (ms)", served.p50, pings.p50, "ms",
           "no process start; raw = the ping round trip")
    record("note open via the agent, CLI p50 (ms)", agent.p50, version.p50, "ms", "raw = confidant --version (process start); target < 50 ms")
    record("note open via the agent, CLI p99 (ms)", agent.p99, version.p99, "ms", "\(runs.agent) runs")
    record("note open with a fresh unlock, CLI p50 (ms)", fresh.p50, version.p50, "ms",
           String(format: "default KDF (moderate) every time; %.1fx the agent path", fresh.p50 / max(agent.p50, 0.001)))
    record("note open with a fresh unlock, CLI p99 (ms)", fresh.p99, version.p99, "ms", "\(runs.fresh) runs")
    record("process start floor, confidant --version p50 (ms)", version.p50, trueFloor.p50, "ms", "raw = /bin/true spawned the same way")
}
