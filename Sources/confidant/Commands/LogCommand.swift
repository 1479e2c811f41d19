import ArgumentParser
import Foundation
import VaultCore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Show, verify, checkpoint, review and export the access log.",
        subcommands: [Show.self, Verify.self, Checkpoint.self, Review.self, CloseReview.self, Export.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List access-log entries (compliance).")
        @OptionGroup var globals: GlobalOptions
        @OptionGroup var filter: LogFilterOptions
        @Option(help: "The column to sort by.") var sort: LogSort = .seq
        @Flag(help: "Newest (or largest) first.") var desc = false
        func run() throws {
            let session = try globals.session()
            let rows = try session.showLog(filter: try filter.filter(), sort: sort, descending: desc)
            if globals.json { return try Output.json(rows) }
            let zone = session.practiceTimeZone()
            Output.table(["SEQ", "TIME (\(zone.identifier))", "ACTOR", "ACTION", "CLIENT", "RECORD", "PURPOSE", "OUTCOME", "FLAGS", "REASON"],
                         rows.map { [String($0.seq), Timestamp.local($0.time, in: zone), $0.actor, $0.action, $0.client, $0.record, $0.purpose, $0.outcome,
                                     $0.flags.joined(separator: ","), $0.reason ?? ""] })
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the Merkle tree and check every entry (compliance, admin).")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "A checkpoint file from 'log checkpoint': prove the log extends it.") var checkpoint: String?
        func run() throws {
            var text: String?
            if let checkpoint {
                guard let d = FileManager.default.contents(atPath: checkpoint) else {
                    throw VaultError(.notFound, "no checkpoint file at \(checkpoint)")
                }
                text = String(decoding: d, as: UTF8.self)
            }
            let session: Session
            do { session = try globals.session() } catch let e as VaultError where e.kind == .badData {
                // The vault refuses to open on a bad fact: name the first one the log shows.
                _ = try VaultLocation.diagnose(globals.vaultPath, checkpointText: text)
                throw e
            }
            let r = try session.verifyLog(checkpointText: text)
            if globals.json { return try Output.json(r) }
            Output.line("Log verified: \(r.size) entries, root \(r.root) (\(r.signedEntries) signed, "
                        + "\(r.unsignedEntries) unsigned refused unlocks).")
            if let s = r.checkpointSize {
                Output.line("It extends the checkpoint of \(r.checkpointTime ?? "") (\(s) entries): consistency proof verified.")
            }
            if !r.lostInRestore.isEmpty {
                Output.line("\(r.lostInRestore.count) record(s) created before a restore are in neither copy (lost, not tampering): "
                            + r.lostInRestore.joined(separator: ", "))
            }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed tree head to keep outside the vault (compliance, admin).")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "File to write (must not exist).") var out: String
        func run() throws {
            var made: (text: String, size: Int, root: String)?
            try OutputFile.produce(out) {
                let c = try globals.session().checkpoint()
                made = c
                return Data(c.text.utf8)
            }
            guard let c = made else { return }
            if globals.json { return try Output.json(["file": out, "size": String(c.size), "root": c.root]) }
            Output.line("Checkpoint of \(c.size) entries written to \(out). Keep a copy outside the vault "
                        + "(print it, or store it with compliance records).")
        }
    }

    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List log items that need a human (compliance).")
        @OptionGroup var globals: GlobalOptions
        @Flag(help: "Include closed items.") var all = false
        @Option(help: "Only items of this rule (e.g. denied, outside-care-team, after-hours, break-glass).") var rule: String?
        func validate() throws { if let rule { try ReviewRules.validate(rule) } }
        func run() throws {
            let session = try globals.session()
            let items = try session.reviewItems(includeClosed: all, rule: rule)
            if globals.json { return try Output.json(items) }
            if items.isEmpty { return Output.line(rule.map { "No open \($0) review items." } ?? "No open review items.") }
            let zone = session.practiceTimeZone()
            Output.table(["ITEM", "TIME (\(zone.identifier))", "ACTOR", "ACTION", "CLIENT", "WHY", "DETAIL", "REASON", "STATE"],
                         items.map { [$0.id, Timestamp.local($0.time, in: zone), $0.actor, $0.action, $0.client, $0.why, $0.detail, $0.reason ?? "", $0.state] })
        }
    }

    struct CloseReview: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close-review",
            abstract: "Close review items with a note (compliance): the items named, or every open item of --rule.",
            discussion: "Each item closed is its own signed review.close entry; one unlock closes them all.")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "The items to close (ids from 'log review').") var items: [String] = []
        @Option(help: "Close every open item of this rule.") var rule: String?
        @Option(help: "With --rule: only items of this actor.") var actor: String?
        @Option(help: "With --rule: only items dated on or before this day (YYYY-MM-DD).") var until: String?
        @Option(help: "What was checked and concluded (stored encrypted).") var note: String

        func validate() throws {
            try TextInput.validate(note, field: "--note")
            guard items.isEmpty != (rule == nil) else {
                throw ValidationError("name the items to close, or select them with --rule (not both)")
            }
            if rule == nil && (actor != nil || until != nil) { throw ValidationError("--actor and --until need --rule") }
            if let rule { try ReviewSelection(rule: rule, actor: actor, until: until).validate() }
        }

        func run() throws {
            let session = try globals.session()
            let result = if let rule {
                try session.closeReviews(matching: ReviewSelection(rule: rule, actor: actor, until: until), note: note)
            } else {
                try session.closeReviews(items: items, note: note)
            }
            if globals.json { return try Output.json(result) }
            if result.closed.count == 1 && rule == nil { return Output.line("Closed \(result.closed[0]).") }
            Output.line("Closed \(result.closed.count) review item\(result.closed.count == 1 ? "" : "s").")
            if !result.skipped.isEmpty {
                Output.line("Skipped \(result.skipped.count) of your own (another compliance user must close them): "
                            + result.skipped.joined(separator: ", "))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the log as FHIR R4 AuditEvents or CSV (compliance).")
        @OptionGroup var globals: GlobalOptions
        @OptionGroup var filter: LogFilterOptions
        @Option(help: "The export format.") var format: Format
        @Option(help: "Write to this file (default: standard output).") var out: String?

        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// A FHIR R4 Bundle of AuditEvents.
            case fhir
            /// One row per entry: seq, time, actor, roles, action, client, record, purpose,
            /// outcome, detail, flags (no reasons).
            case csv
        }

        func run() throws {
            let export: () throws -> Data = switch format {
            case .fhir: { try globals.session().exportLogFHIR(filter: try filter.filter()) }
            case .csv: { try globals.session().exportLogCSV(filter: try filter.filter()) }
            }
            if let out {
                try OutputFile.produce(out, export)
            } else if format == .csv {
                // On standard output through Output.line: a tampered cell's controls show escaped.
                var text = String(decoding: try export(), as: UTF8.self)
                if text.hasSuffix("\n") { text.removeLast() }
                Output.line(text)
            } else {
                Output.jsonData(try export())
            }
        }
    }
}
