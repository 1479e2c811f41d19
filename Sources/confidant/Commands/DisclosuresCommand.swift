import ArgumentParser
import Foundation
import VaultCore

struct DisclosuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclosures",
                                                    abstract: "The accounting of disclosures of a client (164.528), and its suspensions.",
                                                    subcommands: [List.self, Suspend.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The accounting of disclosures of a client.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "From this date YYYY-MM-DD (default: six years ago).") var since: String?

        /// Exactly the fields 45 CFR 164.528(b)(2) requires, and (staff only) a suspension's end.
        struct Required: Encodable {
            var date, recipientName, recipientAddress, description, purpose: String
            var suspendedUntil: String?
            /// Staff only: left out of the client's accounting (an exclusion, or an authorization).
            var notAccountable: String?
        }

        func run() throws {
            let s = try globals.session()
            let rows = try s.accounting(clientID: try s.resolve(client, as: .client), since: since)
            if globals.json {
                return try Output.json(rows.map { Required(date: $0.body.date, recipientName: $0.body.recipientName,
                                                           recipientAddress: $0.body.recipientAddress, description: $0.body.description,
                                                           purpose: $0.body.purpose, suspendedUntil: $0.suspendedUntil,
                                                           notAccountable: $0.body.accountable ? nil : ($0.body.notAccountable ?? "authorization")) })
            }
            if rows.isEmpty { return Output.line("No disclosures of \(client) in the period.") }
            Output.table(["DATE", "RECIPIENT", "ADDRESS", "WHAT", "PURPOSE", "BASIS"],
                         rows.map { [$0.body.date, $0.body.recipientName, $0.body.recipientAddress, $0.body.description, $0.body.purpose,
                                     $0.body.basis + ($0.body.override ? " (override)" : "")
                                        + ($0.suspendedUntil.map { " (suspended until \($0))" } ?? "")
                                        + ($0.body.accountable ? "" : " (not accountable: \($0.body.notAccountable ?? "authorization"))")] })
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold the disclosures to an agency out of the client's accountings and exports until a date (164.528(a)(2)).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The agency that asked, as named in its disclosures.") var recipient: String
        @Option(help: "The last day of the suspension, YYYY-MM-DD.") var until: String
        @Flag(help: "An oral request (30 days at most; record the agency's written statement when it comes).") var oral = false
        func validate() throws { try TextInput.validate(recipient, field: "--recipient") }
        func run() throws {
            let s = try globals.session()
            let id = try s.suspendAccounting(clientID: try s.resolve(client, as: .client), recipient: recipient, until: until, oral: oral)
            if globals.json { return try Output.json(["id": id]) }
            Output.line(id)
        }
    }
}
