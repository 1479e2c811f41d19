import ArgumentParser
import Foundation
import VaultCore

/// Reads a note or agreement body from a file or standard input.
enum InputFile {
    static func read(_ path: String?, what: String) throws -> Data {
        if let path {
            guard FileManager.default.fileExists(atPath: path) else { throw VaultError(.notFound, "no \(what) file at \(path)") }
            guard let d = FileManager.default.contents(atPath: path) else { throw VaultError(.notFound, "cannot read \(what) file \(path)") }
            return d
        }
        return FileHandle.standardInput.readDataToEndOfFile()
    }
}

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Write, list and open notes.",
                                                    subcommands: [Add.self, List.self, Open.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a note (from --file or standard input); prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "progress or psychotherapy.") var kind: String = "progress"
        @Option(help: "Read the note from this file instead of standard input.") var file: String?
        func run() throws {
            guard let k = NoteKind(rawValue: kind) else { throw VaultError(.usage, "--kind must be progress or psychotherapy") }
            let session = try globals.session()
            let content = try InputFile.read(file, what: "note")
            let n = try session.addNote(clientID: client, kind: k, content: [UInt8](content))
            if globals.json { try Output.json(Created(id: n.id, value: n)) } else { Output.line(n.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's notes (no content).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let notes = try globals.session().listNotes(clientID: client)
            if globals.json { return try Output.json(notes) }
            Output.table(["NOTE", "KIND", "AUTHOR", "WRITTEN", "BYTES"], notes.map { [$0.id, $0.kind, $0.author, $0.createdAt, String($0.bytes)] })
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a note, after its access is logged.")
        @OptionGroup var globals: GlobalOptions
        @Argument var note: String
        @Option(help: "Purpose of use: TREAT, ETREAT, HOPERAT, PATRQT, HLEGAL, THREAT, PUBHLTH.") var purpose: String
        @Option(help: "Why you are opening it (stored encrypted for compliance).") var reason: String?
        @Flag(help: "Ask for emergency access outside the care team (with --purpose ETREAT and --reason); a second staff member approves it with 'emergency approve'.") var breakGlass = false
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let p = try Purpose.parse(purpose)
            let n = try globals.session().openNote(id: note, purpose: p, reason: reason, breakGlass: breakGlass)
            if let request = n.emergencyRequest {
                if globals.json { return try Output.json(["id": request]) }
                Output.line(request)
                Output.note("emergency access requested; nothing is shown until another staff member approves it with 'confidant emergency approve \(request)'")
                return
            }
            if globals.json { return try Output.json(OpenJSON(note: n.summary, text: n.text)) }
            Output.body(n.content)
        }
        struct OpenJSON: Encodable {
            var note: NoteSummary
            var text: String
            func encode(to encoder: Encoder) throws {
                try note.encode(to: encoder)
                var c = encoder.container(keyedBy: K.self)
                try c.encode(text, forKey: .text)
            }
            enum K: String, CodingKey { case text }
        }
    }
}

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
        @Option(help: "relationship, safety or confidentiality.") var kind: String
        @Option(help: "The agreement as a JSON file.") var file: String
        func run() throws {
            guard let k = AgreementKind(rawValue: kind) else { throw VaultError(.usage, "--kind must be relationship, safety or confidentiality") }
            let data = try InputFile.read(file, what: "agreement")
            let a = try globals.session().addAgreement(clientID: client, kind: k, json: data)
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
            Output.table(["AGREEMENT", "KIND", "VERSION", "REVIEWED", "ACKNOWLEDGED", "AUTHOR"],
                         list.map { [$0.id, $0.kind, String($0.version), $0.body?.reviewedOn ?? "", $0.body?.acknowledgedOn ?? "-", $0.author] })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one agreement version.")
        @OptionGroup var globals: GlobalOptions
        @Argument var agreement: String
        @Option(help: "Purpose of use (HL7 ActReason).") var purpose: String
        @Option(help: "Why you are opening it (stored encrypted).") var reason: String?
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let a = try globals.session().showAgreement(id: agreement, purpose: try Purpose.parse(purpose), reason: reason)
            if globals.json { return try Output.json(a) }
            Output.line("Agreement \(a.id): \(a.kind), version \(a.version), client \(a.clientID), by \(Output.escape(a.author))")
            if let b = a.body, let text = String(data: try JSONEncoder.pretty.encode(b), encoding: .utf8) { Output.line(text) }
            for ack in a.acknowledgements ?? [] {
                let state = ack.signatureValid && ack.matchesAgreement ? "signature verifies" : (ack.signatureValid ? "signed an earlier text" : "SIGNATURE DOES NOT VERIFY")
                Output.line("Acknowledged by \(Output.escape(ack.user)) at \(Output.escape(ack.time)): \(state)")
            }
            if a.acknowledgements?.isEmpty ?? true { Output.line("Not acknowledged by the client in Confidant.") }
        }
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
