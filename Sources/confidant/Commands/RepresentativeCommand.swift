import ArgumentParser
import Foundation
import VaultCore

struct RepresentativeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "representative",
                                                    abstract: "Record, block and list a client's personal representatives (164.502(g)).",
                                                    subcommands: [Add.self, Block.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a personal representative (therapist, admin); prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The representative's name.") var name: String
        @Option(help: "parent, guardian, agent, executor or other.") var relation: String
        @Option(help: "The evidence of its authority (e.g. 'birth certificate seen 2026-01-05'), stored encrypted.") var evidence: String
        @Option(help: "all, excluding-minor-consented or records:RID,… (default all).") var scope = "all"
        @Option(help: "First day of its authority YYYY-MM-DD (default today).") var from: String?
        @Option(help: "Last day of its authority YYYY-MM-DD (a parent's ends at the age of majority anyway).") var until: String?
        @Option(help: "The user, enrolled with --role representative --client ID, who acts with this authority.") var user: String?

        func run() throws {
            let s = try globals.session()
            var scope = try RepresentativeScope.parse(scope)
            if case .records(let ids) = scope { scope = .records(try s.resolve(ids, as: .record)) }
            let input = RepresentativeInput(name: name, relation: try RepresentativeRelation.parse(relation), evidence: evidence,
                                            scope: scope, from: from, until: until, user: user)
            let r = try s.addRepresentative(clientID: try s.resolve(client, as: .client), input)
            if globals.json { return try Output.json(Created(id: r.id, value: r)) }
            Output.line(r.id)
        }
    }

    struct Block: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a representative's authority at once (164.502(g)(5)); reviewed by compliance.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Argument(help: "The representative's id (from 'representative list').") var representative: String
        @Option(help: "Why (stored encrypted).") var reason: String

        func run() throws {
            let s = try globals.session()
            let r = try s.blockRepresentative(clientID: try s.resolve(client, as: .client),
                                              representativeID: try s.resolve(representative, as: .record), reason: reason)
            if globals.json { return try Output.json(r) }
            Output.line("representative \(r.id) of client \(try s.resolve(client, as: .client)) is blocked; its key copies are removed")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's personal representatives with their state today.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String

        func run() throws {
            let s = try globals.session()
            let reps = try s.listRepresentatives(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(reps) }
            Output.table(["ID", "NAME", "RELATION", "SCOPE", "FROM", "ENDS", "USER", "STATE"],
                         reps.map { [$0.id, $0.name, $0.relation, $0.scope, $0.from, $0.authorityEnds ?? "", $0.user ?? "", $0.state] })
        }
    }
}
