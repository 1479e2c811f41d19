import ArgumentParser
import Foundation
import VaultCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export",
                                                    abstract: "Clients' copies of their records, as age-encrypted files.",
                                                    subcommands: [Request.self, Requests.self, Extend.self, Deny.self, ReviewDenial.self, Fulfill.self, Open.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a client's request for its records (due 30 days after it was received).",
            discussion: "With --to-third-party NAME, the client's signed written direction to send the copy to NAME (--direction-file) is kept encrypted.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The day the request was received (YYYY-MM-DD; default today).") var receivedOn: String?
        @Option(help: "The form the client asked for: electronic or paper.") var form: String?
        @Option(help: "Send the copy to this person or organisation, as the client directed in writing.") var toThirdParty: String?
        @Option(help: "The client's signed written direction naming the third party (scan or PDF).") var directionFile: String?

        func validate() throws {
            if let receivedOn, !CalendarDate.isValid(receivedOn) { throw ValidationError("--received-on must be a date YYYY-MM-DD, not '\(receivedOn)'") }
            if let form, AccessForm(rawValue: form) == nil { throw ValidationError("--form must be electronic or paper, not '\(form)'") }
            guard (toThirdParty == nil) == (directionFile == nil) else {
                throw ValidationError("a copy to a third party needs both --to-third-party NAME and the client's signed direction, --direction-file F")
            }
        }

        func run() throws {
            let direction = try directionFile.map { try InputFile.read($0, what: "signed direction") }
            let s = try globals.session()
            let input = AccessRequestInput(receivedOn: receivedOn, form: form.flatMap(AccessForm.init(rawValue:)), thirdParty: toThirdParty,
                                           direction: direction)
            let r = try s.requestExport(clientID: try s.resolve(client, as: .client), input)
            if globals.json { return try Output.json(Created(id: r.id, value: RequestCreated(row: r, due: RequestDeadline.dueDay(r)))) }
            Output.line(r.id)
            Output.note("access request \(r.id) is due \(RequestDeadline.dueDay(r))")
        }
    }

    struct RequestCreated: Encodable {
        var row: ExportRequestRow
        var due: String
        func encode(to encoder: Encoder) throws {
            try row.encode(to: encoder)
            var c = encoder.container(keyedBy: K.self)
            try c.encode(due, forKey: .due)
        }
        enum K: String, CodingKey { case due }
    }

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List access requests: received, due day and state (extended, overdue).")
        @OptionGroup var globals: GlobalOptions
        @Flag(help: "Only running (open or extended) requests past their due day.") var overdue = false
        func run() throws {
            let list = try globals.session().exportRequests(overdueOnly: overdue)
            if globals.json { return try Output.json(list) }
            Output.table(["REQUEST", "CLIENT", "BY", "RECEIVED", "DUE", "STATE"], list.map {
                [$0.id, $0.clientID, $0.requestedBy, $0.receivedOn ?? "-", $0.due, $0.shownState]
            })
        }
    }
}
