import ArgumentParser
import Foundation
import VaultCore

struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agreement", abstract: "Add, list and show treatment agreements.",
                                                    subcommands: [Add.self, List.self, Show.self, Acknowledge.self])

    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign an agreement of your own as the client.")
        @OptionGroup var globals: GlobalOptions
        @Argument var agreement: String
        func run() throws {
            let a = try globals.session().acknowledgeAgreement(id: agreement)
            if globals.json { return try Output.json(a) }
            Output.line("Acknowledged \(agreement) (hash \(a.agreementHash.prefix(16))…).")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a version of an agreement from a JSON file; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "Which of the three agreements.") var kind: AgreementKind
        @Option(help: "The agreement as a JSON file.") var file: String
        func run() throws {
            let data = try InputFile.read(file, what: "agreement")
            let a = try globals.session().addAgreement(clientID: client, kind: kind, json: data)
            if globals.json { try Output.json(Created(id: a.id, value: a)) } else { Output.line(a.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's agreements, every version.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let list = try globals.session().listAgreements(clientID: client)
            if globals.json { return try Output.json(list) }
            Output.table(["AGREEMENT", "KIND", "VERSION", "REVIEWED", "ACKNOWLEDGED", "AUTHOR"], list.map {
                [$0.id, $0.kind, String($0.version), $0.body?.reviewedOn ?? "", $0.body?.acknowledgedOn ?? "-", $0.author]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one agreement version.")
        @OptionGroup var globals: GlobalOptions
        @Argument var agreement: String
        @Option(help: "Purpose of use (HL7 ActReason).") var purpose: Purpose
        @Option(help: "Why you are opening it (stored encrypted).") var reason: String?
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let a = try globals.session().showAgreement(id: agreement, purpose: purpose, reason: reason)
            if globals.json { return try Output.json(a) }
            Output.line("Agreement \(a.id): \(a.kind), version \(a.version), client \(a.clientID), by \(Output.escape(a.author))")
            if let b = a.body { Output.line(try Output.prettyJSON(b)) }
            for ack in a.acknowledgements ?? [] {
                let state = ack.signatureValid && ack.matchesAgreement
                    ? "signature verifies" : (ack.signatureValid ? "signed an earlier text" : "SIGNATURE DOES NOT VERIFY")
                Output.line("Acknowledged by \(Output.escape(ack.user)) at \(Output.escape(ack.time)): \(state)")
            }
            if a.acknowledgements?.isEmpty ?? true { Output.line("Not acknowledged by the client in Confidant.") }
        }
    }
}
