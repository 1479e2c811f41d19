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
        let rows = try VaultFile.strings(p.vault, "SELECT purpose FROM access_log WHERE action = 'note.open' ORDER BY seq")
        #expect(rows == ["TREAT", "TREAT"])
        #expect(try p.run("rivera", ["note", "open", note, "--purpose", "gossip"]).exitCode == 64)
    }
}

extension ConventionsEndToEndTests {
    @Test("the config file gives the default vault and user; flags and environment beat it; a malformed one is 64")
    func configFile() throws {
        let p = try TestPractice()
        let config = try p.dir.write("config.toml", "vault = \"\(p.vault)\"\nuser = \"rivera\"\n")
        let pass = ["--passphrase-file", p.dir.file("pass-rivera")]
        let viaConfig = try CLI.run(["client", "list"] + pass, cwd: "/", env: ["CONFIDANT_CONFIG": config])
        #expect(viaConfig.exitCode == 0, "\(viaConfig.stderr)")
        // --as beats the file: chen's passphrase file opens chen.
        let flag = try CLI.run(["client", "list", "--as", "chen", "--passphrase-file", p.dir.file("pass-chen")], cwd: "/",
                               env: ["CONFIDANT_CONFIG": config])
        #expect(flag.exitCode == 0, "\(flag.stderr)")
        // The environment beats the file: a vault path that does not exist is 66.
        #expect(try CLI.run(["client", "list"] + pass, cwd: "/", env: ["CONFIDANT_CONFIG": config, "CONFIDANT_VAULT": "/nonexistent.vault"])
                    .exitCode == 66)
        let bad = try p.dir.write("bad.toml", "vault = \npassphrase = \"x\"\n")
        let r = try CLI.run(["client", "list"] + pass, cwd: "/", env: ["CONFIDANT_CONFIG": bad])
        #expect(r.exitCode == 64)
        #expect(r.stderr.hasPrefix("confidant: error: the config file"))
        let unknown = try p.dir.write("unknown.toml", "passphrase = \"x\"\n")
        #expect(try CLI.run(["client", "list"] + pass, cwd: "/", env: ["CONFIDANT_CONFIG": unknown]).stderr.contains("unknown key 'passphrase'"))
    }
}

extension ConventionsEndToEndTests {
    @Test("completion scripts for bash, zsh and fish are generated from the command definitions")
    func completions() throws {
        for (shell, marker) in [("bash", "_confidant"), ("zsh", "#compdef confidant"), ("fish", "confidant")] {
            let r = try CLI.run(["--generate-completion-script", shell])
            #expect(r.exitCode == 0, "\(shell)")
            #expect(r.stdout.contains(marker), "\(shell)")
            #expect(r.stdout.contains("unlock"), "\(shell)")
        }
    }
}

extension ConventionsEndToEndTests {
    @Test("a passphrase file that others can read is refused (64) with the chmod that fixes it")
    func passphraseFileMode() throws {
        let p = try TestPractice()
        let f = p.dir.file("pass-rivera")
        _ = chmod(f, 0o644)
        let r = try p.run("rivera", ["client", "list"])
        #expect(r.exitCode == 64)
        #expect(r.stderr == "confidant: error: passphrase file \(f) can be read by others (mode 644); make it private with: chmod 600 \(f)\n")
        _ = chmod(f, 0o600)
        #expect(try p.run("rivera", ["client", "list"]).exitCode == 0)
    }
}

extension ConventionsEndToEndTests {
    @Test("client find searches names on one's own care teams (case and accents ignored); a duplicate client needs --force")
    func namesAndDuplicates() throws {
        let p = try TestPractice()
        let jordan = try p.ok("rivera", ["client", "add", "--name", "Jordan Éxample", "--dob", "1990-04-12"])
        _ = try p.ok("chen", ["client", "add", "--name", "Jordan Other"])
        let dup = try p.run("rivera", ["client", "add", "--name", "jordan  example", "--dob", "1990-04-12"])
        #expect(dup.exitCode == 64)
        #expect(dup.stderr.contains(jordan) && dup.stderr.contains("--force"))
        #expect(try p.run("rivera", ["client", "add", "--name", "Jordan Example", "--dob", "1990-04-12", "--force"]).exitCode == 0)
        let found = try JSONSerialization.jsonObject(with: try p.run("rivera", ["--json", "client", "find", "EXAMPLE"]).stdoutData) as? [[String: Any]] ?? []
        #expect(found.count == 2)
        #expect(found.allSatisfy { ($0["name"] as? String)?.lowercased().contains("jordan") == true })
        #expect(try p.run("rivera", ["client", "find", "Other"]).stdout == "No client on your care teams matches.\n")
        #expect(try p.run("morgan", ["client", "find", "Jordan"]).exitCode == 77)
    }
}

extension ConventionsEndToEndTests {
    @Test("init --timezone records the practice's zone; an unknown zone is 64 before anything is created")
    func initTimezone() throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "a long passphrase\n")
        let bad = try CLI.run(["init", "--vault", dir.file("v1"), "--practice", "P", "--admin", "admin", "--recovery-out", dir.file("rk1"),
                               "--kdf", "interactive", "--timezone", "Mars/Olympus", "--passphrase-file", pass])
        #expect(bad.exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: dir.file("v1")))
        let ok = try CLI.run(["init", "--vault", dir.file("v2"), "--practice", "P", "--admin", "admin", "--recovery-out", dir.file("rk2"),
                              "--kdf", "interactive", "--timezone", "America/Chicago", "--passphrase-file", pass], cwd: dir.path)
        #expect(ok.exitCode == 0, "\(ok.stderr)")
        let shown = try CLI.run(["--json", "settings", "show", "--vault", dir.file("v2"), "--as", "admin", "--passphrase-file", pass], cwd: dir.path)
        #expect(shown.stdout.contains("America/Chicago"), "\(shown.stdout)")
    }
}

extension ConventionsEndToEndTests {
    @Test("an id argument accepts a unique prefix of 4 or more characters; a shorter one is 64; the log names the full id")
    func idPrefixes() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Prefix Client")
        let note = try p.addNote(client, "prefixed")
        #expect(try p.run("rivera", ["note", "open", String(note.prefix(6))]).stdout == "prefixed\n")
        #expect(try p.run("rivera", ["--json", "client", "show", String(client.prefix(5))]).exitCode == 0)
        #expect(try p.run("rivera", ["note", "list", String(client.prefix(4))]).exitCode == 0)
        let short = try p.run("rivera", ["note", "open", "n"])
        #expect(short.exitCode == 64)
        #expect(short.stderr.contains("at least 4 characters"))
        #expect(try p.run("rivera", ["note", "open", "nzzzzzz"]).exitCode == 66)
        let opens = try VaultFile.logRows(p.vault).filter { $0.action == "note.open" && $0.outcome == "success" }
        #expect(opens.map(\.record) == [note])
    }
}
