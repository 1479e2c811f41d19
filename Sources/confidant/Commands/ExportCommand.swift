import ArgumentParser
import Foundation
import VaultCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
                                                    abstract: "Clients' copies of their records, as age-encrypted files.",
                                                    subcommands: [Request.self, Requests.self, Fulfill.self, Open.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a client's request for its records (due in 30 days).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let s = try globals.session()
            let r = try s.requestExport(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(Created(id: r.id, value: r)) }
            Output.line(r.id)
        }
    }

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List export requests.")
        @OptionGroup var globals: GlobalOptions
        @Flag(help: "Only open requests past their due date.") var overdue = false
        func run() throws {
            let list = try globals.session().exportRequests(overdueOnly: overdue)
            if globals.json { return try Output.json(list) }
            Output.table(["REQUEST", "CLIENT", "BY", "REQUESTED", "DUE", "STATE"], list.map {
                [$0.id, $0.clientID, $0.requestedBy, Timestamp.iso($0.requestedAt), Timestamp.iso($0.dueAt), $0.state]
            })
        }
    }
}
