import ArgumentParser
import Foundation
import VaultCore

extension AmendmentDenialGround: ExpressibleByArgument {}

/// Amendment requests (45 CFR 164.526): request, extend, decide, disagree, rebut, show.
struct AmendmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amendment", abstract: "A client's requests to amend its records (45 CFR 164.526).",
        subcommands: [Request.self, Extend.self, Decide.self, Disagree.self, Rebut.self, Show.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a client's request to amend records (due 60 days after receipt); prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The records to amend, comma-separated note or agreement ids.") var records: String
        @Option(help: "The requested change and why, from this file.") var file: String
        @Option(help: "The day the practice received the request, YYYY-MM-DD (default today).") var receivedOn: String?

        var recordIDs: [String] { records.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

        func validate() throws {
            if recordIDs.isEmpty { throw ValidationError("--records must name at least one note or agreement") }
            if let receivedOn, !CalendarDate.isValid(receivedOn) { throw ValidationError("--received-on must be a date YYYY-MM-DD") }
        }

        func run() throws {
            let text = String(decoding: try InputFile.read(file, what: "amendment request"), as: UTF8.self)
            let s = try globals.session()
            let r = try s.requestAmendment(clientID: try s.resolve(client, as: .client), recordIDs: try s.resolve(recordIDs, as: .record),
                                           text: text, receivedOn: receivedOn)
            if globals.json { return try Output.json(Created(id: r.id, value: r)) }
            Output.line(r.id)
            Output.note("due \(r.dueOn) (60 days after receipt on \(r.receivedOn))")
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend an amendment request once by 30 days, with the reason the client is told.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "Why the decision is delayed (the client is told, with the new date).") var reason: String
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let s = try globals.session()
            let r = try s.extendAmendment(requestID: try s.resolve(request, as: .request), reason: reason)
            if globals.json { return try Output.json(r) }
            Output.line("\(r.id) extended: due \(r.dueOn)")
            Output.note("tell the client in writing, before the first due date, why and by when it will be decided (45 CFR 164.526(b)(2)(ii))")
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept or deny an amendment request.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Flag(help: "Accept: an addendum is linked to each record.") var accept = false
        @Flag(help: "Deny, on a --ground.") var deny = false
        @Option(help: "Why denied: not-created-by-practice, not-in-record-set, not-available-for-inspection, accurate-and-complete.")
        var ground: AmendmentDenialGround?
        @Option(help: "The decision's reason, as the client is told it.") var reason: String
        @Option(help: "With --accept: the amendment's text from this file (default the request's own text).") var file: String?

        /// The ground given, or a --reason that is itself a ground code.
        var denialGround: AmendmentDenialGround? { ground ?? AmendmentDenialGround(rawValue: reason) }

        func validate() throws {
            try TextInput.validate(reason, field: "--reason")
            if accept == deny { throw ValidationError("give one of --accept or --deny") }
            if deny && denialGround == nil {
                throw ValidationError("a denial needs --ground, one of \(AmendmentDenialGround.codes) (45 CFR 164.526(a)(2))")
            }
            if accept && ground != nil { throw ValidationError("--ground goes with --deny") }
            if deny && file != nil { throw ValidationError("--file goes with --accept") }
        }

        func run() throws {
            let text = try file.map { String(decoding: try InputFile.read($0, what: "amendment"), as: UTF8.self) }
            let s = try globals.session()
            let r = try s.decideAmendment(requestID: try s.resolve(request, as: .request), accept: accept,
                                          ground: deny ? denialGround : nil, reason: reason, text: text)
            if globals.json { return try Output.json(r) }
            Output.line("\(r.id) \(r.state)")
            for a in r.addenda ?? [] { Output.line(a) }
            if r.state == "refused" {
                Output.note("give the client a written denial: the ground, its right to file a statement of disagreement "
                            + "('confidant amendment disagree \(r.id)') or to ask that the request and denial go with future disclosures, "
                            + "and how to complain to the practice and to HHS (45 CFR 164.526(d)(1))")
            } else {
                Output.note("tell the client, and those it names who need the amendment (45 CFR 164.526(c)(2)-(3))")
            }
        }
    }

    struct Disagree: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "File the client's statement of disagreement with a denial; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The statement, from this file.") var file: String
        func run() throws {
            let text = String(decoding: try InputFile.read(file, what: "statement"), as: UTF8.self)
            let s = try globals.session()
            let a = try s.fileDisagreement(requestID: try s.resolve(request, as: .request), text: text)
            if globals.json { return try Output.json(Created(id: a.id, value: a)) }
            Output.line(a.id)
            Output.note("linked to \(a.recordIds.joined(separator: ", ")); it goes with every later disclosure of them")
        }
    }

    struct Rebut: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "File the practice's rebuttal of a statement of disagreement; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The rebuttal, from this file.") var file: String
        func run() throws {
            let text = String(decoding: try InputFile.read(file, what: "rebuttal"), as: UTF8.self)
            let s = try globals.session()
            let a = try s.fileRebuttal(requestID: try s.resolve(request, as: .request), text: text)
            if globals.json { return try Output.json(Created(id: a.id, value: a)) }
            Output.line(a.id)
            Output.note("give the client a copy of the rebuttal (45 CFR 164.526(d)(3))")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an amendment request: records, requested change, due date, decision.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        func run() throws {
            let s = try globals.session()
            let r = try s.amendment(requestID: try s.resolve(request, as: .request))
            if globals.json { return try Output.json(r) }
            Output.line("amendment request \(r.id) · client \(r.clientId) · \(r.state) · received \(r.receivedOn) · due \(r.dueOn)")
            Output.line("records: \(r.recordIds.joined(separator: ", "))")
            if let g = r.ground { Output.line("ground: \(g)") }
            if let why = r.reason { Output.line("reason: \(why)") }
            if let a = r.addenda, !a.isEmpty { Output.line("addenda: \(a.joined(separator: ", "))") }
            Output.line(String(repeating: "─", count: 60))
            Output.body(Array((r.text ?? "").utf8))
        }
    }
}
