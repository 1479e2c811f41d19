import ArgumentParser
import Foundation
import VaultCore

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Add, list, show and purge clients.",
                                                    subcommands: [Add.self, List.self, Show.self, PurgeCommand.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a client; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Client's name (stored encrypted).") var name: String
        @Option(help: "Date of birth YYYY-MM-DD.") var dob: String?
        @Option(help: "Contact details.") var contact: String?
        @Option(help: "Another therapist to put on the care team.") var therapist: String?
        func validate() throws {
            try ClientProfile(name: name, dateOfBirth: dob, contact: contact).validateText()
            try TextInput.validate(therapist, field: "--therapist")
        }
        func run() throws {
            let c = try globals.session().addClient(profile: ClientProfile(name: name, dateOfBirth: dob, contact: contact), therapist: therapist)
            if globals.json { try Output.json(Created(id: c.id, value: c)) } else { Output.line(c.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients on your care teams.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let list = try globals.session().listClients()
            if globals.json { return try Output.json(list) }
            Output.table(["CLIENT", "NAME", "CARE TEAM", "ADDED"],
                         list.map { [$0.id, $0.name ?? "(sealed)", ($0.careTeam + $0.pendingCareTeam.map { $0 + " (pending)" }).joined(separator: ","), $0.createdAt] })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a client's profile and care team.")
        @OptionGroup var globals: GlobalOptions
        @Argument var id: String
        @Option(help: "Purpose of use (HL7 ActReason).") var purpose: String = "TREAT"
        func run() throws {
            let p = try Purpose.parse(purpose)
            let c = try globals.session().showClient(id: id, purpose: p)
            if globals.json { return try Output.json(c) }
            Output.line("Client \(c.id)")
            Output.line("  name:        \(Output.escape(c.name ?? ""))")
            if let d = c.dateOfBirth { Output.line("  born:        \(Output.escape(d))") }
            if let d = c.contact { Output.line("  contact:     \(Output.escape(d))") }
            Output.line("  care team:   \(c.careTeam.map { Output.escape($0) }.joined(separator: ", "))")
            if !c.pendingCareTeam.isEmpty { Output.line("  pending:     \(c.pendingCareTeam.map { Output.escape($0) }.joined(separator: ", "))") }
            Output.line("  notes:       \(c.progressNotes ?? 0) progress")
            Output.line("  agreements:  \(c.agreements ?? 0)")
        }
    }
}

struct CareTeamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "careteam", abstract: "Grant or revoke care-team access.",
                                                    subcommands: [Grant.self, Revoke.self])

    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a therapist on a client's care team.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Argument var user: String
        @Option(help: "Recovery key file (admin not on the care team).") var recoveryKey: String?
        func validate() throws { try TextInput.validate(user, field: "the user name") }
        func run() throws {
            let s = try globals.session()
            if let recoveryKey { try s.useRecoveryKey(path: recoveryKey) }
            let r = try s.grant(clientID: client, to: user)
            if globals.json { return try Output.json(r) }
            Output.line(r.state == "pending"
                        ? "Granted \(user) access to \(client): pending until a care-team member next completes a command (or give --recovery-key)."
                        : "Granted \(user) access to \(client).")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a therapist from a client's care team and rotate the client key.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Argument var user: String
        @Option(help: "Recovery key file (admin not on the care team): re-encrypt the records at once.") var recoveryKey: String?
        func validate() throws { try TextInput.validate(user, field: "the user name") }
        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let r = try session.revoke(clientID: client, from: user)
            if globals.json { return try Output.json(r) }
            let head = "Revoked \(Output.escape(user)) from \(Output.escape(client)); key version \(r.keyVersion ?? 0) is current"
            if r.reEncryption == .pending {
                Output.line(head + "; the records will be re-encrypted by the next 'confidant key rotate --resume' run by a care-team therapist or an admin with --recovery-key.")
            } else {
                Output.line(head + " and \(r.recordsReEncrypted ?? 0) record(s) were re-encrypted under it.")
            }
        }
    }
}
