import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport

/// Accounting requests (45 CFR 164.528(c)) through the binary: request, extension, fulfilment
/// to an age file opened with the real `age -d`, the 12-month count, refusals and the overdue
/// review item (the Python peer is tests/python/test_accounting_interop.py).
@Suite("accounting requests end to end")
struct AccountingRequestEndToEndTests {
    static func at(_ iso: String) -> [String: String] { ["CONFIDANT_TEST_NOW": iso] }

    /// Runs `/usr/bin/age -d -i KEY FILE` and returns its stdout.
    static func ageDecrypt(_ file: String, identity: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/age")
        p.arguments = ["-d", "-i", identity, file]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("age -d exited \(p.terminationStatus)") }
        return data
    }

    func json(_ r: CLIResult) -> [String: Any] { disclosureJSONObject(r) }

    /// A practice of 2025 with one client and four disclosures: one before the period asked for,
    /// one inside it, one inside but suspended, one inside but not accountable.
    func practiceWithDisclosures() throws -> (TestPractice, client: String, note: String) {
        let p = try TestPractice(env: Self.at("2025-11-01T10:00:00Z"))
        let client = try p.addClient(name: "Avery Accounting")
        let note = try p.addNote(client, "session text")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2025-11-01")
        let old = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Old Court", address: "Court St 1",
                                    purpose: "court order 2025", date: "2025-11-20", env: Self.at("2025-11-21T10:00:00Z"))
        #expect(old.exitCode == 0, "\(old.stderr)")
        let inside = try p.discloseCLI(client, records: [note], basis: "harm-to-self", to: "Crisis Team", address: "Main St 2",
                                       purpose: "imminent risk", date: "2026-02-10", env: Self.at("2026-02-10T12:00:00Z"))
        #expect(inside.exitCode == 0, "\(inside.stderr)")
        let held = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "State Attorney General", address: "Capitol 1",
                                     purpose: "court order", date: "2026-02-11", env: Self.at("2026-02-11T12:00:00Z"))
        #expect(held.exitCode == 0, "\(held.stderr)")
        let suspend = try p.run("rivera", ["disclosures", "suspend", client, "--recipient", "State Attorney General", "--until", "2026-12-31"],
                                env: Self.at("2026-02-11T13:00:00Z"))
        #expect(suspend.exitCode == 0, "\(suspend.stderr)")
        let excluded = try p.discloseCLI(client, records: [note], basis: "legal-order", to: "Dr. Consultant", address: "Clinic Rd 3",
                                         purpose: "consultation", date: "2026-02-12", extra: ["--not-accountable", "treatment"],
                                         env: Self.at("2026-02-12T12:00:00Z"))
        #expect(excluded.exitCode == 0, "\(excluded.stderr)")
        return (p, client, note)
    }

    @Test("request → extend → fulfil: due 60 days after receipt, +30 once, the file opens with age -d and lists exactly the period's disclosures", .sqliteOnly)
    func lifecycle() throws {
        let (p, client, note) = try practiceWithDisclosures()
        let march = Self.at("2026-03-01T10:00:00Z")
        let free = try p.run("rivera", ["accounting", "request", client, "--received-on", "2026-02-20", "--fee", "USD 10"], env: march)
        #expect(free.exitCode == 64)
        #expect(free.stderr == "confidant: error: this is the client's first accounting request in 12 months, which is free (45 CFR 164.528(c)(2)); leave out --fee\n")

        let r = try p.run("rivera", ["--json", "accounting", "request", client, "--received-on", "2026-02-20", "--since", "2026-01-01"], env: march)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let receipt = json(r)
        let req = try #require(receipt["id"] as? String)
        #expect(req.hasPrefix("q") && req.count == 14)
        #expect(receipt["due"] as? String == "2026-04-21")
        #expect(receipt["receivedOn"] as? String == "2026-02-20")
        #expect(receipt["from"] as? String == "2026-01-01")
        #expect(receipt["requestsIn12Months"] as? Int == 1)
        #expect(receipt["free"] as? Bool == true)

        let april = Self.at("2026-04-01T10:00:00Z")
        let ext = try p.run("rivera", ["--json", "accounting", "extend", req, "--reason", "records at the off-site archive"], env: april)
        #expect(ext.exitCode == 0, "\(ext.stderr)")
        #expect(json(ext)["due"] as? String == "2026-05-21")
        #expect(json(ext)["previousDue"] as? String == "2026-04-21")
        #expect(json(ext)["notice"] as? String == "Your request of 2026-02-20 for an accounting of disclosures will be answered by 2026-05-21 instead of 2026-04-21, because: records at the off-site archive")
        let again = try p.run("rivera", ["accounting", "extend", req, "--reason", "still busy"], env: april)
        #expect(again.exitCode == 64)
        #expect(again.stderr == "confidant: error: accounting request \(req) was already extended (due 2026-05-21); 45 CFR 164.528(c)(1)(ii) allows one extension\n")

        let (key, recipient) = try AgeKey.generate(in: p.dir)
        let out = p.dir.file("accounting.age")
        let tenth = Self.at("2026-04-10T10:00:00Z")
        #expect(try p.run("chen", ["accounting", "fulfill", req, "--out", out, "--recipient", recipient], env: tenth).exitCode == 77)
        #expect(!FileManager.default.fileExists(atPath: out))
        let f = try p.run("rivera", ["--json", "accounting", "fulfill", req, "--out", out, "--recipient", recipient], env: tenth)
        #expect(f.exitCode == 0, "\(f.stderr)")
        let delivery = json(f)
        #expect(delivery["disclosures"] as? Int == 1)
        #expect(delivery["from"] as? String == "2026-01-01")
        #expect(delivery["to"] as? String == "2026-04-10")
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int == 0o600)
        let raw = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(raw.starts(with: Data("age-encryption.org/v1\n-> X25519 ".utf8)))

        let plain = try Self.ageDecrypt(out, identity: key)
        let doc = try #require(try JSONSerialization.jsonObject(with: plain) as? [String: Any])
        #expect(doc.keys.sorted() == ["client", "deliveredAt", "disclosures", "format", "letter", "period", "practice", "receivedOn", "requestId"])
        #expect(doc["format"] as? String == "confidant-accounting/v1")
        #expect(doc["practice"] as? String == "Test Practice")
        #expect(doc["requestId"] as? String == req)
        #expect(doc["receivedOn"] as? String == "2026-02-20")
        #expect((doc["client"] as? [String: String]) == ["id": client, "name": "Avery Accounting"])
        #expect((doc["period"] as? [String: String]) == ["from": "2026-01-01", "to": "2026-04-10"])
        #expect((doc["deliveredAt"] as? String)?.hasPrefix("2026-04-10T10:00:00") == true)
        let rows = doc["disclosures"] as? [[String: String]] ?? []
        #expect(rows == [["date": "2026-02-10", "recipientName": "Crisis Team", "recipientAddress": "Main St 2",
                          "description": "1 progress note (\(note))", "purpose": "imminent risk"]])
        let letter = doc["letter"] as? String ?? ""
        #expect(letter.contains("Dear Avery Accounting,"))
        #expect(letter.contains("This accounting covers 2026-01-01 to 2026-04-10. We made 1 disclosure of your health information"))
        #expect(letter.contains("please contact Test Practice."))

        // The signed entry proves the delivered bytes; the request is fulfilled, once.
        let digest = Encoding.hex(SHA256.hash([UInt8](plain)))
        #expect(delivery["sha256"] as? String == digest)
        let detail = try VaultFile.strings(p.vault, "SELECT detail FROM access_log WHERE action = 'accounting.fulfilled' AND outcome = 'success'")
        #expect(detail == ["sha256:\(digest)"])
        let twice = try p.run("rivera", ["accounting", "fulfill", req, "--out", p.dir.file("again.age"), "--recipient", recipient], env: tenth)
        #expect(twice.exitCode == 64)
        #expect(twice.stderr == "confidant: error: accounting request \(req) is already fulfilled\n")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("again.age")))

        try secondRequestAndList(p, client: client, first: req, digest: digest)
    }

    /// The second request in 12 months counts 2 and may carry a fee; the list shows both.
    func secondRequestAndList(_ p: TestPractice, client: String, first: String, digest: String) throws {
        let may = Self.at("2026-05-01T10:00:00Z")
        let r = try p.run("rivera", ["--json", "accounting", "request", client, "--fee", "USD 12 for copying"], env: may)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let second = json(r)
        #expect(second["requestsIn12Months"] as? Int == 2)
        #expect(second["free"] as? Bool == false)
        #expect(second["fee"] as? String == "USD 12 for copying")
        #expect(second["due"] as? String == "2026-06-30")
        #expect(second["from"] as? String == "2020-05-01")
        let later = Self.at("2026-05-01T10:05:00Z")
        let plain = try p.run("rivera", ["accounting", "request", client], env: later)
        #expect(plain.stdout.contains("Accounting requests by this client in the 12 months to 2026-05-01: 3 (this one included)."), "\(plain.stdout)")

        let list = try JSONSerialization.jsonObject(with: try p.run("rivera", ["--json", "accounting", "list", client], env: later).stdoutData)
            as? [[String: Any]] ?? []
        #expect(list.count == 3)
        let done = try #require(list.first)
        #expect(done["id"] as? String == first)
        #expect(done["state"] as? String == "fulfilled")
        #expect(done["due"] as? String == "2026-05-21")
        #expect(done["receivedOn"] as? String == "2026-02-20")
        #expect(done["from"] as? String == "2026-01-01" && done["to"] as? String == "2026-04-10")
        #expect(done["disclosures"] as? Int == 1)
        #expect(done["sha256"] as? String == digest)
        #expect(done["extensionReason"] as? String == "records at the off-site archive")
        #expect(list[1]["state"] as? String == "open" && list[1]["fee"] as? String == "USD 12 for copying")
        // A compliance officer off the care team sees dates and states, not the sealed details.
        let officer = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "accounting", "list", client], env: later).stdoutData)
            as? [[String: Any]] ?? []
        #expect(officer.compactMap { $0["state"] as? String } == ["fulfilled", "open", "open"])
        #expect(officer.allSatisfy { $0["receivedOn"] == nil && $0["from"] == nil })
        #expect(try p.run("chen", ["accounting", "list", client], env: later).exitCode == 77)

        // Reasons, fees and the delivered names are sealed; the log verifies with the new actions.
        for (file, bytes) in VaultFile.allBytes(p.vault) {
            for secret in ["off-site archive", "USD 12 for copying", "Crisis Team", "Avery Accounting"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(file)")
            }
        }
        let verify = try p.run("admin", ["log", "verify"], env: later)
        #expect(verify.exitCode == 0, "\(verify.stderr)")
    }
}

extension AccountingRequestEndToEndTests {
    @Test("who may ask: the client itself or its care team (77 otherwise); bad dates 64; unknown requests 66")
    func refusals() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Own Client")
        let other = try p.addClient(name: "Other Client")
        try p.addUser("jo", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let own = try p.run("jo", ["--json", "accounting", "request", client])
        #expect(own.exitCode == 0, "\(own.stderr)")
        #expect(json(own)["requestsIn12Months"] as? Int == 1)
        let foreign = try p.run("jo", ["accounting", "request", other])
        #expect(foreign.exitCode == 77)
        #expect(foreign.stderr == "confidant: error: a client can request an accounting of disclosures only for its own records\n")
        let offTeam = try p.run("chen", ["accounting", "request", client])
        #expect(offTeam.exitCode == 77)
        #expect(offTeam.stderr.hasPrefix("confidant: error: user 'chen' is not on the care team of client \(client)"))
        #expect(try VaultFile.logRows(p.vault).last.map { [$0.action, $0.actor, $0.outcome] } == ["accounting.request", "chen", "denied"])

        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        let tomorrow = day.string(from: Date().addingTimeInterval(86_400))
        for (args, message) in [
            (["--received-on", "2026-13-01"], "--received-on must be a date YYYY-MM-DD, not '2026-13-01'"),
            (["--since", "01/01/2026"], "--since must be a date YYYY-MM-DD, not '01/01/2026'"),
            (["--received-on", "2026-11-01", "--since", "2026-11-02"], "--since 2026-11-02 is after the request was received (2026-11-01); give a day on or before it"),
            (["--received-on", "2026-11-01", "--since", "2020-10-31"], "--since 2020-10-31 lies more than six years before the request was received (2026-11-01); omit --since for the full six years from 2020-11-01"),
        ] {
            let r = try p.run("rivera", ["accounting", "request", client] + args)
            #expect(r.exitCode == 64, "\(args)")
            #expect(r.stderr.hasPrefix("confidant: error: \(message)"), "\(args): \(r.stderr)")
        }
        let future = try p.run("rivera", ["accounting", "request", client, "--received-on", tomorrow])
        #expect(future.exitCode == 64, "\(future.stderr)")
        #expect(future.stderr.contains("--received-on"), "\(future.stderr)")

        for args in [["accounting", "extend", "qzzzzzzzzzzzzz", "--reason", "busy"],
                     ["accounting", "fulfill", "qzzzzzzzzzzzzz", "--out", p.dir.file("x.age"), "--passphrase-out", p.dir.file("x.pass")]] {
            let r = try p.run("rivera", args)
            #expect(r.exitCode == 66, "\(args)")
            #expect(r.stderr == "confidant: error: no accounting request 'qzzzzzzzzzzzzz'; 'confidant accounting list CLIENT' lists them\n")
        }
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.age")) && !FileManager.default.fileExists(atPath: p.dir.file("x.pass")))
        let access = try p.ok("rivera", ["export", "request", client])
        #expect(try p.run("rivera", ["accounting", "extend", access, "--reason", "busy"]).exitCode == 66)
        let req = try #require(json(own)["id"] as? String)
        #expect(try p.run("chen", ["accounting", "extend", req, "--reason", "busy"]).exitCode == 77)
        #expect(try p.run("jo", ["accounting", "extend", req, "--reason", "busy"]).exitCode == 77)
        #expect(try p.run("rivera", ["accounting", "fulfill", req, "--out", p.dir.file("y.age")]).exitCode == 64)
    }

    @Test("an accounting request left open past its due day is an accounting-overdue review item; it can no longer be extended")
    func overdue() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let req = try p.run("rivera", ["--json", "accounting", "request", client, "--received-on", "2026-09-01"])
        #expect(req.exitCode == 0, "\(req.stderr)")
        let id = try #require(json(req)["id"] as? String)
        #expect(json(req)["due"] as? String == "2026-10-31")
        let items = try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "review", "--rule", "accounting-overdue"]).stdoutData)
            as? [[String: Any]] ?? []
        #expect(items.count == 1)
        #expect(items.first?["id"] as? String == "accounting-overdue-\(id)")
        #expect(items.first?["record"] as? String == id)
        #expect(items.first?["action"] as? String == "accounting.request")
        #expect((items.first?["why"] as? String)?.hasPrefix("the client's request for an accounting of disclosures was due 2026-10-31") == true)
        let late = try p.run("rivera", ["accounting", "extend", id, "--reason", "busy"])
        #expect(late.exitCode == 64)
        #expect(late.stderr == "confidant: error: accounting request \(id) was due 2026-10-31; an extension must be given before the due date\n")
    }
}
