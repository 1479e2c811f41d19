import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Clients' copies of their records, as age-encrypted files.",
                                                    subcommands: [Request.self, Requests.self, Fulfill.self, Open.self])

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a client's request for its records (due in 30 days).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        func run() throws {
            let r = try globals.session().requestExport(clientID: client)
            if globals.json { return try Output.json(Created(id: r.id, value: r)) }
            Output.line(r.id)
        }
    }

    struct Requests: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List export requests.")
        @OptionGroup var globals: GlobalOptions
        @Flag(help: "Only open requests past their due date.") var overdue = false
        func run() throws {
            let list = try globals.session().exportRequests(overdueOnly: overdue)
            if globals.json { return try Output.json(list) }
            Output.table(["REQUEST", "CLIENT", "BY", "REQUESTED", "DUE", "STATE"],
                         list.map { [$0.id, $0.clientID, $0.requestedBy, Timestamp.iso($0.requestedAt), Timestamp.iso($0.dueAt), $0.state] })
        }
    }

    struct Fulfill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the client's export, encrypted with age.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The export file to create.") var out: String
        @Option(help: "Encrypt to this age recipient (age1…).") var recipient: String?
        @Option(help: "Encrypt with a new one-time passphrase (≥128 bits), written to this file (0600) to hand over.") var passphraseOut: String?
        @Flag(help: "Include your own psychotherapy notes for this client.") var includePsychotherapy = false

        func validate() throws {
            guard (recipient == nil) != (passphraseOut == nil) else { throw ValidationError("give exactly one of --recipient age1… or --passphrase-out FILE") }
        }

        func run() throws {
            let ageRecipient: AgeRecipient
            var passphraseFD: Int32 = -1
            if let recipient {
                do { ageRecipient = .x25519(try AgeX25519Recipient(string: recipient)) } catch {
                    throw VaultError(.usage, "--recipient must be an age X25519 recipient (age1…)")
                }
            } else {
                guard let passphraseOut else { throw VaultError(.usage, "--passphrase-out is required") }
                passphraseFD = try OutputFile.create(passphraseOut)
                let pass = try ExportPassphrase.generate()
                try pass.write(to: passphraseFD)
                try SecretBytes(copying: Array("\n".utf8)).write(to: passphraseFD)
                fsync(passphraseFD)
                close(passphraseFD)
                ageRecipient = ExportPassphrase.recipient(pass)
            }
            do {
                var summary: ExportSummary?
                try OutputFile.produce(out) {
                    // Produce streams straight into the file, then returns nothing more to write.
                    let fd = open(out, O_WRONLY | O_APPEND | O_CLOEXEC)
                    guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot write \(out)") }
                    defer { close(fd) }
                    summary = try globals.session().fulfilExport(requestID: request, includePsychotherapy: includePsychotherapy,
                                                                 recipient: ageRecipient) { bytes in
                        try SecretBytesWriter.write(bytes, fd: fd)
                    }
                    return Data()
                }
                guard let s = summary else { return }
                if globals.json { return try Output.json(s) }
                Output.line("Export of \(s.client) written to \(out): \(s.notes) notes, \(s.agreements) agreements, \(s.disclosures) disclosures, \(s.accessEntries) access entries, \(s.withheld) withheld.")
                if let passphraseOut { Output.line("Its one-time passphrase is in \(passphraseOut): hand it to the client separately.") }
            } catch {
                if let passphraseOut { unlink(passphraseOut) }
                throw error
            }
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt an export, verify every file and proof, then unpack it.")
        @Argument var file: String
        @Option(help: "Folder to unpack into (created; must be empty).") var out: String
        @Option(help: "age identity file (AGE-SECRET-KEY-1…); otherwise a passphrase is asked.") var identity: String?
        @Option(help: "Read the export's passphrase from this file.") var passphraseFile: String?
        @Option(help: "Read the export's passphrase from this descriptor.") var passphraseFD: Int32?
        @Option(help: "Your practice's published log public key (base64): the export must be signed with it.") var logKey: String?
        @Flag(help: "Print one JSON object.") var json = false

        func run() throws {
            let pinned = try logKey.map(ExportOpener.parseLogKey)
            let identities: [AgeIdentity]
            if let identity {
                guard let content = try SecretBytes.read(path: identity, maxBytes: 65536) else {
                    throw VaultError(.notFound, "no identity file at \(identity)")
                }
                guard let line = try content.line(startingWith: "AGE-SECRET-KEY-1") else {
                    throw VaultError(.badData, "\(identity) holds no AGE-SECRET-KEY-1 identity")
                }
                let full = try SecretBytes(copying: Array("AGE-SECRET-KEY-1".utf8)).appending(line)
                identities = [.x25519(try AgeX25519Identity(string: full))]
            } else {
                let source: PassphraseSource = passphraseFD.map { .fd($0) } ?? passphraseFile.map { .file($0) } ?? .terminal
                identities = [ExportPassphrase.identity(try Passphrase.read(from: source, prompt: "Export passphrase: "))]
            }
            guard let handle = FileHandle(forReadingAtPath: file) else { throw VaultError(.notFound, "no export file at \(file)") }
            defer { try? handle.close() }
            let check = try ExportOpener.open(source: { n in [UInt8]((try? handle.read(upToCount: n)) ?? Data()) },
                                              identities: identities, into: out, pinnedLogKey: pinned)
            if json { return try Output.json(check) }
            Output.line("Opened \(file) into \(out): \(check.files) files match the manifest signed in the practice's log; \(check.notes) notes; \(check.accessEntries) access entries proven against the signed log of \(check.treeSize) entries.")
            if check.logKeyPinned {
                Output.line("Log public key: \(check.logPublicKey) — the pinned key. Start with \(out)/index.html.")
            } else {
                Output.line("Log public key: \(check.logPublicKey) — compare it with the one your practice publishes (or pass --log-key). Start with \(out)/index.html.")
            }
        }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes.
enum SecretBytesWriter {
    static func write(_ bytes: [UInt8], fd: Int32) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if n <= 0 { throw VaultError(.cannotCreate, "could not write the export") }
                done += n
            }
        }
    }
}
