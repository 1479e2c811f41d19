import ArgumentParser
import Foundation
import VaultCore

struct DisclosuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclosures",
                                                    abstract: "The accounting of disclosures of a client (164.528).")
    @OptionGroup var globals: GlobalOptions
    @Argument var client: String
    @Option(help: "From this date YYYY-MM-DD (default: six years ago).") var since: String?

    /// Exactly the fields 45 CFR 164.528(b)(2) requires.
    struct Required: Encodable { var date, recipientName, recipientAddress, description, purpose: String }

    func run() throws {
        let rows = try globals.session().accounting(clientID: client, since: since)
        if globals.json {
            return try Output.json(rows.map { Required(date: $0.body.date, recipientName: $0.body.recipientName,
                                                       recipientAddress: $0.body.recipientAddress, description: $0.body.description,
                                                       purpose: $0.body.purpose) })
        }
        if rows.isEmpty { return Output.line("No disclosures of \(client) in the period.") }
        Output.table(["DATE", "RECIPIENT", "ADDRESS", "WHAT", "PURPOSE", "BASIS"],
                     rows.map { [$0.body.date, $0.body.recipientName, $0.body.recipientAddress, $0.body.description, $0.body.purpose,
                                 $0.body.basis + ($0.body.override ? " (override)" : "")] })
    }
}
