import ArgumentParser
import Foundation
import VaultCore

struct ExceptionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exceptions",
                                                    abstract: "The practice's catalogue of confidentiality exceptions.",
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
        static let configuration = CommandConfiguration(
            abstract: "Add a jurisdiction-specific exception (admin); codes are never redefined.")
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
