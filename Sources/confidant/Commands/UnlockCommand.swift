import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `confidant unlock [--for 15m]`: one passphrase, one key derivation, then a background agent
/// runs this user's commands until `confidant lock`, `--for` without use, or 8 hours.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock",
        abstract: "Unlock once: a background agent runs your commands without asking again (see 'confidant lock').")
    @OptionGroup var globals: GlobalOptions
    @Option(name: .customLong("for"), help: "Idle time before the agent locks itself, e.g. 15m, 2h (renewed by use; 8h at most).")
    var idle = "15m"

    func validate() throws {
        guard let d = AgentPolicy.duration(idle), d <= AgentServe.ceiling else {
            throw ValidationError("--for takes a duration such as 90s, 15m or 2h, at most 8h")
        }
    }

    func run() throws {
        if VaultLocation.isDatabase(globals.vaultPath) {
            throw VaultError(.usage, "the agent serves vault files only, for now; on a PostgreSQL vault each command asks its passphrase")
        }
        let user = try globals.userName()
        let socket = try AgentSocket.path(vaultID: try VaultLocation.vaultID(globals.vaultPath))
        if let fd = AgentSocket.connect(to: socket) {
            close(fd)
            throw VaultError(.usage, "an agent is already unlocked for this vault; 'confidant lock' ends it first")
        }
        let pass = try Passphrase.read(from: globals.passphraseSource, prompt: "Passphrase for \(user): ")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["agent-serve", "--for", idle, "--vault", globals.vaultPath, "--as", user, "--passphrase-fd", "0"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        child.standardInput = input
        child.standardOutput = output
        child.standardError = errors
        try child.run()
        try pass.write(to: input.fileHandleForWriting.fileDescriptor)
        try? input.fileHandleForWriting.close()
        let ready = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard ready.hasPrefix("ready") else {
            child.waitUntilExit()
            FileHandle.standardError.write(errors.fileHandleForReading.readDataToEndOfFile())
            throw ExitCode(child.terminationStatus == 0 ? 70 : child.terminationStatus)
        }
        if globals.json { return try Output.json(["user": user, "socket": socket, "for": idle]) }
        Output.line("Unlocked \(user) for \(idle) of inactivity (8 hours at most); 'confidant lock' ends it now.")
    }
}

/// `confidant lock`: ends this vault's agent; its keys are wiped.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lock", abstract: "End the agent 'confidant unlock' started; its keys are wiped.")
    @OptionGroup var globals: GlobalOptions

    func run() throws {
        let user = try globals.userName()
        guard let fd = AgentClient.connect(vault: globals.vaultPath) else { return Output.line("No agent is unlocked for this vault.") }
        defer { close(fd) }
        let req = AgentRequest(user: user, arguments: [], directory: "/", stdin: nil, lock: true)
        try AgentSocket.send(try JSONEncoder().encode(req), fd: fd)
        let r = try JSONDecoder().decode(AgentResponse.self, from: try AgentSocket.receive(fd: fd))
        FileHandle.standardOutput.write(r.stdout)
        FileHandle.standardError.write(r.stderr)
        if r.status != 0 { throw ExitCode(r.status) }
    }
}

/// The agent process itself (started by `unlock`, not for direct use).
struct AgentServe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent-serve", abstract: "Run the agent (started by 'confidant unlock').",
                                                    shouldDisplay: false)
    static let ceiling: TimeInterval = 8 * 3600
    @OptionGroup var globals: GlobalOptions
    @Option(name: .customLong("for")) var idle = "15m"

    func run() throws {
        _ = setsid()  // no controlling terminal: a closed shell does not end the agent
        let session = try globals.session()
        let path = try AgentSocket.path(vaultID: Encoding.hex(session.vault.meta.vaultID))
        let fd = try AgentSocket.listen(at: path)
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        let null = open("/dev/null", O_RDWR)
        dup2(null, 0); dup2(null, 1); dup2(null, 2)
        close(null)
        AgentServer(session: session, listenFD: fd, socketPath: path, idle: AgentPolicy.duration(idle) ?? 900,
                    ceiling: Date().addingTimeInterval(Self.ceiling)).serve()
    }
}
