import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

extension ExportCommand {
    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt an export, verify every file and proof, then unpack it.")
        @Argument var file: String
        @Option(help: "Folder to unpack into (created; must be empty).") var out: String
        @Option(help: "age identity file (AGE-SECRET-KEY-1…); otherwise a passphrase is asked.") var identity: String?
        @Option(help: "Read the export's passphrase from this file.") var passphraseFile: String?
        @Option(help: "Read the export's passphrase from this descriptor.") var passphraseFD: Int32?
        @Option(help: "Your practice's published log public key (base64): the export must be signed with it.")
        var logKey: String?
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws { _ = try logKey.map(ExportOpener.parseLogKey) }

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
            Output.line("Opened \(file) into \(out): \(check.files) files match the manifest signed in the practice's log; "
                        + "\(check.notes) notes; \(check.accessEntries) access entries proven against the signed log of "
                        + "\(check.treeSize) entries.")
            if check.logKeyPinned {
                Output.line("Log public key: \(check.logPublicKey) — the pinned key. Start with \(out)/index.html.")
            } else {
                Output.line("Log public key: \(check.logPublicKey) — compare it with the one your practice publishes "
                            + "(or pass --log-key). Start with \(out)/index.html.")
            }
        }
    }
}
