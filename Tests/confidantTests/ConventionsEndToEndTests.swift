import Foundation
import GRDB
import Testing
import VaultTestSupport

/// Conventions of the command line (issue 13 item 8): --version, errors as JSON under --json,
/// plain-word purposes and the TREAT default for the care team.
@Suite("command-line conventions end to end")
struct ConventionsEndToEndTests {
    @Test("--version prints the version and the vault format")
    func version() throws {
        let r = try CLI.run(["--version"])
        #expect(r.exitCode == 0)
        #expect(r.stdout == "confidant 0.3.0 (vault format 2)\n")
    }

    @Test("under --json an error is one JSON object on stderr with the exit code")
    func jsonErrors() throws {
        let p = try TestPractice()
        let r = try p.run("rivera", ["--json", "note", "open", "nnotanote00000"])
        #expect(r.exitCode == 66)
        #expect(r.stdout.isEmpty)
        let obj = (try JSONSerialization.jsonObject(with: Data(r.stderr.utf8))) as? [String: [String: Any]]
        #expect(obj?["error"]?["exitCode"] as? Int == 66)
        #expect((obj?["error"]?["message"] as? String)?.hasPrefix("no note 'nnotanote00000'") == true)
    }

    @Test("--purpose defaults to TREAT and takes plain words")
    func purposes() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "text")
        #expect(try p.run("rivera", ["note", "open", note]).stdout == "text\n")
        #expect(try p.run("rivera", ["note", "open", note, "--purpose", "treatment"]).exitCode == 0)
        let rows = try VaultFile.withDatabase(p.vault) { db in
            try String.fetchAll(db, sql: "SELECT purpose FROM access_log WHERE action = 'note.open' ORDER BY seq")
        }
        #expect(rows == ["TREAT", "TREAT"])
        #expect(try p.run("rivera", ["note", "open", note, "--purpose", "gossip"]).exitCode == 64)
    }
}
