import Foundation
import Testing
import VaultCrypto
import VaultTestSupport

/// Export requests, fulfilment and `export open`, through the binary (age interop and FHIR
/// validation are in tests/python/test_export_interop.py).
@Suite("exports end to end")
struct ExportEndToEndTests {
    func identity(_ p: TestPractice) throws -> (key: String, recipient: String) { try identity(in: p.dir) }

    func identity(in dir: TempDir) throws -> (key: String, recipient: String) { try AgeKey.generate(in: dir) }

    @Test("request, list, overdue review item, fulfil once, open and verify; psychotherapy withheld unless included")
    func lifecycle() throws {
        let p = try TestPractice(extraUsers: [("auditor", "compliance")])
        let client = try p.addClient(name: "Export Person")
        let note = try p.addNote(client, "progress text")
        let psy = try p.addNote(client, "process text", kind: "psychotherapy")
        let past = ["CONFIDANT_TEST_NOW": "2026-01-01T10:00:00Z"]
        let req = try p.run("rivera", ["export", "request", client], env: past).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(req.hasPrefix("r") && req.count == 14)
        let overdue = try JSONSerialization.jsonObject(with: try p.run("rivera", ["--json", "export", "requests", "--overdue"]).stdoutData) as? [[String: Any]] ?? []
        #expect(overdue.compactMap { $0["id"] as? String } == [req])
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        let items = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review"]).stdoutData) as? [[String: Any]] ?? []
        #expect(items.contains { $0["id"] as? String == "export-overdue-\(req)" && $0["rule"] as? String == "export-overdue" })
        #expect(try p.run("chen", ["export", "request", client]).exitCode == 77)

        let (key, recipient) = try identity(p)
        let out = p.dir.file("export.age")
        #expect(try p.run("chen", ["export", "fulfill", req, "--out", out, "--recipient", recipient]).exitCode == 77)
        #expect(!FileManager.default.fileExists(atPath: out))
        let f = try p.run("rivera", ["--json", "export", "fulfill", req, "--out", out, "--recipient", recipient])
        #expect(f.exitCode == 0, "\(f.stderr)")
        let summary = try JSONSerialization.jsonObject(with: f.stdoutData) as? [String: Any]
        #expect(summary?["notes"] as? Int == 1)
        #expect(summary?["withheld"] as? Int == 1)
        #expect(try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("again.age"), "--recipient", recipient]).exitCode == 64)
        let after = try JSONSerialization.jsonObject(with: try p.run("rivera", ["--json", "export", "requests", "--overdue"]).stdoutData) as? [Any]
        #expect(after?.isEmpty == true)

        let opened = p.dir.file("opened")
        let o = try CLI.run(["--json", "export", "open", out, "--out", opened, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")
        #expect(try String(contentsOfFile: opened + "/notes/\(note).txt", encoding: .utf8) == "progress text")
        #expect(!FileManager.default.fileExists(atPath: opened + "/notes/\(psy).txt"))
        let records = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: opened + "/records.json"))) as? [String: Any]
        let withheld = records?["withheld"] as? [[String: Any]] ?? []
        #expect(withheld.compactMap { $0["id"] as? String } == [psy])
        #expect((withheld.first?["reason"] as? String)?.contains("164.524(a)(1)(i)") == true)
        #expect(!(try String(contentsOfFile: opened + "/index.html", encoding: .utf8)).contains("process text"))

        // The author may include its own psychotherapy notes.
        let req2 = try p.ok("rivera", ["export", "request", client])
        let out2 = p.dir.file("export2.age")
        _ = try p.ok("rivera", ["export", "fulfill", req2, "--out", out2, "--recipient", recipient, "--include-psychotherapy"])
        let opened2 = p.dir.file("opened2")
        #expect(try CLI.run(["export", "open", out2, "--out", opened2, "--identity", key]).exitCode == 0)
        #expect(try String(contentsOfFile: opened2 + "/notes/\(psy).txt", encoding: .utf8) == "process text")
    }

    @Test("a client user requests its own records; another identity or an altered proof is refused")
    func clientAndRefusals() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        _ = try p.addNote(client, "hello")
        try p.addUser("jo", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let req = try p.ok("jo", ["export", "request", client])
        #expect(try p.run("jo", ["export", "request", try p.addClient(name: "Other")]).exitCode == 77)
        let (_, recipient) = try identity(p)
        let out = p.dir.file("e.age")
        _ = try p.ok("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient])
        // A different identity: no match.
        let other = p.dir.file("other.key")
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/age-keygen")
        gen.arguments = ["-o", other]
        gen.standardError = FileHandle.nullDevice
        try gen.run(); gen.waitUntilExit()
        let wrong = try CLI.run(["export", "open", out, "--out", p.dir.file("x"), "--identity", other])
        #expect(wrong.exitCode == 77)
        #expect(wrong.stderr.contains("no identity matches"))
    }

    /// Every path under `root` (links listed, never followed), sorted.
    func listing(_ root: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).sorted()
    }

    func encrypt(_ bytes: [UInt8], to recipient: String, path: String) throws {
        var out: [UInt8] = []
        let age = try AgeEncryptor(recipients: [.x25519(try AgeX25519Recipient(string: recipient))]) { out += $0 }
        try age.write(bytes)
        try age.finish()
        try Data(out).write(to: URL(fileURLWithPath: path))
    }

    @Test("a zip-slip archive (links, '..', an absolute path) is refused with 65: nothing beside --out, --out left empty")
    func zipSlipRefused() throws {
        let dir = try TempDir()
        let (key, recipient) = try identity(in: dir)
        let archives: [[CraftedZip.Entry]] = [
            [.symlink("x", target: "."), .symlink("s", target: "x/../.."), .file("../evil", "evil"), .file("/abs", "abs")],
            [.file("../evil", "evil"), .file("/abs", "abs")],
            [.file("records.json", "{}"), .symlink("notes/n1.txt", target: "/etc/passwd")],
            [.file("records.json", "{}"), .file("records.json", "{}")],
            [.file("records.json", "{}"), .file("run.sh", "#!/bin/sh")],
            [CraftedZip.Entry(name: "notes/n1.txt", data: [], mode: 0o010600)],  // a FIFO
        ]
        for (i, entries) in archives.enumerated() {
            let file = dir.file("slip\(i).age")
            try encrypt(CraftedZip.bytes(entries), to: recipient, path: file)
            let out = dir.file("out\(i)")
            #expect(mkdir(out, 0o700) == 0)
            let before = listing(dir.path)
            let r = try CLI.run(["export", "open", file, "--out", out, "--identity", key], cwd: dir.path)
            #expect(r.exitCode == 65, "archive \(i): \(r.stderr)")
            #expect(r.stderr.hasPrefix("confidant: error: the export's archive is refused: "), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(listing(dir.path) == before)
            #expect(listing(out) == [])
            #expect(!FileManager.default.fileExists(atPath: "/abs") && !FileManager.default.fileExists(atPath: dir.path + "/evil"))
        }
    }

    @Test("open writes exactly the format's names (files 0600, notes/ 0700); --log-key pins the log key: a mismatch is 65, a malformed key 64")
    func openedLayoutAndLogKey() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "layout text")
        let req = try p.ok("rivera", ["export", "request", client])
        let (key, recipient) = try identity(p)
        let out = p.dir.file("e.age")
        _ = try p.ok("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient])
        let opened = p.dir.file("opened")
        let o = try CLI.run(["--json", "export", "open", out, "--out", opened, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")
        #expect(listing(opened) == ["README.txt", "fhir-bundle.json", "index.html", "manifest.json", "notes", "notes/\(note).txt",
                                    "proof.json", "records.json"])
        for name in listing(opened) {
            let mode = (try FileManager.default.attributesOfItem(atPath: opened + "/" + name)[.posixPermissions] as? Int) ?? -1
            #expect(mode == (name == "notes" ? 0o700 : 0o600), "\(name)")
        }
        let check = try JSONSerialization.jsonObject(with: o.stdoutData) as? [String: Any]
        #expect(check?["files"] as? Int == 5)
        #expect(check?["logKeyPinned"] as? Bool == false)
        let logKey = try #require(check?["logPublicKey"] as? String)

        let pinned = try CLI.run(["export", "open", out, "--out", p.dir.file("pinned"), "--identity", key, "--log-key", logKey])
        #expect(pinned.exitCode == 0, "\(pinned.stderr)")
        #expect(pinned.stdout.contains("Log public key: \(logKey) — the pinned key."))
        let other = Encoding.base64(Random.bytes(32))
        let wrong = try CLI.run(["export", "open", out, "--out", p.dir.file("wrong"), "--identity", key, "--log-key", other])
        #expect(wrong.exitCode == 65)
        #expect(wrong.stderr == "confidant: error: the export's log public key \(logKey) is not the pinned --log-key \(other); it was not signed with your practice's log\n")
        #expect(listing(p.dir.file("wrong")) == [])
        let malformed = try CLI.run(["export", "open", out, "--out", p.dir.file("bad"), "--identity", key, "--log-key", "not-a-key"])
        #expect(malformed.exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("bad")))
    }
}
