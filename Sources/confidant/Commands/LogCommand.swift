import ArgumentParser
import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Parses `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 time into milliseconds.
enum TimeArgument {
    static func millis(_ text: String, option: String) throws -> Int64 {
        if CalendarDate.isValid(text), let d = ISO8601DateFormatter().date(from: text + "T00:00:00Z") {
            return Int64(d.timeIntervalSince1970 * 1000)
        }
        if let d = ISO8601DateFormatter().date(from: text) { return Int64(d.timeIntervalSince1970 * 1000) }
        throw VaultError(.usage, "\(option) must be a date YYYY-MM-DD or a time like 2026-11-02T09:30:00Z")
    }
}

/// Writes a new file with mode 0600, refusing to overwrite.
enum OutputFile {
    /// Creates `path` (which must not exist) before any work is done, so a command whose output
    /// cannot be created fails with 73 before it touches the vault; the file is removed again if
    /// `produce` fails.
    static func produce(_ path: String, _ produce: () throws -> Data) throws {
        let fd = try create(path)
        do {
            let data = try produce()
            try write(data, fd: fd, path: path)
            close(fd)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    static func create(_ path: String) throws -> Int32 { try PrivateFile.create(path) }

    static func write(_ data: Data, to path: String) throws {
        let fd = try create(path)
        defer { close(fd) }
        try write(data, fd: fd, path: path)
    }

    static func write(_ data: Data, fd: Int32, path: String) throws {
        do {
            try SecretBytesWriter.write([UInt8](data), fd: fd)
            guard fsync(fd) == 0 else { throw VaultError(.cannotCreate, "could not sync \(path)") }
        } catch {
            unlink(path)
            throw VaultError(.cannotCreate, "could not write \(path)")
        }
    }
}

struct LogFilterOptions: ParsableArguments {
    @Option(help: "Only entries about this client id.") var client: String?
    @Option(help: "Only entries by this user.") var actor: String?
    @Option(help: "Only this action, e.g. note.open.") var action: String?
    @Option(help: "Only this purpose code, e.g. TREAT.") var purpose: String?
    @Option(help: "Only this outcome: success, denied, not-found, error.") var outcome: String?
    @Option(help: "From this date or time (inclusive).") var since: String?
    @Option(help: "Until this date or time (exclusive).") var until: String?

    func filter() throws -> LogFilter {
        LogFilter(clientID: client, actor: actor, action: action, purpose: try purpose.map { try Purpose.parse($0).rawValue },
                  outcome: outcome, since: try since.map { try TimeArgument.millis($0, option: "--since") },
                  until: try until.map { try TimeArgument.millis($0, option: "--until") })
    }
}

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Show, verify, checkpoint, review and export the access log.",
                                                    subcommands: [Show.self, Verify.self, Checkpoint.self, Review.self, CloseReview.self, Export.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List access-log entries (compliance).")
        @OptionGroup var globals: GlobalOptions
        @OptionGroup var filter: LogFilterOptions
        @Option(help: "Sort by seq, time, actor, client, action, purpose or outcome.") var sort: String = "seq"
        @Flag(help: "Newest (or largest) first.") var desc = false
        func run() throws {
            guard let s = LogSort(rawValue: sort) else { throw VaultError(.usage, "--sort must be one of \(LogSort.allCases.map(\.rawValue).joined(separator: ", "))") }
            let rows = try globals.session().showLog(filter: try filter.filter(), sort: s, descending: desc)
            if globals.json { return try Output.json(rows) }
            Output.table(["SEQ", "TIME", "ACTOR", "ACTION", "CLIENT", "RECORD", "PURPOSE", "OUTCOME", "FLAGS", "REASON"],
                         rows.map { [String($0.seq), $0.time, $0.actor, $0.action, $0.client, $0.record, $0.purpose, $0.outcome,
                                     $0.flags.joined(separator: ","), $0.reason ?? ""] })
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the Merkle tree and check every entry (compliance, admin).")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "A checkpoint file from 'log checkpoint': prove the log extends it.") var checkpoint: String?
        func run() throws {
            var text: String?
            if let checkpoint {
                guard let d = FileManager.default.contents(atPath: checkpoint) else { throw VaultError(.notFound, "no checkpoint file at \(checkpoint)") }
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
            Output.line("Log verified: \(r.size) entries, root \(r.root) (\(r.signedEntries) signed, \(r.unsignedEntries) unsigned refused unlocks).")
            if let s = r.checkpointSize { Output.line("It extends the checkpoint of \(r.checkpointTime ?? "") (\(s) entries): consistency proof verified.") }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a signed tree head to keep outside the vault (compliance, admin).")
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
            Output.line("Checkpoint of \(c.size) entries written to \(out). Keep a copy outside the vault (print it, or store it with compliance records).")
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
        static let configuration = CommandConfiguration(commandName: "close-review", abstract: "Close a review item with a note (compliance).")
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
        @Option(help: "Format: fhir.") var format: String
        @Option(help: "Write to this file (default: standard output).") var out: String?
        func run() throws {
            guard format == "fhir" else { throw VaultError(.usage, "--format must be fhir") }
            if let out {
                try OutputFile.produce(out) { try globals.session().exportLogFHIR(filter: try filter.filter()) }
            } else {
                Output.jsonData(try globals.session().exportLogFHIR(filter: try filter.filter()))
            }
        }
    }
}

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Practice settings for review rules.",
                                                    subcommands: [Show.self, Set.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show settings (admin, compliance).")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let s = try globals.session().settings()
            if globals.json { return try Output.json(s) }
            Output.table(["SETTING", "VALUE"], s.keys.sorted().map { [$0, s[$0] ?? ""] })
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a setting (admin).")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "One of \(SettingKey.allCases.map(\.rawValue).joined(separator: ", ")).") var key: String
        @Argument var value: String
        func run() throws {
            guard let k = SettingKey(rawValue: key) else {
                throw VaultError(.usage, "unknown setting '\(key)'; known: \(SettingKey.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try globals.session().setSetting(k, value)
            if globals.json { return try Output.json([key: value]) }
            Output.line("\(key) = \(value)")
        }
    }
}
