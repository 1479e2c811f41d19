import ArgumentParser
import Foundation
import VaultCore

/// `emergency approve | list`: the second staff member's half of emergency access.
struct EmergencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergency", abstract: "Approve and list emergency-access requests (a second staff member).",
        discussion: """
        A therapist outside a client's care team asks with 'note open NOTE --break-glass --purpose ETREAT --reason TEXT'. \
        Nothing is shown until another staff member who can open the client's key (a care-team therapist, or an admin \
        with --recovery-key) approves it here, in its own process. The release is logged, then the requester may open \
        the client's progress notes and current safety plan, with --purpose ETREAT, for breakglass.hours (default 24). \
        Rotate the client's key ('key rotate --client') when the window ends.
        """,
        subcommands: [Approve.self, List.self])

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a client's key to the therapist who asked.")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "The request id 'note open --break-glass' printed.") var request: String
        @Option(help: "The recovery key file, for an admin outside the care team.") var recoveryKey: String?
        func run() throws {
            let session = try globals.session()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            let r = try session.approveEmergency(id: try session.resolve(request, as: .emergency))
            if globals.json { return try Output.json(r) }
            Output.line("Released client \(r.client) to \(r.requestedBy) until \(r.endsAt ?? "the window ends").")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every emergency request and its state.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let list = try globals.session().listEmergencies()
            if globals.json { return try Output.json(list) }
            Output.table(["REQUEST", "CLIENT", "BY", "ASKED", "APPROVED BY", "ENDS", "STATE"],
                         list.map { [$0.id, $0.client, $0.requestedBy, $0.requestedAt, $0.approvedBy ?? "", $0.endsAt ?? "", $0.state] })
        }
    }
}
