import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

extension ExportCommand {
    struct Fulfill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the client's export, encrypted with age.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The export file to create.") var out: String
        @Option(help: "Encrypt to this age recipient (age1…).") var recipient: String?
        @Option(help: "Encrypt with a new one-time passphrase (≥128 bits), written to this file (0600) to hand over.")
        var passphraseOut: String?
        @Flag(help: "Include your own psychotherapy notes for this client.") var includePsychotherapy = false
        @Option(help: "Withhold this record (repeatable; each with its --ground).") var withhold: [String] = []
        @Option(help: "The denial ground of the --withhold at the same position.") var ground: [String] = []
        @Option(help: "Send the copy to this third party; the client's signed direction naming it must be on file.") var toThirdParty: String?

        static let exactlyOne = "give exactly one of --recipient age1… or --passphrase-out FILE"

        func validate() throws {
            guard (recipient == nil) != (passphraseOut == nil) else { throw ValidationError(Self.exactlyOne) }
            if let recipient { _ = try Self.ageRecipient(recipient) }
            guard withhold.count == ground.count else { throw ValidationError("give one --ground CODE for each --withhold RID") }
            for g in ground where DenialGround(rawValue: g) == nil { throw ValidationError(AccessOutput.badGround(g)) }
        }

        /// `--withhold` and `--ground`, paired in order, ids resolved.
        func withheld(_ session: Session) throws -> [String: DenialGround] {
            var out: [String: DenialGround] = [:]
            for (rid, code) in Swift.zip(try session.resolve(withhold, as: .record), ground) {
                guard let g = DenialGround(rawValue: code) else { throw ValidationError(AccessOutput.badGround(code)) }
                out[rid] = g
            }
            return out
        }

        /// - Throws: ``ValidationError`` when `text` is not an age X25519 recipient.
        static func ageRecipient(_ text: String) throws -> AgeRecipient {
            do { return .x25519(try AgeX25519Recipient(string: text)) } catch {
                throw ValidationError("--recipient must be an age X25519 recipient (age1…)")
            }
        }

        /// `--recipient`, or a new one-time passphrase, written to `--passphrase-out` first.
        func encryption() throws -> AgeRecipient {
            if let recipient { return try Self.ageRecipient(recipient) }
            guard let passphraseOut else { throw ValidationError(Self.exactlyOne) }
            let fd = try OutputFile.create(passphraseOut)
            defer { close(fd) }
            let pass = try ExportPassphrase.generate()
            try pass.write(to: fd)
            try SecretBytes(copying: Array("\n".utf8)).write(to: fd)
            fsync(fd)
            return ExportPassphrase.recipient(pass)
        }

        func run() throws {
            let ageRecipient = try encryption()
            do {
                var summary: ExportSummary?
                try OutputFile.produce(out) {
                    // Produce streams straight into the file, then returns nothing more to write.
                    let fd = open(out, O_WRONLY | O_APPEND | O_CLOEXEC)
                    guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot write \(out)") }
                    defer { close(fd) }
                    let session = try globals.session()
                    summary = try session.fulfilExport(requestID: try session.resolve(request, as: .request),
                                                       includePsychotherapy: includePsychotherapy, withhold: try withheld(session),
                                                       thirdParty: toThirdParty, recipient: ageRecipient) { bytes in
                        try SecretBytesWriter.write(bytes, fd: fd)
                    }
                    return Data()
                }
                guard let s = summary else { return }
                if globals.json { return try Output.json(s) }
                Output.line("Export of \(s.client) written to \(out): \(s.notes) notes, \(s.agreements) agreements, "
                            + "\(s.disclosures) disclosures, \(s.accessEntries) access entries, \(s.withheld) withheld.")
                if let passphraseOut { Output.line("Its one-time passphrase is in \(passphraseOut): hand it to the client separately.") }
            } catch {
                if let passphraseOut { unlink(passphraseOut) }
                throw error
            }
        }
    }
}
