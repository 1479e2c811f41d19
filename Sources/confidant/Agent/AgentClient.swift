import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// The CLI side: when no passphrase source is given and an agent for this vault and user
/// answers, the agent runs the command and the CLI prints what it returned.
enum AgentClient {
    /// The exit code of the command run by the agent, or nil to run it here (no agent, another
    /// user's agent, or a command the agent never runs).
    static func forward(_ arguments: [String]) -> Int32? {
        let env = ProcessInfo.processInfo.environment
        guard AgentPolicy.refusal(arguments) == nil, env["CONFIDANT_PASSPHRASE_FILE"] == nil,
              let user = GlobalOptions.userName(flag: value(of: "--as", in: arguments)), !user.isEmpty,
              let fd = connect(vault: GlobalOptions.vaultPath(flag: value(of: "--vault", in: arguments))) else { return nil }
        defer { close(fd) }
        var stdin: Data?
        if AgentPolicy.readsStandardInput(arguments) {
            if isatty(0) == 1 && arguments.starts(with: ["note", "add"]) {
                // The editor runs here, at the user's terminal; the agent gets the text.
                let template = value(of: "--template", in: arguments).flatMap(NoteTemplate.init(rawValue:))
                guard let text = try? NoteEditor.compose(initial: template?.text ?? "") else { return nil }
                stdin = text
            } else {
                if isatty(0) == 1 { Output.note("type the text, end with Ctrl-D on a line of its own") }
                stdin = FileHandle.standardInput.readDataToEndOfFile()
            }
        }
        let req = AgentRequest(user: user, arguments: arguments, directory: FileManager.default.currentDirectoryPath, stdin: stdin)
        guard let body = try? JSONEncoder().encode(req), (try? AgentSocket.send(body, fd: fd)) != nil,
              let data = try? AgentSocket.receive(fd: fd), let r = try? JSONDecoder().decode(AgentResponse.self, from: data),
              r.declined != true else {
            return nil
        }
        FileHandle.standardOutput.write(r.stdout)
        FileHandle.standardError.write(r.stderr)
        return r.status
    }

    /// A connection to the agent of the vault at `path`, if one answers under this uid.
    static func connect(vault path: String) -> Int32? {
        guard let meta = try? Vault.vaultID(path: path), let socket = try? AgentSocket.path(vaultID: meta) else { return nil }
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
