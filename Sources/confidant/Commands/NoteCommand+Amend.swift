import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VaultCore

extension NoteCommand {
    struct Amend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a signed addendum to a note (notes are never edited); prints its id.",
            discussion: "The text comes from --file, standard input, or at a terminal your $EDITOR on a file in RAM, as for 'note add'.")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "The note to amend.") var note: String
        @Option(help: "Read the addendum from this file (on a terminal without it: your $EDITOR on a file in RAM).") var file: String?

        func run() throws {
            let s = try globals.session()
            let content = file == nil && isatty(0) == 1 ? try NoteEditor.compose(initial: "") : try InputFile.read(file, what: "addendum")
            let a = try s.amendNote(id: try s.resolve(note, as: .record), text: String(decoding: content, as: UTF8.self))
            if globals.json { return try Output.json(Created(id: a.id, value: a)) }
            Output.line(a.id)
        }
    }

    /// Prints a note's addenda after its text, oldest first.
    static func printAddenda(_ addenda: [NoteAddendum]) {
        for a in addenda {
            Output.line("")
            let request = a.requestId.map { " · request \($0)" } ?? ""
            Output.line("── \(a.kind.title) \(a.id) · by \(a.author) · \(a.createdAt)\(request)")
            Output.body(Array(a.text.utf8))
        }
    }
}
