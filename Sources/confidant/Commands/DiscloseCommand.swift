import ArgumentParser
import Foundation
import VaultCore

struct DiscloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclose",
                                                    abstract: "Release records to a third party under a stated basis.")

    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Client id.") var client: String
    @Option(help: "Recipient's name.") var to: String
    @Option(help: "Recipient's address.") var address: String
    @Option(help: "Records disclosed, comma-separated ids.") var records: String
    @Option(help: "An exception code the client was told about, or client-authorization.") var basis: String
    @Option(help: "Purpose of the disclosure (a brief statement).") var purpose: String
    @Option(help: "Date of the disclosure YYYY-MM-DD (default today).") var date: String?
    @Option(help: "For abuse reports: was the client informed?") var clientInformed: Answer?
    @Option(help: "Why the client was not informed (required with --client-informed no).") var notInformedReason: String?
    @Option(help: "The authorization relied on (with --basis client-authorization).") var authorization: String?
    @OptionGroup var cosign: CosignOptions

    /// `--client-informed yes|no`.
    enum Answer: String, ExpressibleByArgument, CaseIterable { case yes, no }

    /// The request as given; whether it may be made is the vault's decision.
    var request: DisclosureRequest {
        DisclosureRequest(clientID: client, recipientName: to, recipientAddress: address,
                          recordIDs: records.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                          basis: basis, purpose: purpose, date: date, clientInformed: clientInformed.map { $0 == .yes },
                          notInformedReason: notInformedReason, authorizationID: authorization)
    }

    func validate() throws { try request.validateText() }  // before any passphrase is asked

    func run() throws {
        let session = try globals.session()
        let cosigner = try cosign.session(vault: session.vault)
        let d = try session.disclose(request, cosigner: cosigner)
        if globals.json { return try Output.json(Created(id: d.id, value: d.body)) }
        Output.line(d.id)
        if d.body.override {
            Output.note("basis not stated to the client; co-signed by \(d.body.cosignedBy ?? "") and flagged for review")
        }
    }
}
