import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user",
                                                    abstract: "Add users, enrol with a code, list, change your passphrase, reset, remove.",
                                                    subcommands: [Add.self, Enrol.self, List.self, Passwd.self, Reset.self, Remove.self])

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore access for a user who lost its passphrase or let its code expire (admin, recovery key): prints a new enrolment code.")
        @OptionGroup var globals: GlobalOptions
        @Argument var name: String
        @Option(help: "The recovery key file.") var recoveryKey: String
        @Option(help: "Write the enrolment code to this new file (0600) instead of the terminal.") var codeFile: String?
        func validate() throws { try TextInput.validate(name, field: "the user name") }
        func run() throws {
            let session = try globals.session()
            try session.useRecoveryKey(path: recoveryKey)
            var rewrapped = 0
            try EnrolmentCodeOutput.issue(json: globals.json, to: codeFile,
                                          headline: { _ in "Reset \(name): \(rewrapped) keys re-wrapped to keys from a new enrolment code." }) {
                let (r, issued) = try session.resetUser(name)
                rewrapped = r.rewrapped
                return issued
            }
        }
    }

    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrol yourself with the one-time code your admin gave you, and choose your passphrase.")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "Your user name.") var name: String
        @Option(help: "Read the enrolment code from this file (otherwise asked on the terminal; never on the command line).")
        var codeFile: String?
        @Option(help: "Argon2id limits for your passphrase (interactive, moderate, sensitive; not weaker than the vault's).")
        var kdf: KDFStrength?
        func validate() throws { try UserName.validate(name) }
        func run() throws {
            let vault = try VaultLocation.open(globals.vaultPath)
            let code = try Passphrase.read(from: codeFile.map { .file($0) } ?? .terminal, prompt: "Enrolment code for \(name): ")
            let source = globals.passphraseSource
            let pass = try Passphrase.read(from: source, prompt: "Choose a passphrase for \(name): ", confirm: source.isTerminal)
            let u = try vault.enrol(user: name, code: code, passphrase: pass, kdf: kdf)
            if globals.json { return try Output.json(u) }
            Output.line("Enrolled \(u.name) (\(u.roles.joined(separator: ","))) with keys of its own, fingerprint \(u.fingerprint). The code is used up.")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deprovision a user (admin): off every care team, keys re-made without it, wraps deleted; its history stays.")
        @OptionGroup var globals: GlobalOptions
        @Argument var name: String
        @Option(help: "Recovery key file: lets the older records be re-encrypted at once where you hold no client key.")
        var recoveryKey: String?
        func validate() throws { try TextInput.validate(name, field: "the user name") }
        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let r = try session.removeUser(name)
            if globals.json { return try Output.json(r) }
            Output.line("Removed \(name): \(r.wrapsDeleted) key wraps deleted, \(r.clients.count) client keys re-made.")
            if !r.reEncryptionPending.isEmpty {
                Output.line("Older records of \(r.reEncryptionPending.joined(separator: ", ")) wait to be re-encrypted: run 'confidant key rotate --resume' with --recovery-key.")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a user (admin).")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "New user's name.") var name: String
        @Option(name: .customLong("role"), help: "Roles: admin, therapist, compliance, client, representative (comma-separated; client and representative alone).",
                transform: Role.parseList)
        var roles: Set<Role>
        @Option(help: "Write the enrolment code to this new file (0600) instead of the terminal.") var codeFile: String?
        @Option(help: "Recovery key file: lets a new compliance user read sealed reasons at once (required for client users).")
        var recoveryKey: String?
        @Option(help: "For a client user: the client it is; for a representative: the client it acts for.") var client: String?

        func validate() throws { try TextInput.validate(name, field: "the user name") }

        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let clientID = try client.map { try session.resolve($0, as: .client) }
            try EnrolmentCodeOutput.issue(json: globals.json, to: codeFile,
                                          headline: { "Added \(name) (\($0.user.roles.joined(separator: ",")))." }) {
                try session.addUser(name: name, roles: roles, clientID: clientID)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled users.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let users = try globals.session().listUsers()
            if globals.json { return try Output.json(users) }
            Output.table(["USER", "ROLES", "STATUS", "ENROLLED BY", "SINCE", "FINGERPRINT"],
                         users.map { u in
                             let status = u.codeExpires.map { "\(u.status) (code until \($0))" } ?? u.status
                             return [u.name, u.roles.joined(separator: ","), status, u.enrolledBy, u.enrolledAt, u.fingerprint]
                         })
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change your own passphrase.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Read the new passphrase from this file (otherwise asked twice on the terminal).") var newPassphraseFile: String?
        @Option(help: "Argon2id limits for the new passphrase (interactive, moderate, sensitive; not weaker than the vault's).")
        var kdf: KDFStrength?
        func run() throws {
            let session = try globals.session()
            let source: PassphraseSource = newPassphraseFile.map { .file($0) } ?? .terminal
            let new = try Passphrase.read(from: source, prompt: "New passphrase: ", confirm: true)
            try session.changePassphrase(to: new, kdf: kdf)
            if globals.json { try Output.json(["user": session.user, "status": "changed"]) } else {
                Output.line("Passphrase changed for \(session.user).")
            }
        }
    }
}

/// Shows a new enrolment code once: on the terminal (or in `--json`), or in a new 0600 file
/// created before the vault changes (so a path that cannot be created fails with 73 first).
enum EnrolmentCodeOutput {
    struct Shown: Encodable {
        var user: UserSummary
        var code: String?
        var codeFile: String?
        var expiresAt: String
    }

    static func issue(json: Bool, to file: String?, headline: (IssuedCode) -> String, _ make: () throws -> IssuedCode) throws {
        let fd = try file.map { try OutputFile.create($0) }
        let issued: IssuedCode
        do {
            issued = try make()
            if let fd {
                try issued.code.write(to: fd)
                try SecretBytes(copying: Array("\n".utf8)).write(to: fd)
                close(fd)
            }
        } catch {
            if let fd, let file { close(fd); unlink(file) }
            throw error
        }
        let text = file == nil ? String(decoding: issued.code.withUnsafeBytes { Array($0) }, as: UTF8.self) : nil
        if json {
            return try Output.json(Shown(user: issued.user, code: text, codeFile: file, expiresAt: issued.expiresAt))
        }
        Output.line(headline(issued))
        if let text {
            Output.line("Enrolment code (single use, until \(issued.expiresAt)): \(text)")
        } else {
            Output.line("Enrolment code written to \(file ?? "") (single use, until \(issued.expiresAt)).")
        }
        Output.line("Give it to \(issued.user.name) in person; \(issued.user.name) runs 'confidant user enrol \(issued.user.name)' and chooses a passphrase.")
    }
}
