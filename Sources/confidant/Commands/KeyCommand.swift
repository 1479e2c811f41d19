import ArgumentParser
import Foundation
import VaultCore

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key",
                                                    abstract: "Key status, rotation, and who can decrypt a client (exposure).",
                                                    subcommands: [Status.self, Rotate.self, Exposure.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Key versions, ages and records per version, per client.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Only this client.") var client: String?
        func run() throws {
            let s = try globals.session()
            let list = try s.keyStatus(clientID: try client.map { try s.resolve($0, as: .client) })
            if globals.json { return try Output.json(list) }
            var rows: [[String]] = []
            for c in list {
                for s in c.scopes {
                    rows.append([c.client, s.scope + (s.owner.map { ":" + $0 } ?? ""), "v\(s.currentVersion)",
                                 "\(s.ageDays)d" + (s.overdue ? " OVERDUE" : ""),
                                 s.recordsByVersion.keys.sorted().map { "v\($0)=\(s.recordsByVersion[$0] ?? 0)" }.joined(separator: " "),
                                 String(s.pendingReEncryption), s.destroyedVersions.map { "v\($0)" }.joined(separator: ",")])
                }
            }
            Output.table(["CLIENT", "SCOPE", "CURRENT", "AGE", "RECORDS", "PENDING", "DESTROYED"], rows)
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rotate keys; re-encrypts every record; resumable after a crash.")
        @OptionGroup var globals: GlobalOptions
        @Option(help: "Rotate this client's keys (care-team therapist, or admin with --recovery-key).")
        var client: String?
        @Flag(help: "Rotate every client's keys (admin with --recovery-key).") var allClients = false
        @Flag(help: "Make a new recovery key pair (admin with --recovery-key; writes --recovery-out).")
        var recovery = false
        @Flag(name: .customLong("self"), help: "Give yourself new key pairs (any user).") var rotateSelf = false
        @Flag(help: "Finish interrupted rotations.") var resume = false
        @Option(help: "The recovery key file (admin jobs).") var recoveryKey: String?
        @Option(help: "With --recovery: where to write the new recovery key file (mode 0600).")
        var recoveryOut: String?

        func validate() throws {
            let modes = [client != nil, allClients, recovery, rotateSelf].filter { $0 }.count
            guard modes <= 1, modes == 1 || resume else {
                throw ValidationError("say what to rotate: --client ID, --all-clients, --recovery, --self, or --resume")
            }
            if recovery && recoveryOut == nil { throw ValidationError("--recovery needs --recovery-out FILE for the new key") }
        }

        func run() throws {
            let (session, passphrase) = try globals.sessionAndPassphrase()
            if let recoveryKey { try session.useRecoveryKey(path: recoveryKey) }
            if recovery, let recoveryOut {
                let r = try session.rotateRecovery(newFile: recoveryOut)
                if globals.json { return try Output.json(r) }
                return Output.line("New recovery key written to \(recoveryOut) (\(r.rewrapped) keys re-wrapped). "
                                   + "Move it offline and destroy the old file.")
            }
            if rotateSelf {
                let r = try session.rotateSelf(passphrase: passphrase)
                if globals.json { return try Output.json(r) }
                return Output.line("New keys for \(session.user) (fingerprint \(r.fingerprint ?? "")); \(r.rewrapped) keys re-wrapped.")
            }
            let reporter = ProgressReporter(json: globals.json)
            var summary = RotationSummary(clients: 0, keysRotated: 0, recordsReEncrypted: 0, jobsResumed: 0)
            let client = try self.client.map { try session.resolve($0, as: .client) }
            if resume {
                summary = try session.resumeRotations(clientID: client, progress: reporter.report)
            }
            if let client {
                let s = try session.rotateClient(client, progress: reporter.report)
                summary.clients += s.clients; summary.keysRotated += s.keysRotated
                summary.recordsReEncrypted += s.recordsReEncrypted; summary.jobsResumed += s.jobsResumed
            } else if allClients {
                let s = try session.rotateAllClients(progress: reporter.report)
                summary.clients += s.clients; summary.keysRotated += s.keysRotated
                summary.recordsReEncrypted += s.recordsReEncrypted; summary.jobsResumed += s.jobsResumed
            }
            reporter.finish()
            if globals.json { return try Output.json(summary) }
            Output.line("Rotated \(summary.keysRotated) key(s) of \(summary.clients) client(s); re-encrypted "
                        + "\(summary.recordsReEncrypted) record(s); resumed \(summary.jobsResumed) interrupted job(s).")
            if summary.jobsWaiting > 0 {
                Output.line("\(summary.jobsWaiting) job(s) wait for a care-team therapist of their client, "
                            + "or an admin with --recovery-key.")
            }
        }
    }
}

extension KeyCommand {
    struct Exposure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who and which keys can decrypt a client's records now, or on a date (breach risk assessment).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(name: .customLong("on"),
                help: "A past day (YYYY-MM-DD, UTC): who could decrypt at some moment of it, rebuilt from the log.")
        var day: String?
        func run() throws {
            let s = try globals.session()
            let list = try s.keyExposure(clientID: try s.resolve(client, as: .client), on: day)
            if globals.json { return try Output.json(list) }
            Output.table(["HOLDER", "AS", "KEYS"], list.map { [$0.holder, $0.kind, $0.keys.joined(separator: ", ")] })
        }
    }
}
