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
            Output.table(["CODE", "KIND", "MEANING", "BASIS"], list.map { [$0.code, $0.kind.rawValue + ($0.mustInform ? ", inform" : ""), $0.meaning, $0.basis] })
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a jurisdiction-specific exception (admin); codes are never redefined.")
        @OptionGroup var globals: GlobalOptions
        @Argument var code: String
        @Option(help: "What it means, as shown to users.") var meaning: String
        @Option(help: "Its legal basis, e.g. a state statute.") var basis: String
        @Option(help: "required (a legal duty: never refused, flagged when not explained) or permitted.") var kind: ExceptionKind
        @Flag(help: "The client must be told a report was made (164.512(c)(2)).") var mustInform = false
        func validate() throws {
            try TextInput.validate(meaning, field: "--meaning")
            try TextInput.validate(basis, field: "--basis")
        }
        func run() throws {
            let e = try globals.session().addException(code: code, meaning: meaning, basis: basis, kind: kind, mustInform: mustInform)
            if globals.json { return try Output.json(Created(id: e.code, value: e)) }
            Output.line("Added exception \(e.code).")
        }
    }
}
