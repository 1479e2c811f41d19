import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VaultCore

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Write, list and open notes.",
                                                    subcommands: [Add.self, Amend.self, List.self, Open.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a note (from --file or standard input); prints its id.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The kind of note.") var kind: NoteKind = .progress
        @Option(help: "Read the note from this file (on a terminal without it: your $EDITOR on a file in RAM).") var file: String?
        @Option(help: "A title, written as the note's first line.") var title: String?
        @Option(help: "The session date YYYY-MM-DD, written under the title.") var date: String?
        @Option(help: "Start from a DBT template: individual-session, diary-card-review, chain-analysis, skills-group, phone-coaching.")
        var template: NoteTemplate?
        @Flag(help: "Care the minor lawfully consented to on its own: a parent's authority never covers it (sealed).")
        var minorConsented = false
        @Option(help: """
            A sensitivity label, sealed inside the note (never readable without its key): SUD substance use disorder, \
            ETH substance abuse including alcohol (42 CFR Part 2). Repeat for both.
            """) var label: [NoteLabel] = []

        func validate() throws {
            try TextInput.validate(title, field: "--title")
            if let date, !CalendarDate.isValid(date) { throw ValidationError("--date must be a date YYYY-MM-DD") }
        }

        func run() throws {
            let session = try globals.session()
            var content: Data
            if file == nil, isatty(0) == 1 {
                content = try NoteEditor.compose(initial: template?.text ?? "")
            } else {
                content = try InputFile.read(file, what: "note")
            }
            let head = [title.map { "Title: \($0)" }, date.map { "Session date: \($0)" }].compactMap { $0 }
            if !head.isEmpty { content = Data((head.joined(separator: "\n") + "\n\n").utf8) + content }
            let n = try session.addNote(clientID: try session.resolve(client, as: .client), kind: kind, content: [UInt8](content),
                                     labels: Set(label), minorConsented: minorConsented)
            if globals.json { try Output.json(Created(id: n.id, value: n)) } else { Output.line(n.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's notes (no content).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let s = try globals.session()
            let notes = try s.listNotes(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(notes) }
            Output.table(["NOTE", "KIND", "AUTHOR", "WRITTEN", "BYTES", "ADDENDA"],
                         notes.map { [$0.id, $0.kind, $0.author, $0.createdAt, String($0.bytes), $0.addenda.map(String.init) ?? ""] })
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a note, after its access is logged.")
        @OptionGroup var globals: GlobalOptions
        @Argument var note: String
        @Option(help: """
            Purpose of use (HL7 ActReason): TREAT treatment (the default), ETREAT emergency, HOPERAT operations, \
            PATRQT client-request, HLEGAL legal, THREAT threat, PUBHLTH public-health.
            """) var purpose: Purpose = .treat
        @Option(help: "Why you are opening it (stored encrypted for compliance).") var reason: String?
        @Flag(help: """
            Ask for emergency access outside the care team (with --purpose ETREAT and --reason); a second staff member \
            approves it with 'emergency approve'.
            """)
        var breakGlass = false
        @Flag(help: "Only the note's text, without the header shown on a terminal.") var raw = false
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let s = try globals.session()
            let n = try s.openNote(id: try s.resolve(note, as: .record), purpose: purpose, reason: reason, breakGlass: breakGlass)
            if let request = n.emergencyRequest {
                if globals.json { return try Output.json(["id": request]) }
                Output.line(request)
                Output.note("emergency access requested; nothing is shown until another staff member approves it with "
                            + "'confidant emergency approve \(request)'")
                return
            }
            if globals.json { return try Output.json(OpenJSON(note: n.summary, text: n.text, addenda: n.addenda,
                                                                    labels: n.labels.map(\.rawValue))) }
            if !raw && isatty(1) == 1 {  // a header for a person reading; a pipe or file gets the exact bytes
                Output.line("\(n.summary.kind) note \(n.summary.id) · client \(n.summary.clientID) · by \(n.summary.author) · \(n.summary.createdAt)"
                            + (n.labels.isEmpty ? "" : " · labels " + n.labels.map(\.rawValue).joined(separator: ",")))
                Output.line(String(repeating: "─", count: 60))
            }
            Output.body(n.content)
            if !raw { NoteCommand.printAddenda(n.addenda) }
        }
        struct OpenJSON: Encodable {
            var note: NoteSummary
            var text: String
            var addenda: [NoteAddendum]
            var labels: [String]
            func encode(to encoder: Encoder) throws {
                try note.encode(to: encoder)
                var c = encoder.container(keyedBy: K.self)
                try c.encode(text, forKey: .text)
                try c.encode(addenda, forKey: .addenda)
                try c.encode(labels, forKey: .labels)
            }
            enum K: String, CodingKey { case text, addenda, labels }
        }
    }
}
