import ArgumentParser
import Foundation
import VaultCore

struct DiscloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclose",
                                                    abstract: "Release records to a third party under a stated basis.")

    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Client id.") var client: String
    @Option(help: "Recipient's name.") var to: String
    @Option(help: "Recipient's address, if known.") var address = ""
    @Option(help: "Records disclosed, comma-separated ids (none with --oral).") var records: String?
    @Flag(help: "An oral disclosure (a phone report): no records; say what was said with --summary.") var oral = false
    @Option(help: "What was disclosed orally.") var summary: String?
    @Option(help: "An exception code (see 'confidant exceptions list'), or client-authorization.") var basis: String
    @Option(help: "Purpose of the disclosure (a brief statement).") var purpose: String
    @Option(help: "Date of the disclosure YYYY-MM-DD (default today).") var date: String?
    @Option(help: "For abuse reports: was the client informed?") var clientInformed: Answer?
    @Option(help: "Why the client was not informed (required with --client-informed no).") var notInformedReason: String?
    @Option(help: "The authorization relied on (with --basis client-authorization).") var authorization: String?
    @Option(help: "legal-process: the satisfactory assurance received.") var assurance: String?
    @Option(help: "health-oversight: 'author' when the agency oversees the notes' author.") var subject: String?
    @Option(help: "With no other compliance user to co-sign: your attestation of why the disclosure is permitted.") var attest: String?
    @Option(help: "A 164.528(a)(1) exclusion (treatment, payment, operations, to-individual, incidental, limited-data-set, national-security, correctional): kept, left out of the client's accounting.")
    var notAccountable: String?
    @Option(help: "The business associate that made this disclosure on the practice's behalf.") var byAssociate: String?
    @OptionGroup var cosign: CosignOptions

    /// `--client-informed yes|no`.
    enum Answer: String, ExpressibleByArgument, CaseIterable { case yes, no }

    /// The request as given; whether it may be made is the vault's decision.
    var request: DisclosureRequest {
        var r = DisclosureRequest(clientID: client, recipientName: to, recipientAddress: address,
                                  recordIDs: (records ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                  basis: basis, purpose: purpose, date: date, clientInformed: clientInformed.map { $0 == .yes },
                                  notInformedReason: notInformedReason, authorizationID: authorization)
        r.oral = oral
        r.summary = summary
        r.attest = attest
        r.assurance = assurance
        r.subject = subject
        r.notAccountable = notAccountable
        r.byAssociate = byAssociate
        return r
    }

    func validate() throws { try request.validateText() }  // before any passphrase is asked

    func run() throws {
        let session = try globals.session()
        let cosigner = try cosign.session(vault: session.vault)
        var r = request
        r.clientID = try session.resolve(client, as: .client)
        r.recordIDs = try r.recordIDs.map { try session.resolve($0, as: .record) }
        r.authorizationID = try r.authorizationID.map { try session.resolve($0, as: .record) }
        let d = try session.disclose(r, cosigner: cosigner)
        if globals.json { return try Output.json(Created(id: d.id, value: d.body)) }
        Output.line(d.id)
        if let included = d.body.addenda {
            Output.note("included with the records (45 CFR 164.526(d)(5)): " + included.map { "\(AddendumKind(rawValue: $0.kind)?.title ?? $0.kind) \($0.id)" }.joined(separator: ", "))
        }
        if d.body.notExplained == true {
            Output.note("\(d.body.basis) was not explained to the client; the disclosure is recorded and flagged for review (not-explained)")
        } else if d.body.override {
            let by = d.body.cosignedBy.map { "co-signed by \($0)" } ?? "attested"
            Output.note("basis not stated to the client; \(by) and flagged for review (override)")
        }
    }
}
