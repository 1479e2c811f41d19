import ArgumentParser
import Foundation
import VaultCore

struct AuthorizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "authorization",
                                                    abstract: "Record a client's signed authorization (164.508).",
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

        /// The authorization as given; the vault checks its dates, kinds and records.
        var authorization: ClientAuthorization {
            func list(_ s: String?) -> [String]? { s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } }
            return ClientAuthorization(recipient: recipient, recordIDs: list(records), kinds: list(kinds), purpose: purpose,
                                       expires: expires)
        }

        func validate() throws { try authorization.validateText() }

        func run() throws {
            var a = authorization
            if let signedCopy {
                a.attachSignedCopy(try InputFile.read(signedCopy, what: "signed copy"))
            }
            let id = try globals.session().addAuthorization(clientID: client, authorization: a)
            if globals.json { return try Output.json(["id": id]) }
            Output.line(id)
        }
    }
}
