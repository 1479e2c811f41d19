import Foundation
import VaultCore

/// The session an agent lends to the command it runs for a client (nil outside an agent): a
/// task-local binding, not shared state.
enum AgentContext {
    @TaskLocal static var session: Session?
}

/// What an agent never does for a client: grants, user changes, rotations, restores, purges,
/// co-signatures, anything needing the recovery key, and whatever withholds entries from a
/// client's accounting of disclosures (`disclosures suspend`, `disclose --not-accountable`)
/// always ask the passphrase.
enum AgentPolicy {
    static let refusedCommands: Set<String> = ["careteam", "user", "restore", "backup", "init", "demo", "unlock", "lock",
                                               "agent-serve", "help"]
    /// `agreement acknowledge` asks its client to confirm at the terminal, which the agent has not.
    static let refusedSubcommands: Set<String> = ["key rotate", "client purge", "emergency approve", "exceptions add",
                                                  "settings set", "export open", "agreement acknowledge", "agreement template",
                                                  "disclosures suspend"]
    static let refusedOptions: Set<String> = ["--cosign", "--approved-by", "--recovery-key", "--passphrase-file", "--passphrase-fd",
                                              "--not-accountable"]

    /// Why the agent will not run `arguments` (global options already moved last), or nil.
    static func refusal(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return "no command" }
        let pair = arguments.count > 1 ? first + " " + arguments[1] : first
        if refusedCommands.contains(first) || refusedSubcommands.contains(pair) {
            return "'\(pair)' always asks for your passphrase"
        }
        if let o = arguments.first(where: { a in refusedOptions.contains { a == $0 || a.hasPrefix($0 + "=") } }) {
            return "a command with \(o) always asks for the passphrase itself"
        }
        return nil
    }

    /// Whether the command reads its body from standard input (no `--file`).
    static func readsStandardInput(_ arguments: [String]) -> Bool {
        guard arguments.count > 1, ["note add", "note amend", "agreement add"].contains(arguments[0] + " " + arguments[1]) else { return false }
        return !arguments.contains { $0 == "--file" || $0.hasPrefix("--file=") }
    }

    /// `15m`, `2h`, `90s`, or plain seconds.
    static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let u = text.last, let f = units[u], let n = Double(text.dropLast()), n > 0 { return n * f }
        return Double(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
