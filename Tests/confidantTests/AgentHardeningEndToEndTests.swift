import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
import VaultTestSupport
@testable import confidant
#if canImport(Glibc)
import Glibc
#endif

/// The agent against a client that misbehaves, through the real binary and its socket: a
/// stalled connection neither holds the agent nor keeps it unlocked; a command's standard input
/// is read only once the agent has said it serves the user; what withholds entries from a
/// client's accounting always asks the passphrase.
@Suite("agent hardening end to end", .sqliteOnly)
struct AgentHardeningEndToEndTests {
    /// A practice with rivera's agent unlocked for `idle`, and what the tests drive it with.
    final class Scene: @unchecked Sendable {
        let p: TestPractice
        let runtime: String
        let socket: String
        let client: String
        let note: String
        var env: [String: String] { ["XDG_RUNTIME_DIR": runtime] }

        init(idle: String) throws {
            p = try TestPractice()
            runtime = try AgentEndToEndTests.runtimeDir()
            client = try p.addClient(name: "Hardening Client")
            note = try p.addNote(client, "agent note")
            socket = runtime + "/confidant/" + (try Vault.vaultID(path: p.vault)) + ".sock"
            let unlock = try CLI.run(["unlock", "--for", idle] + p.auth("rivera"), cwd: p.dir.path, env: ["XDG_RUNTIME_DIR": runtime])
            guard unlock.exitCode == 0 else { throw TestFailure("unlock failed: \(unlock.stderr)") }
        }

        deinit {
            _ = try? bare(["lock"])
            try? FileManager.default.removeItem(atPath: runtime)
        }

        /// A command with no passphrase source: only the agent can run it.
        func bare(_ args: [String], as user: String = "rivera", stdin: Data? = nil) throws -> CLIResult {
            try CLI.run(args + ["--vault", p.vault, "--as", user], cwd: p.dir.path, stdin: stdin, env: env)
        }

        /// One request straight to the agent's socket (no client-side checks), and its answer.
        func raw(_ req: AgentRequest) throws -> AgentResponse {
            guard let fd = AgentSocket.connect(to: socket) else { throw TestFailure("no agent at \(socket)") }
            defer { close(fd) }
            try AgentSocket.send(try JSONEncoder().encode(req), fd: fd)
            return try JSONDecoder().decode(AgentResponse.self, from: try AgentSocket.receive(fd: fd))
        }

        func request(_ args: [String], as user: String = "rivera") -> AgentRequest {
            AgentRequest(user: user, arguments: args + ["--vault", p.vault, "--as", user], directory: p.dir.path, stdin: nil)
        }

        /// Runs a bare command with standard input on a regular file holding `text`; returns the
        /// result and how far the command read into it (the file offset is shared with the child).
        func bareWithStdinFile(_ args: [String], as user: String, text: String) throws -> (exitCode: Int32, stdout: String, consumed: Int) {
            let path = try p.dir.write("stdin-\(UUID().uuidString)", text)
            guard let input = FileHandle(forReadingAtPath: path) else { throw TestFailure("cannot open \(path)") }
            defer { try? input.close() }
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: CLI.binary)
            proc.arguments = args + ["--vault", p.vault, "--as", user]
            proc.currentDirectoryURL = URL(fileURLWithPath: p.dir.path)
            var environment = ProcessInfo.processInfo.environment
            for k in ["CONFIDANT_VAULT", "CONFIDANT_USER", "CONFIDANT_PASSPHRASE_FILE", "CONFIDANT_TEST_NOW"] { environment[k] = nil }
            environment["CONFIDANT_CONFIG"] = "/dev/null"
            environment["XDG_STATE_HOME"] = p.dir.path + "/.machine-state"
            environment["XDG_RUNTIME_DIR"] = runtime
            proc.environment = environment
            let out = Pipe()
            proc.standardInput = input
            proc.standardOutput = out
            proc.standardError = FileHandle.nullDevice
            try proc.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            proc.waitUntilExit()
            return (proc.terminationStatus, stdout, Int(lseek(input.fileDescriptor, 0, SEEK_CUR)))
        }
    }

    @Test("a client that connects and sends nothing (or half a header) is cut off: the agent serves the next one, and connections and pings never renew its idle time")
    func stalledClients() throws {
        let s = try Scene(idle: "12s")
        guard let silent = AgentSocket.connect(to: s.socket), let halfHeader = AgentSocket.connect(to: s.socket) else {
            throw TestFailure("no agent at \(s.socket)")
        }
        defer { close(silent); close(halfHeader) }
        #expect(write(halfHeader, [UInt8(0), 0], 2) == 2)
        let opened = try s.bare(["note", "open", s.note, "--purpose", "TREAT"])
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        #expect(opened.stdout == "agent note\n")
        var byte: UInt8 = 0
        #expect(read(silent, &byte, 1) == 0)  // the agent closed both stalled connections
        #expect(read(halfHeader, &byte, 1) == 0)

        // Keep connecting (a ping, or nothing at all) until the agent ends; a renewal by any of
        // them would keep it alive past the bound.
        var ended = false
        for i in 0..<160 {
            guard let fd = AgentSocket.connect(to: s.socket) else { ended = true; break }
            if i % 2 == 0, (try? AgentSocket.send(try JSONEncoder().encode(AgentRequest(user: "rivera", arguments: [], directory: "/",
                                                                                           stdin: nil, ping: true)), fd: fd)) != nil {
                _ = try? AgentSocket.receive(fd: fd)
            }
            close(fd)
            usleep(250_000)
        }
        #expect(ended)
        #expect(!FileManager.default.fileExists(atPath: s.socket))
        #expect(try s.bare(["note", "open", s.note, "--purpose", "TREAT"]).exitCode == 64)  // no agent, no terminal
        #expect(try VaultFile.logRows(s.p.vault).filter { $0.action == "note.open" && $0.actor == "rivera" }.count == 1)
    }

    @Test("a ping is answered for the agent's own user and declined for another, and runs nothing")
    func ping() throws {
        let s = try Scene(idle: "2m")
        let before = try VaultFile.logRows(s.p.vault).count
        let mine = try s.raw(AgentRequest(user: "rivera", arguments: [], directory: "/", stdin: nil, ping: true))
        #expect(mine.status == 0)
        #expect(mine.declined == nil)
        #expect(String(decoding: mine.stdout, as: UTF8.self).hasPrefix("agent for rivera, locks at 20"))
        let theirs = try s.raw(AgentRequest(user: "chen", arguments: [], directory: "/", stdin: nil, ping: true))
        #expect(theirs.status == 77)
        #expect(theirs.declined == true)
        #expect(String(decoding: theirs.stderr, as: UTF8.self) == "confidant: error: the agent is unlocked for 'rivera', not 'chen'\n")
        #expect(try VaultFile.logRows(s.p.vault).count == before)
    }

    @Test("note add reads standard input only once the agent serves the user: declined for chen, the note is still unread")
    func standardInputAfterTheAgentAgrees() throws {
        let s = try Scene(idle: "2m")
        let text = "chen's note, typed once\n"
        let declined = try s.bareWithStdinFile(["note", "add", s.client], as: "chen", text: text)
        #expect(declined.exitCode == 64)  // chen is asked its own passphrase: no terminal here
        #expect(declined.consumed == 0)  // the note is still there for the command run without the agent
        #expect(try VaultFile.logRows(s.p.vault).filter { $0.action == "note.add" && $0.actor == "chen" }.isEmpty)

        let served = try s.bareWithStdinFile(["note", "add", s.client], as: "rivera", text: "rivera's note\n")
        #expect(served.exitCode == 0)
        #expect(served.consumed == "rivera's note\n".utf8.count)
        let id = served.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try s.p.ok("rivera", ["note", "open", id, "--purpose", "TREAT"]) == "rivera's note")
    }

    @Test("disclosures suspend and disclose --not-accountable always ask the passphrase, like careteam grant")
    func accountingWithholdersAskThePassphrase() throws {
        let s = try Scene(idle: "2m")
        let until = Self.date(daysFromNow: 30)
        let suspend = ["disclosures", "suspend", s.client, "--recipient", "State Attorney General", "--until", until]
        let disclose = ["disclose", s.client, "--to", "Dr. Consultant", "--address", "1 Main St", "--records", s.note,
                        "--basis", "legal-order", "--purpose", "consultation", "--not-accountable", "treatment"]
        let noTerminal = "confidant: error: no terminal to ask for a passphrase; give --passphrase-file FILE or --passphrase-fd N\n"
        for args in [suspend, disclose, ["careteam", "grant", s.client, "chen"]] {
            let r = try s.bare(args)
            #expect(r.exitCode == 64, "\(args)")
            #expect(r.stderr == noTerminal, "\(args)")
        }
        let after = "; run it with --passphrase-file or at the terminal after 'confidant lock'\n"
        let refusals = [(suspend, "confidant: error: 'disclosures suspend' always asks for your passphrase" + after),
                        (disclose, "confidant: error: a command with --not-accountable always asks for the passphrase itself" + after),
                        (["careteam", "grant", s.client, "chen"], "confidant: error: 'careteam grant' always asks for your passphrase" + after)]
        for (args, message) in refusals {
            let r = try s.raw(s.request(args))  // straight to the agent, past the CLI's own check
            #expect(r.status == 77, "\(args)")
            #expect(r.declined == nil)
            #expect(r.stdout.isEmpty)
            #expect(String(decoding: r.stderr, as: UTF8.self) == message)
        }
        let rows = try VaultFile.logRows(s.p.vault)
        #expect(rows.filter { ["disclosure.suspend", "disclosure.add", "careteam.grant"].contains($0.action) }.isEmpty)
        // With a fresh passphrase the same suspension is made.
        let fresh = try s.p.run("rivera", suspend)
        #expect(fresh.exitCode == 0, "\(fresh.stderr)")
        #expect(try VaultFile.logRows(s.p.vault).filter { $0.action == "disclosure.suspend" && $0.outcome == "success" }.count == 1)
    }

    @Test("the agent's policy names the accounting withholders", arguments: [
        (["disclosures", "suspend", "c1", "--recipient", "X", "--until", "2027-01-01"], "'disclosures suspend' always asks for your passphrase"),
        (["disclose", "c1", "--not-accountable", "treatment"], "a command with --not-accountable always asks for the passphrase itself"),
        (["disclose", "c1", "--not-accountable=treatment"], "a command with --not-accountable=treatment always asks for the passphrase itself"),
    ])
    func policy(_ args: [String], _ why: String) {
        #expect(AgentPolicy.refusal(args) == why)
    }

    @Test("the accounting itself and a disclosure that counts stay with the agent")
    func policyKeeps() {
        #expect(AgentPolicy.refusal(["disclosures", "c1"]) == nil)
        #expect(AgentPolicy.refusal(["disclosures", "list", "c1"]) == nil)
        #expect(AgentPolicy.refusal(["disclose", "c1", "--to", "X", "--basis", "legal-order"]) == nil)
    }

    static func date(daysFromNow days: Int) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date().addingTimeInterval(TimeInterval(days) * 86_400))
    }
}
