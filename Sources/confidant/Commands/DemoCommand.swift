import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

/// `confidant demo`: builds a demo practice in a fresh folder and walks every role through it.
///
/// The demo users' passphrases are generated, written to 0600 files in the demo folder (so the
/// printed commands can be tried afterwards) and never shown. It uses the INTERACTIVE Argon2id
/// limits so it runs in seconds; real vaults default to MODERATE.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Build a demo practice in a fresh folder and walk every role through it.")

    @Option(help: "Folder to create (must not exist, or be empty). Default: a new ./confidant-demo-XXXX folder.") var dir: String?
    @Flag(help: "Print one JSON summary instead of the walkthrough.") var json = false

    func run() throws {
        let folder = dir ?? "./confidant-demo-\(Encoding.base32(Random.bytes(3)))"
        let walkthrough = DemoWalkthrough(folder: folder, say: json ? { _ in } : { Output.line($0) })
        let made = try walkthrough.run()
        if json {
            try Output.json(["folder": folder, "vault": made.vaultPath, "client": made.clientID,
                             "progressNote": made.progressNoteID, "psychotherapyNote": made.psychotherapyNoteID])
            return
        }
        walkthrough.sayTryItYourself(made)
    }
}
