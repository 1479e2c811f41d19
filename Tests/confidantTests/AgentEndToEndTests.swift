import Foundation
import Testing
import VaultTestSupport

/// `confidant unlock` / `lock` through the binary: after one unlock, commands without any
/// passphrase source are run by the agent (without it they would need a terminal: 64); the
/// agent refuses what must always ask the passphrase; `lock` ends it.
@Suite("agent end to end", .sqliteOnly)
struct AgentEndToEndTests {
    /// A short runtime folder (socket paths are limited to 108 bytes).
    static func runtimeDir() throws -> String {
        let dir = "/tmp/cr-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        return dir
    }

    @Test("unlock once; note open, note add and client list need no passphrase; grants still do; lock ends it")
    func unlockAndLock() throws {
        let p = try TestPractice()
        let runtime = try Self.runtimeDir()
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let env = ["XDG_RUNTIME_DIR": runtime]
        let client = try p.addClient(name: "Agent Client")
        let note = try p.addNote(client, "agent note")
        let base = ["--vault", p.vault, "--as", "rivera"]
        func bare(_ args: [String], stdin: Data? = nil) throws -> CLIResult { try CLI.run(args + base, cwd: p.dir.path, stdin: stdin, env: env) }

        #expect(try bare(["note", "open", note, "--purpose", "TREAT"]).exitCode == 64)  // no agent, no terminal
        let unlock = try CLI.run(["unlock", "--for", "2m", "--passphrase-file", p.dir.file("pass-rivera")] + base, cwd: p.dir.path, env: env)
        #expect(unlock.exitCode == 0, "\(unlock.stderr)")
        let opened = try bare(["note", "open", note, "--purpose", "TREAT"])
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        #expect(opened.stdout == "agent note\n")
        let added = try bare(["note", "add", client], stdin: Data("written by the agent".utf8))
        #expect(added.exitCode == 0, "\(added.stderr)")
        let newNote = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try p.ok("rivera", ["note", "open", newNote, "--purpose", "TREAT"]) == "written by the agent")
        #expect(try bare(["client", "list"]).stdout.contains("Agent Client"))
        #expect(try bare(["careteam", "grant", client, "chen"]).exitCode == 64)  // never through the agent
        // Another user's command is not run by rivera's agent.
        #expect(try CLI.run(["client", "list", "--vault", p.vault, "--as", "chen"], cwd: p.dir.path, env: env).exitCode == 64)
        #expect(try VaultFile.logRows(p.vault).filter { $0.action == "note.open" && $0.actor == "rivera" && $0.signed }.count == 2)

        let socket = runtime + "/confidant"
        let attrs = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attrs[.posixPermissions] as? Int) == 0o700)
        let lock = try bare(["lock"])
        #expect(lock.exitCode == 0, "\(lock.stderr)")
        #expect(lock.stdout.hasPrefix("Locked"))
        #expect(try bare(["note", "open", note, "--purpose", "TREAT"]).exitCode == 64)
        #expect(try bare(["lock"]).stdout == "No agent is unlocked for this vault.\n")
    }
}
