import ArgumentParser
import Foundation
import VaultCore

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
            let r = try s.grant(clientID: try s.resolve(client, as: .client), to: user)
            if globals.json { return try Output.json(r) }
            Output.line(r.state == "pending"
                        ? "Granted \(user) access to \(client): pending until a care-team member next completes a command "
                            + "(or give --recovery-key)."
                        : "Granted \(user) access to \(client).")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a therapist from a client's care team and rotate the client key.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Argument var user: String
        @Option(help: "Recovery key file (admin not on the care team): re-encrypt the records at once.")
        var recoveryKey: String?
        func validate() throws { try TextInput.validate(user, field: "the user name") }
        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let r = try session.revoke(clientID: try session.resolve(client, as: .client), from: user)
            if globals.json { return try Output.json(r) }
            let head = "Revoked \(Output.escape(user)) from \(Output.escape(client)); key version \(r.keyVersion ?? 0) is current"
            if r.reEncryption == .pending {
                Output.line(head + "; the records will be re-encrypted by the next 'confidant key rotate --resume' run by a "
                            + "care-team therapist or an admin with --recovery-key.")
            } else {
                Output.line(head + " and \(r.recordsReEncrypted ?? 0) record(s) were re-encrypted under it.")
            }
        }
    }
}
