import ArgumentParser
import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement", abstract: "Add, list, show and acknowledge treatment agreements.",
        discussion: "Each kind's JSON fields are documented in docs/agreements.md; "
            + "'confidant agreement template --kind K' prints an example.",
        subcommands: [Template.self, Add.self, List.self, Show.self, Acknowledge.self])

    /// How `agreement show` prints an agreement.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    struct Template: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a filled-in example agreement of a kind, dated today, to edit and give to 'agreement add'.",
            discussion: "confidant agreement template --kind safety > safety.json; edit it with the client; "
                + "confidant agreement add CLIENT --kind safety --file safety.json. Fields: docs/agreements.md.")
        @Option(help: "Which of the three agreements.") var kind: AgreementKind
        func run() throws {
            Output.line(AgreementTemplate.json(kind, now: TestClock.now()))
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a version of an agreement from a JSON file; prints its id.",
            discussion: "The fields of each kind are in docs/agreements.md; 'agreement template --kind K' prints an example.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "Which of the three agreements.") var kind: AgreementKind
        @Option(help: "The agreement as a JSON file.") var file: String
        func run() throws {
            let data = try InputFile.read(file, what: "agreement")
            let s = try globals.session()
            let a = try s.addAgreement(clientID: try s.resolve(client, as: .client), kind: kind, json: data)
            if globals.json { try Output.json(Created(id: a.id, value: a)) } else { Output.line(a.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a client's agreements, every version.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let s = try globals.session()
            let list = try s.listAgreements(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(list) }
            Output.table(["AGREEMENT", "KIND", "VERSION", "REVIEWED", "ACKNOWLEDGED", "AUTHOR"], list.map {
                [$0.id, $0.kind, String($0.version), $0.body?.reviewedOn ?? "", $0.body?.acknowledgedOn ?? "-", $0.author]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one agreement version.",
            discussion: "--format text (the default) prints headings and fields in order, exception codes with their meanings; "
                + "--format html a standalone printable page with signature lines (save it and print it); "
                + "--format json (or --json) the stored fields and acknowledgements.")
        @OptionGroup var globals: GlobalOptions
        @Argument var agreement: String
        @Option(help: "Purpose of use (HL7 ActReason).") var purpose: Purpose
        @Option(help: "Why you are opening it (stored encrypted).") var reason: String?
        @Option(help: "text (headings and fields), json, or html (a printable page to sign).") var format: Format = .text
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let session = try globals.session()
            let a = try session.showAgreement(id: try session.resolve(agreement, as: .record), purpose: purpose, reason: reason)
            if globals.json || format == .json { return try Output.json(a) }
            let catalogue = a.kind == AgreementKind.confidentiality.rawValue ? try session.listExceptions() : []
            Output.line(format == .html ? AgreementRender.html(a, catalogue: catalogue) : AgreementRender.text(a, catalogue: catalogue))
        }
    }

    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and sign an agreement of your own as the client.",
            discussion: "Shows the agreement, then asks 'Acknowledge this agreement? [y/N]' on the terminal. "
                + "Without a terminal (a script, a pipe) --yes is needed: it signs the agreement shown without asking.")
        @OptionGroup var globals: GlobalOptions
        @Argument var agreement: String
        @Flag(help: "Sign without asking (needed when standard input is not a terminal).") var yes = false
        func validate() throws {
            if !yes && isatty(0) != 1 {
                throw ValidationError("not on a terminal: read the agreement, then acknowledge it with --yes")
            }
        }
        func run() throws {
            let session = try globals.session()
            let shown = try session.openOwnAgreement(id: try session.resolve(agreement, as: .record))
            let catalogue = shown.kind == AgreementKind.confidentiality.rawValue ? try session.listExceptions() : []
            let text = AgreementRender.text(shown, catalogue: catalogue)
            // With --json, stdout carries only the JSON value: the text goes to the terminal on stderr.
            if globals.json { Self.stderr(text + "\n") } else { Output.line(text + "\n") }
            if !yes {
                Self.stderr("Acknowledge this agreement? [y/N] ")
                let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                guard answer == "y" || answer == "yes" else {
                    Output.note("not acknowledged; nothing was signed")
                    // Exit 1, not an error: main maps a thrown ExitCode(1) to 64 (usage).
                    Glibc.exit(1)
                }
            }
            let a = try session.acknowledgeAgreement(id: shown.id, shown: shown.body)
            if globals.json { return try Output.json(a) }
            Output.line("Acknowledged \(agreement) (hash \(a.agreementHash.prefix(16))…).")
        }

        private static func stderr(_ text: String) {
            FileHandle.standardError.write(Data(Output.escape(text, keeping: ["\n"]).utf8))
        }
    }
}
