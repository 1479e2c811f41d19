import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

/// How the co-signing user's passphrase is given (never on argv or in an environment value).
struct CosignOptions: ParsableArguments {
    @Option(help: "A compliance officer who co-signs an override (its passphrase is asked too).") var cosign: String?
    @Option(help: "Read the co-signer's passphrase from this file (env CONFIDANT_COSIGN_PASSPHRASE_FILE).") var cosignPassphraseFile: String?
    @Option(help: "Read the co-signer's passphrase from this open file descriptor.") var cosignPassphraseFD: Int32?

    /// Unlocks the co-signer, if one was named, in the same vault.
    func session(vault: Vault) throws -> Session? {
        guard let cosign else { return nil }
        return try Self.unlock(cosign, file: cosignPassphraseFile, fd: cosignPassphraseFD, vault: vault)
    }

    static func unlock(_ name: String, file: String?, fd: Int32?, vault: Vault) throws -> Session {
        try UserName.validate(name)  // before the prompt, which shows the name
        let source: PassphraseSource
        if let fd { source = .fd(fd) }
        else if let f = file ?? ProcessInfo.processInfo.environment["CONFIDANT_COSIGN_PASSPHRASE_FILE"] { source = .file(f) }
        else { source = .terminal }
        let pass = try Passphrase.read(from: source, prompt: "Passphrase for \(name) (co-signing): ")
        return try vault.unlock(user: name, passphrase: pass)
    }
}

/// The approving user of a purge, and how its passphrase is given.
struct ApproverOptions: ParsableArguments {
    @Option(help: "The compliance officer approving (its passphrase is asked too).") var approvedBy: String
    @Option(help: "Read the approver's passphrase from this file (env CONFIDANT_COSIGN_PASSPHRASE_FILE).") var cosignPassphraseFile: String?
    @Option(help: "Read the approver's passphrase from this open file descriptor.") var cosignPassphraseFD: Int32?

    func session(vault: Vault) throws -> Session {
        try CosignOptions.unlock(approvedBy, file: cosignPassphraseFile, fd: cosignPassphraseFD, vault: vault)
    }
}

struct DiscloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclose", abstract: "Release records to a third party under a stated basis.")

    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Client id.") var client: String
    @Option(help: "Recipient's name.") var to: String
    @Option(help: "Recipient's address.") var address: String
    @Option(help: "Records disclosed, comma-separated ids.") var records: String
    @Option(help: "An exception code the client was told about, or client-authorization.") var basis: String
    @Option(help: "Purpose of the disclosure (a brief statement).") var purpose: String
    @Option(help: "Date of the disclosure YYYY-MM-DD (default today).") var date: String?
    @Option(help: "For abuse reports: was the client informed? yes or no.") var clientInformed: String?
    @Option(help: "Why the client was not informed (required with --client-informed no).") var notInformedReason: String?
    @Option(help: "The authorization relied on (with --basis client-authorization).") var authorization: String?
    @OptionGroup var cosign: CosignOptions

    func run() throws {
        var informed: Bool?
        if let clientInformed {
            guard clientInformed == "yes" || clientInformed == "no" else { throw VaultError(.usage, "--client-informed must be yes or no") }
            informed = clientInformed == "yes"
        }
        let request = DisclosureRequest(clientID: client, recipientName: to, recipientAddress: address,
                                        recordIDs: records.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                        basis: basis, purpose: purpose, date: date, clientInformed: informed,
                                        notInformedReason: notInformedReason, authorizationID: authorization)
        try request.validateText()  // before any passphrase is asked
        let session = try globals.session()
        let cosigner = try cosign.session(vault: session.vault)
        let d = try session.disclose(request, cosigner: cosigner)
        if globals.json { return try Output.json(Created(id: d.id, value: d.body)) }
        Output.line(d.id)
        if d.body.override { Output.note("basis not stated to the client; co-signed by \(d.body.cosignedBy ?? "") and flagged for review") }
    }
}

struct AuthorizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "authorization", abstract: "Record a client's signed authorization (164.508).",
                                                    subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record an authorization; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "Who may receive the records.") var recipient: String
        @Option(help: "Authorized records, comma-separated ids.") var records: String?
        @Option(help: "Authorized kinds: progress, psychotherapy, agreement (comma-separated).") var kinds: String?
        @Option(help: "Purpose the client authorized.") var purpose: String
        @Option(help: "Last valid day YYYY-MM-DD.") var expires: String
        @Option(help: "The signed authorization (scan or PDF), stored encrypted.") var signedCopy: String?
        func run() throws {
            func list(_ s: String?) -> [String]? { s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
            var a = ClientAuthorization(recipient: recipient, recordIDs: list(records), kinds: list(kinds), purpose: purpose, expires: expires)
            try a.validateText()
            if let signedCopy {
                a.attachSignedCopy(try InputFile.read(signedCopy, what: "signed copy"))
            }
            let id = try globals.session().addAuthorization(clientID: client, authorization: a)
            if globals.json { return try Output.json(["id": id]) }
            Output.line(id)
        }
    }
}

struct DisclosuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disclosures", abstract: "The accounting of disclosures of a client (164.528).")
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

struct ExceptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exceptions", abstract: "The practice's catalogue of confidentiality exceptions.",
                                                    subcommands: [List.self, Add.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List exception codes, meanings and legal bases.")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let list = try globals.session().listExceptions()
            if globals.json { return try Output.json(list) }
            Output.table(["CODE", "MEANING", "BASIS"], list.map { [$0.code, $0.meaning, $0.basis] })
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a jurisdiction-specific exception (admin); codes are never redefined.")
        @OptionGroup var globals: GlobalOptions
        @Argument var code: String
        @Option(help: "What it means, as shown to users.") var meaning: String
        @Option(help: "Its legal basis, e.g. a state statute.") var basis: String
        func validate() throws {
            try TextInput.validate(meaning, field: "--meaning")
            try TextInput.validate(basis, field: "--basis")
        }
        func run() throws {
            let e = try globals.session().addException(code: code, meaning: meaning, basis: basis)
            if globals.json { return try Output.json(Created(id: e.code, value: e)) }
            Output.line("Added exception \(e.code).")
        }
    }
}
