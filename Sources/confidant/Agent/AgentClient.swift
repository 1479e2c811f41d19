import CSystemShim
import Foundation
import VaultCore
import VaultStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The CLI side: when no passphrase source is given and an agent for this vault and user
/// answers, the agent runs the command and the CLI prints what it returned.
enum AgentClient {
    /// The exit code of the command run by the agent, or nil to run it here (no agent, another
    /// user's agent, or a command the agent never runs).
    ///
    /// A command that reads its body from standard input asks the agent first (a ping) and
    /// reads the body only once the agent said it serves this user; should the agent still not
    /// run it (ended meanwhile), the body already read is handed back on standard input to the
    /// command run here, so nothing typed or piped is lost.
    static func forward(_ arguments: [String]) -> Int32? {
        let env = ProcessInfo.processInfo.environment
        guard AgentPolicy.refusal(arguments) == nil, env["CONFIDANT_PASSPHRASE_FILE"] == nil,
              let user = GlobalOptions.userName(flag: value(of: "--as", in: arguments)), !user.isEmpty else { return nil }
        let vault = GlobalOptions.vaultPath(flag: value(of: "--vault", in: arguments))
        var stdin: Data?
        if AgentPolicy.readsStandardInput(arguments) {
            guard ping(vault: vault, user: user) else { return nil }
            do { stdin = try readBody(arguments) } catch let e as VaultError {
                Output.error(e.message)
                return e.exitCode
            } catch { return nil }
        }
        let req = AgentRequest(user: user, arguments: arguments, directory: FileManager.default.currentDirectoryPath, stdin: stdin)
        guard let r = exchange(req, vault: vault), r.declined != true else {
            if let stdin { replayStandardInput(stdin) }
            return nil
        }
        FileHandle.standardOutput.write(r.stdout)
        FileHandle.standardError.write(r.stderr)
        return r.status
    }

    /// Whether an agent for this vault answers and serves `user`; nothing is run or renewed.
    static func ping(vault: String, user: String) -> Bool {
        let req = AgentRequest(user: user, arguments: [], directory: "/", stdin: nil, ping: true)
        guard let r = exchange(req, vault: vault) else { return false }
        return r.declined != true && r.status == 0
    }

    /// One request and its answer on a connection of its own; nil when no agent answers.
    static func exchange(_ req: AgentRequest, vault: String) -> AgentResponse? {
        guard let fd = connect(vault: vault) else { return nil }
        defer { close(fd) }
        guard let body = try? JSONEncoder().encode(req), (try? AgentSocket.send(body, fd: fd)) != nil,
              let data = try? AgentSocket.receive(fd: fd) else { return nil }
        return try? JSONDecoder().decode(AgentResponse.self, from: data)
    }

    /// The note or agreement body: at a terminal `note add` runs the editor here, at the
    /// user's terminal, and the agent gets the text; otherwise standard input to its end.
    static func readBody(_ arguments: [String]) throws -> Data {
        if isatty(0) == 1 && arguments.starts(with: ["note", "add"]) {
            let template = value(of: "--template", in: arguments).flatMap(NoteTemplate.init(rawValue:))
            return try NoteEditor.compose(initial: template?.text ?? "")
        }
        if isatty(0) == 1 { Output.note("type the text, end with Ctrl-D on a line of its own") }
        return FileHandle.standardInput.readDataToEndOfFile()
    }

    /// Puts `data` back as this process's standard input (a memory-only file), for the command
    /// run here after the agent did not run it.
    static func replayStandardInput(_ data: Data) {
        let fd = confidant_memfd("confidant-stdin")
        guard fd >= 0 else { return }
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let w = write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if w <= 0 { break }
                done += w
            }
        }
        lseek(fd, 0, SEEK_SET)
        dup2(fd, 0)
        close(fd)
    }

    /// A connection to the agent of the vault at `path`, if one answers under this uid.
    static func connect(vault path: String) -> Int32? {
        guard !VaultLocation.isDatabase(path), let meta = try? Vault.vaultID(path: path), let socket = try? AgentSocket.path(vaultID: meta) else { return nil }
        return AgentSocket.connect(to: socket)
    }

    /// The value of `--name X` or `--name=X` in `arguments`.
    static func value(of name: String, in arguments: [String]) -> String? {
        for (i, a) in arguments.enumerated() {
            if a == name, i + 1 < arguments.count { return arguments[i + 1] }
            if a.hasPrefix(name + "=") { return String(a.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
