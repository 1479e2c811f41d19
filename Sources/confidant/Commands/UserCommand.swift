import ArgumentParser
import Foundation
import VaultCore

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user",
                                                    abstract: "Enrol users, list them, change your passphrase, reset a lost one.",
                                                    subcommands: [Add.self, List.self, Passwd.self, Reset.self])

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore access for a user who lost its passphrase (admin, recovery key).")
        @OptionGroup var globals: GlobalOptions
        @Argument var name: String
        @Option(help: "File holding the user's new passphrase.") var initialPassphraseFile: String
        @Option(help: "The recovery key file.") var recoveryKey: String
        func run() throws {
            let session = try globals.session()
            try session.useRecoveryKey(path: recoveryKey)
            let initial = try Passphrase.read(from: .file(initialPassphraseFile), prompt: "")
            let r = try session.resetUser(name, initialPassphrase: initial)
            if globals.json { return try Output.json(r) }
            Output.line("Reset \(name): new keys (fingerprint \(r.fingerprint ?? "")), \(r.rewrapped) keys re-wrapped.")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrol a user (admin).")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "New user's name.") var name: String
        @Option(name: .customLong("role"), help: "Roles: admin, therapist, compliance, client (comma-separated).",
                transform: Role.parseList)
        var roles: Set<Role>
        @Option(help: "File holding the new user's first passphrase.") var initialPassphraseFile: String
        @Option(help: "Recovery key file: lets a new compliance user read sealed reasons at once (required for client users).")
        var recoveryKey: String?
        @Option(help: "For a client user: the client it is.") var client: String?

        func validate() throws { try TextInput.validate(name, field: "the user name") }

        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let initial = try Passphrase.read(from: .file(initialPassphraseFile), prompt: "")
            let u = try session.addUser(name: name, roles: roles, initialPassphrase: initial, clientID: client)
            if globals.json { try Output.json(Created(id: u.name, value: u)) } else {
                Output.line("Enrolled \(u.name) (\(u.roles.joined(separator: ","))), key fingerprint \(u.fingerprint).")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled users.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let users = try globals.session().listUsers()
            if globals.json { return try Output.json(users) }
            Output.table(["USER", "ROLES", "ENROLLED BY", "ENROLLED", "FINGERPRINT"],
                         users.map { [$0.name, $0.roles.joined(separator: ","), $0.enrolledBy, $0.enrolledAt, $0.fingerprint] })
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change your own passphrase.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Read the new passphrase from this file (otherwise asked twice on the terminal).") var newPassphraseFile: String?
        func run() throws {
            let session = try globals.session()
            let source: PassphraseSource = newPassphraseFile.map { .file($0) } ?? .terminal
            let new = try Passphrase.read(from: source, prompt: "New passphrase: ", confirm: true)
            try session.changePassphrase(to: new)
            if globals.json { try Output.json(["user": session.user, "status": "changed"]) } else {
                Output.line("Passphrase changed for \(session.user).")
            }
        }
    }
}
