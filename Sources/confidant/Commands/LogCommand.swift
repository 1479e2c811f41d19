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
            let rows = try globals.session().showLog(filter: try filter.filter(), sort: sort, descending: desc)
            if globals.json { return try Output.json(rows) }
            Output.table(["SEQ", "TIME", "ACTOR", "ACTION", "CLIENT", "RECORD", "PURPOSE", "OUTCOME", "FLAGS", "REASON"],
                         rows.map { [String($0.seq), $0.time, $0.actor, $0.action, $0.client, $0.record, $0.purpose, $0.outcome,
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
                _ = try Vault.diagnose(path: globals.vaultPath, checkpointText: text)
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
        func run() throws {
            let items = try globals.session().reviewItems(includeClosed: all)
            if globals.json { return try Output.json(items) }
            if items.isEmpty { return Output.line("No open review items.") }
            Output.table(["ITEM", "TIME", "ACTOR", "ACTION", "CLIENT", "WHY", "STATE"],
                         items.map { [$0.id, $0.time, $0.actor, $0.action, $0.client, $0.why, $0.state] })
        }
    }

    struct CloseReview: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "close-review",
                                                        abstract: "Close a review item with a note (compliance).")
        @OptionGroup var globals: GlobalOptions
        @Argument var item: String
        @Option(help: "What was checked and concluded (stored encrypted).") var note: String
        func validate() throws { try TextInput.validate(note, field: "--note") }
        func run() throws {
            try globals.session().closeReview(item: item, note: note)
            if globals.json { return try Output.json(["id": item, "state": "closed"]) }
            Output.line("Closed \(item).")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the log as FHIR R4 AuditEvents (compliance).")
        @OptionGroup var globals: GlobalOptions
        @OptionGroup var filter: LogFilterOptions
        @Option(help: "The export format.") var format: Format
        @Option(help: "Write to this file (default: standard output).") var out: String?

        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// A FHIR R4 Bundle of AuditEvents.
            case fhir
        }

        func run() throws {
            let export: () throws -> Data = switch format {
            case .fhir: { try globals.session().exportLogFHIR(filter: try filter.filter()) }
            }
            if let out {
                try OutputFile.produce(out, export)
            } else {
                Output.jsonData(try export())
            }
        }
    }
}
