import ArgumentParser
import Foundation
import VaultCore

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Add, list, show and purge clients.",
                                                    subcommands: [Add.self, List.self, Find.self, Show.self, PurgeCommand.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a client; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Client's name (stored encrypted).") var name: String
        @Option(help: "Date of birth YYYY-MM-DD.") var dob: String?
        @Option(help: "Contact details.") var contact: String?
        @Option(help: "Another therapist to put on the care team.") var therapist: String?
        @Option(help: "The practice's chart number (unique in the vault; stored only as a keyed hash, and encrypted in the profile).")
        var chart: String?
        @Flag(help: "Add it even if a client with the same name and date of birth is on your care team.") var force = false
        func validate() throws {
            try ClientProfile(name: name, dateOfBirth: dob, contact: contact, chart: chart).validateText()
            try TextInput.validate(therapist, field: "--therapist")
        }
        func run() throws {
            let profile = ClientProfile(name: name, dateOfBirth: dob, contact: contact, chart: chart)
            let c = try globals.session().addClient(profile: profile, therapist: therapist, force: force)
            if globals.json { try Output.json(Created(id: c.id, value: c)) } else { Output.line(c.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clients on your care teams.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let list = try globals.session().listClients()
            if globals.json { return try Output.json(list) }
            Output.table(["CLIENT", "NAME", "CARE TEAM", "ADDED"], list.map {
                [$0.id, $0.name ?? "(sealed)", ($0.careTeam + $0.pendingCareTeam.map { $0 + " (pending)" }).joined(separator: ","),
                 $0.createdAt]
            })
        }
    }

    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find clients on your care teams by part of a name or an id, or any client by chart number.",
            discussion: "With --chart, admins and compliance officers find any client's id (no name); therapists, clients on their care teams.")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "Part of the name (case and accents ignored) or the start of an id.") var text: String?
        @Option(help: "The practice's chart number, exactly (case and surrounding spaces ignored).") var chart: String?
        func validate() throws {
            guard (text == nil) != (chart == nil) else { throw ValidationError("give part of a name or an id, or --chart NUMBER (not both)") }
            try TextInput.validate(text, field: "the search text")
            if let chart { _ = try ChartNumber.normalized(chart) }
        }
        func run() throws {
            let session = try globals.session()
            let list = try chart.map { [try session.findClient(chart: $0)] } ?? session.findClients(text ?? "")
            if globals.json { return try Output.json(list) }
            if list.isEmpty { return Output.line("No client on your care teams matches.") }
            Output.table(["CLIENT", "NAME", "BORN", "CARE TEAM"], list.map {
                [$0.id, $0.name ?? (chart == nil ? "" : "(sealed)"), $0.dateOfBirth ?? "", $0.careTeam.joined(separator: ",")]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a client's profile and care team.")
        @OptionGroup var globals: GlobalOptions
        @Argument var id: String
        @Option(help: "Purpose of use (HL7 ActReason).") var purpose: Purpose = .treat
        func run() throws {
            let s = try globals.session()
            let c = try s.showClient(id: try s.resolve(id, as: .client), purpose: purpose)
            if globals.json { return try Output.json(c) }
            Output.line("Client \(c.id)")
            Output.line("  name:        \(Output.escape(c.name ?? ""))")
            if let d = c.dateOfBirth { Output.line("  born:        \(Output.escape(d))") }
            if let d = c.contact { Output.line("  contact:     \(Output.escape(d))") }
            if let d = c.chart { Output.line("  chart:       \(Output.escape(d))") }
            Output.line("  care team:   \(c.careTeam.map { Output.escape($0) }.joined(separator: ", "))")
            if !c.pendingCareTeam.isEmpty {
                Output.line("  pending:     \(c.pendingCareTeam.map { Output.escape($0) }.joined(separator: ", "))")
            }
            Output.line("  notes:       \(c.progressNotes ?? 0) progress")
            Output.line("  agreements:  \(c.agreements ?? 0)")
        }
    }
}
