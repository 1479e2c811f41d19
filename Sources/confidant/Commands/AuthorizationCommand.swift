import ArgumentParser
import Foundation
import VaultCore

struct AuthorizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "authorization",
                                                    abstract: "Record, revoke and list a client's signed authorizations (164.508).",
                                                    subcommands: [Add.self, Revoke.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record an authorization; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "Who may receive the records.") var recipient: String
        @Option(help: "Authorized records, comma-separated ids.") var records: String?
        @Option(help: "Authorized kinds: progress, psychotherapy, agreement (comma-separated; psychotherapy alone).") var kinds: String?
        @Option(help: "Purpose the client authorized.") var purpose: String
        @Option(help: "The day it was signed, YYYY-MM-DD.") var signedOn: String
        @Option(help: "Who signed it: client (default), or the representative's name.") var signedBy = "client"
        @Option(help: "Last valid day YYYY-MM-DD.") var expires: String?
        @Option(help: "The event that ends it, when it has no date.") var expiresEvent: String?
        @Option(help: "The signed authorization (scan or PDF), stored encrypted.") var signedCopy: String?

        /// The authorization as given; the vault checks its dates, kinds and records.
        var authorization: ClientAuthorization {
            func list(_ s: String?) -> [String]? { s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
            return ClientAuthorization(recipient: recipient, recordIDs: list(records), kinds: list(kinds), purpose: purpose,
                                       expires: expires, expiresEvent: expiresEvent, signedOn: signedOn, signedBy: signedBy)
        }

        func validate() throws {
            try authorization.validateText()
            try TextInput.validate(expiresEvent, field: "--expires-event")
            try TextInput.validate(signedBy, field: "--signed-by")
        }

        func run() throws {
            var a = authorization
            if let signedCopy {
                a.attachSignedCopy(try InputFile.read(signedCopy, what: "signed copy"))
            }
            let s = try globals.session()
            a.recordIDs = try a.recordIDs.map { try s.resolve($0, as: .record) }
            let id = try s.addAuthorization(clientID: try s.resolve(client, as: .client), authorization: a)
            if globals.json { return try Output.json(["id": id]) }
            Output.line(id)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the client's revocation of an authorization; prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var authorization: String
        @Option(help: "The day the revocation took effect, YYYY-MM-DD.") var on: String
        @Option(help: "The signed revocation (scan or PDF), stored encrypted.") var copy: String?
        func run() throws {
            let data = try copy.map { try InputFile.read($0, what: "revocation copy") }
            let s = try globals.session()
            let id = try s.revokeAuthorization(id: try s.resolve(authorization, as: .record), on: on, signedCopy: data)
            if globals.json { return try Output.json(["id": id]) }
            Output.line(id)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A client's authorizations and their state today.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let s = try globals.session()
            let list = try s.listAuthorizations(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(list) }
            Output.table(["ID", "RECIPIENT", "COVERS", "SIGNED", "ENDS", "STATE"], list.map {
                [$0.id, $0.recipient, $0.covers, "\($0.signedOn ?? "") by \($0.signedBy ?? "client")",
                 $0.revokedOn.map { "revoked \($0)" } ?? $0.expires ?? $0.expiresEvent ?? "", $0.state]
            })
        }
    }
}
