import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport

fileprivate func chartJSON(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

fileprivate func chartJSONList(_ r: CLIResult) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

fileprivate extension TestPractice {
    /// Adds a client with a chart number as rivera; returns its id.
    func addCharted(_ name: String, chart: String) throws -> String {
        try ok("rivera", ["client", "add", "--name", name, "--chart", chart])
    }

    func chartHashes() throws -> [String: Data] {
        let rows = try VaultFile.strings(vault, "SELECT id || '|' || \(VaultFile.hex("chart_hash", vault)) FROM clients")
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            let parts = row.split(separator: "|", omittingEmptySubsequences: false)
            let hex = Array(parts.count > 1 ? parts[1] : "")
            let bytes = stride(from: 0, to: hex.count - 1, by: 2).compactMap { UInt8(String(hex[$0...$0 + 1]), radix: 16) }
            return (String(parts[0]), Data(bytes))
        })
    }
}

/// Chart numbers: stored as a keyed hash in the client's signed row, unique per vault, and found
/// by admins, compliance officers and care-team therapists.
@Suite("chart numbers end to end")
struct ChartNumberEndToEndTests {
    @Test("client add --chart; client find --chart finds the id for an admin and a compliance officer (no name), the care team (with the name)")
    func addAndFind() throws {
        let p = try TestPractice()
        let client = try p.addCharted("Jordan Avery", chart: "MRN-1042")
        _ = try p.addCharted("Sam Lee", chart: "MRN-1043")

        let admin = try p.run("admin", ["client", "find", "--chart", "mrn-1042"])
        #expect(admin.exitCode == 0, "\(admin.stderr)")
        #expect(admin.stdout.contains(client))
        #expect(!admin.stdout.contains("Jordan"))
        let spaced = chartJSONList(try p.run("morgan", ["--json", "client", "find", "--chart", " MRN-1042 "]))
        #expect(spaced.compactMap { $0["id"] as? String } == [client])
        let found = try #require((try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "client", "find", "--chart", "MRN-1042"]).stdoutData)) as? [[String: Any]])
        #expect(found.count == 1)
        #expect(found.first?["id"] as? String == client)
        #expect(found.first?["chart"] as? String == "MRN-1042")
        #expect(found.first?["name"] == nil)
        #expect(found.first?["careTeam"] as? [String] == ["rivera"])

        let team = chartJSONList(try p.run("rivera", ["--json", "client", "find", "--chart", "MRN-1042"]))
        #expect(team.first?["id"] as? String == client)
        #expect(team.first?["name"] as? String == "Jordan Avery")
        #expect(chartJSON(try p.run("rivera", ["--json", "client", "show", client]))["chart"] as? String == "MRN-1042")

        // A therapist outside the care team learns nothing; an unknown chart is 66 for everyone.
        let outside = try p.run("chen", ["client", "find", "--chart", "MRN-1042"])
        #expect(outside.exitCode == 66)
        #expect(outside.stderr == "confidant: error: no client on your care teams has chart number MRN-1042\n")
        let unknown = try p.run("admin", ["client", "find", "--chart", "MRN-9999"])
        #expect(unknown.exitCode == 66)
        #expect(unknown.stderr == "confidant: error: no client has chart number MRN-9999\n")
        #expect(try p.run("admin", ["client", "find", "--chart", "MRN-1042", "Jordan"]).exitCode == 64)
        #expect(try p.run("admin", ["client", "find"]).exitCode == 64)

        // The lookups are logged, naming the client; an admin's or compliance officer's is their
        // job, not an outside-care-team review item.
        let lookups = try VaultFile.logRows(p.vault).filter { $0.action == "client.find.chart" && $0.outcome == "success" }
        #expect(lookups.map(\.actor) == ["admin", "morgan", "morgan", "rivera"])
        #expect(Set(lookups.map(\.client)) == [client])
        _ = try p.ok("admin", ["settings", "set", "review.working-hours", "00:00-24:00"])
        let items = chartJSONList(try p.run("morgan", ["--json", "log", "review", "--rule", "outside-care-team"]))
        #expect(items.filter { $0["action"] as? String == "client.find.chart" }.isEmpty)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("a chart number another client has is refused (64, one line), even with --force and by another therapist; nothing is added")
    func duplicateRefused() throws {
        let p = try TestPractice()
        _ = try p.addCharted("Jordan Avery", chart: "MRN-1042")
        let message = "confidant: error: chart number MRN-1042 already belongs to another client of this vault; "
            + "'confidant client find --chart MRN-1042' shows which\n"
        let again = try p.run("rivera", ["client", "add", "--name", "Someone Else", "--chart", " mrn-1042", "--force"])
        #expect(again.exitCode == 64)
        #expect(again.stderr == message)
        let other = try p.run("chen", ["client", "add", "--name", "Someone Else", "--chart", "MRN-1042"])
        #expect(other.exitCode == 64)
        #expect(other.stderr == message)
        #expect(try p.chartHashes().count == 1)
        #expect(try p.run("rivera", ["client", "add", "--name", "Empty Chart", "--chart", "  "]).exitCode == 64)
        #expect(try p.run("rivera", ["client", "add", "--name", "Long Chart", "--chart", String(repeating: "9", count: 65)]).exitCode == 64)
        // Clients without a chart number need none to be unique.
        _ = try p.addClient(name: "No Chart One")
        _ = try p.addClient(name: "No Chart Two")
        #expect(try p.chartHashes().values.filter(\.isEmpty).count == 2)
    }

    @Test("purging a client (by an id prefix) frees its chart number: the hash is gone from its row, and the number can name a new client")
    func purgeFreesChart() throws {
        let p = try TestPractice()
        let client = try p.addCharted("Jordan Avery", chart: "MRN-1042")
        let purge = try p.run("admin", ["client", "purge", String(client.prefix(5)), "--force-before-retention"] + p.approvedBy())
        #expect(purge.exitCode == 0, "\(purge.stderr)")
        #expect(purge.stdout.hasPrefix("Purged \(client): "))
        #expect(try p.chartHashes()[client] == Data())
        #expect(try p.run("morgan", ["client", "find", "--chart", "MRN-1042"]).exitCode == 66)
        let again = try p.addCharted("Jordan Avery Jr", chart: "MRN-1042")
        #expect(chartJSONList(try p.run("admin", ["--json", "client", "find", "--chart", "MRN-1042"])).first?["id"] as? String == again)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }

    @Test("neither the chart number nor an unkeyed hash of it is anywhere in the vault file or its WAL; the stored hash is 32 keyed bytes", .sqliteOnly)
    func onlyKeyedHashOnDisk() throws {
        let p = try TestPractice()
        let client = try p.addCharted("Jordan Avery", chart: "mrn-77341")
        _ = try p.run("admin", ["client", "find", "--chart", "MRN-77341"])
        _ = try p.run("rivera", ["client", "add", "--name", "Dup", "--chart", "MRN-77341"])  // a refused attempt, logged
        let stored = try #require(try p.chartHashes()[client])
        #expect(stored.count == 32)
        var needles: [[UInt8]] = []
        for text in ["MRN-77341", "mrn-77341", "77341"] {
            let bytes = Array(text.utf8)
            needles += [bytes, SHA256.hash(bytes), try BLAKE2b.hash(bytes), try BLAKE2b.hash(bytes, outputByteCount: 64)]
            needles.append(Array(text.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }))
        }
        for needle in needles {
            #expect(Data(needle) != stored)
            for (file, bytes) in VaultFile.allBytes(p.vault) {
                #expect(bytes.range(of: Data(needle)) == nil, "\(file) holds \(Encoding.hex(needle))")
            }
        }
    }

    @Test("a writer swapping two clients' chart hashes is detected (65) by the lookup, by client show and by log verify", .sqliteOnly)
    func writerSwapDetected() throws {
        let p = try TestPractice()
        let first = try p.addCharted("Jordan Avery", chart: "MRN-1042")
        let second = try p.addCharted("Sam Lee", chart: "MRN-2001")
        let hashes = try p.chartHashes()
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE clients SET chart_hash = ? WHERE id = ?", arguments: [hashes[second], first])
            try db.execute(sql: "UPDATE clients SET chart_hash = ? WHERE id = ?", arguments: [hashes[first], second])
        }
        for user in ["admin", "morgan"] {
            let find = try p.run(user, ["client", "find", "--chart", "MRN-1042"])
            #expect(find.exitCode == 65)
            #expect(find.stdout.isEmpty)
            #expect(find.stderr.contains("the stored state of client \(second) differs from what its signed entries committed"), "\(find.stderr)")
        }
        #expect(try p.run("rivera", ["client", "show", first]).exitCode == 65)
        #expect(try p.run("rivera", ["client", "add", "--name", "New", "--chart", "MRN-3000"]).exitCode == 65)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 65)
    }

    @Test("a writer blanking a chart hash is detected (65), not reported as an unknown chart (66) or let through as a free number", .sqliteOnly)
    func writerBlankDetected() throws {
        let p = try TestPractice()
        let client = try p.addCharted("Jordan Avery", chart: "MRN-1042")
        try VaultFile.withDatabase(p.vault) { db in
            try db.execute(sql: "UPDATE clients SET chart_hash = x'' WHERE id = ?", arguments: [client])
        }
        let find = try p.run("morgan", ["client", "find", "--chart", "MRN-1042"])
        #expect(find.exitCode == 65)
        #expect(find.stderr.contains("client \(client)"))
        #expect(try p.run("rivera", ["client", "add", "--name", "Twin", "--chart", "MRN-1042"]).exitCode == 65)
    }
}

/// Every id argument takes a unique prefix of 4 or more characters, beyond clients and records.
@Suite("id prefixes end to end")
struct IDPrefixEndToEndTests {
    @Test("an export request id prefix works for export fulfill; an emergency id prefix for emergency approve")
    func requestAndEmergencyPrefixes() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Prefix Person")
        let note = try p.addNote(client, "safety plan: call 988")
        let request = try p.ok("rivera", ["export", "request", String(client.prefix(5))])
        let out = p.dir.file("export.age")
        let fulfil = try p.run("rivera", ["--json", "export", "fulfill", String(request.prefix(6)), "--out", out,
                                          "--passphrase-out", p.dir.file("export.pass")])
        #expect(fulfil.exitCode == 0, "\(fulfil.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        #expect(try VaultFile.logRows(p.vault).contains { $0.action == "export.fulfill" && $0.outcome == "success" && $0.record == request })

        let ask = try p.ok("chen", ["note", "open", note, "--purpose", "ETREAT", "--reason", "client in crisis", "--break-glass"])
        #expect(ask.hasPrefix("e") && ask.count == 14)
        let approve = try p.run("rivera", ["emergency", "approve", String(ask.prefix(5))])
        #expect(approve.exitCode == 0, "\(approve.stderr)")
        #expect(approve.stdout.hasPrefix("Released client \(client) to chen until "))
        let opened = try p.run("chen", ["note", "open", String(note.prefix(4)), "--purpose", "ETREAT"])
        #expect(opened.stdout == "safety plan: call 988\n")
        #expect(try VaultFile.logRows(p.vault).contains { $0.action == "emergency.approve" && $0.outcome == "success" && $0.record == ask })
        let short = try p.run("rivera", ["emergency", "approve", "e"])
        #expect(short.exitCode == 64)
    }

    @Test("an authorization id prefix works for authorization revoke and disclose --authorization")
    func authorizationPrefix() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Auth Person")
        let note = try p.addNote(client, "progress text")
        let auth = try p.ok("rivera", ["authorization", "add", String(client.prefix(4)), "--recipient", "Dr Who", "--kinds", "progress",
                                       "--purpose", "continuity of care", "--expires", "2027-12-31", "--signed-on", "2026-01-01"])
        #expect(auth.hasPrefix("z") && auth.count == 14)
        let disclosed = try p.discloseCLI(String(client.prefix(5)), records: [String(note.prefix(5))], basis: "client-authorization",
                                          to: "Dr Who", purpose: "continuity of care", extra: ["--authorization", String(auth.prefix(6))])
        #expect(disclosed.exitCode == 0, "\(disclosed.stderr)")
        let disclosure = disclosed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(disclosure.hasPrefix("d") && disclosure.count == 14)
        let list = chartJSONList(try p.run("rivera", ["--json", "authorization", "list", String(client.prefix(6))]))
        #expect(list.compactMap { $0["id"] as? String } == [auth])
        let revoke = try p.run("rivera", ["authorization", "revoke", String(auth.prefix(5)), "--on", "2026-02-01"])
        #expect(revoke.exitCode == 0, "\(revoke.stderr)")
        let after = chartJSONList(try p.run("rivera", ["--json", "authorization", "list", client]))
        #expect(after.first?["state"] as? String == "revoked")
    }

    @Test("an ambiguous prefix is 64 and names every candidate; nothing is written")
    func ambiguousPrefix() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Ambiguous Person")
        let request = try p.ok("rivera", ["export", "request", client])
        // A second id that shares the first 6 characters (only a planted row can be relied on to).
        let twin = String(request.prefix(6)) + String(repeating: "a", count: request.count - 6)
        try VaultFile.execute(p.vault, """
            INSERT INTO export_requests (id, client_id, requested_by, requested_at, due_at, state, fulfilled_at, fulfilled_by)
            SELECT '\(twin)', client_id, requested_by, requested_at, due_at, state, fulfilled_at, fulfilled_by FROM export_requests WHERE id = '\(request)'
            """)
        let r = try p.run("rivera", ["export", "fulfill", String(request.prefix(6)), "--out", p.dir.file("x.age"),
                                     "--passphrase-out", p.dir.file("x.pass")])
        #expect(r.exitCode == 64)
        let sorted = [request, twin].sorted()
        #expect(r.stderr == "confidant: error: '\(request.prefix(6))' starts more than one request id (\(sorted[0]), \(sorted[1])); give more characters\n")
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.age")))
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("x.pass")))
    }
}
