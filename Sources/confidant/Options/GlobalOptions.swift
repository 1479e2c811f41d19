import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

/// Options every command takes. Environment variables give defaults for paths and the
/// user name; a passphrase itself is never read from argv or an environment value.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Vault file or postgres:// URL (env CONFIDANT_VAULT, default ./confidant.vault).")
    var vault: String?

    @Option(name: .customLong("as"), help: "Act as this user (env CONFIDANT_USER).")
    var asUser: String?

    @Option(name: .long, help: "Read the passphrase from this file (env CONFIDANT_PASSPHRASE_FILE).")
    var passphraseFile: String?

    @Option(name: .long, help: "Read the passphrase from this open file descriptor.")
    var passphraseFD: Int32?

    @Flag(name: .long, help: "Print one JSON object (or array) on stdout.")
    var json = false

    /// `--vault`, else `CONFIDANT_VAULT`, else the config file's `vault`, else `./confidant.vault`.
    var vaultPath: String { Self.vaultPath(flag: vault) }

    static func vaultPath(flag: String?) -> String {
        flag ?? ProcessInfo.processInfo.environment["CONFIDANT_VAULT"] ?? (try? ConfigFile.load())?.vault ?? "./confidant.vault"
    }

    /// `--as`, else `CONFIDANT_USER`, else the config file's `user`.
    static func userName(flag: String?) -> String? {
        flag ?? ProcessInfo.processInfo.environment["CONFIDANT_USER"] ?? (try? ConfigFile.load())?.user
    }

    func userName() throws -> String {
        guard let u = Self.userName(flag: asUser), !u.isEmpty else {
            throw VaultError(.usage, "say who you are with --as USER (or set CONFIDANT_USER, or user = \"…\" in the config file)")
        }
        // Before the passphrase prompt (which shows it) and before anything is logged.
        try UserName.validate(u)
        return u
    }

    var passphraseSource: PassphraseSource {
        if let fd = passphraseFD { return .fd(fd) }
        if let f = passphraseFile ?? ProcessInfo.processInfo.environment["CONFIDANT_PASSPHRASE_FILE"] {
            return .file(f)
        }
        return .terminal
    }

    /// Opens the vault and unlocks it as the acting user.
    /// Inside an agent, its session (unlocked once by `confidant unlock`).
    func session() throws -> Session {
        if let s = AgentContext.session { return s }
        return try sessionAndPassphrase().0
    }

    /// The session, and the passphrase that unlocked it (for re-sealing new keys under it).
    func sessionAndPassphrase() throws -> (Session, SecretBytes) {
        if AgentContext.session != nil {
            throw VaultError(.notPermitted, "this command needs your passphrase itself; run it with --passphrase-file or after 'confidant lock'")
        }
        let vault = try VaultLocation.open(vaultPath)
        let user = try userName()
        // At the terminal a mistyped passphrase is asked again, three tries in all (each
        // refused try is logged); from a file or descriptor there is one.
        let tries = passphraseSource.isTerminal ? 3 : 1
        var prompt = "Passphrase for \(user): "
        for attempt in 1...tries {
            let pass = try Passphrase.read(from: passphraseSource, prompt: prompt)
            do {
                // Grants, key hand-overs and rotations that waited for a key holder run once,
                // after this session's first successful operation; never after a refusal.
                let session = try vault.unlock(user: user, passphrase: pass, pendingWork: .afterFirstSuccess(report: { e in
                    Output.error("pending work not completed: \(e.message)")
                }))
                return (session, pass)
            } catch let e as VaultError where e.kind == .notPermitted && e.message.hasPrefix("wrong passphrase") && attempt < tries {
                prompt = "Wrong passphrase, try again. Passphrase for \(user): "
            }
        }
        throw VaultError(.internal, "no passphrase was accepted")
    }
}
