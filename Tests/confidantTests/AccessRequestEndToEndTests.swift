import Foundation
import Testing
import VaultTestSupport

/// Access requests (45 CFR 164.524) through the binary: receipt and due days, one extension,
/// denials on their grounds with the notice, review by a therapist who took no part, partial
/// denial and withholding at fulfilment, third-party copies.
@Suite("access requests end to end")
struct AccessRequestEndToEndTests {
    func json(_ r: CLIResult) throws -> Any { try JSONSerialization.jsonObject(with: r.stdoutData) }

    func requests(_ p: TestPractice, _ user: String = "rivera", overdue: Bool = false) throws -> [[String: Any]] {
        let r = try p.run(user, ["--json", "export", "requests"] + (overdue ? ["--overdue"] : []))
        #expect(r.exitCode == 0, "\(r.stderr)")
        return try json(r) as? [[String: Any]] ?? []
    }

    /// The cells of the table row that starts with `id`.
    func row(_ table: String, _ id: String) -> [String] {
        table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == id } ?? []
    }

    func reviewItems(_ p: TestPractice) throws -> [String] {
        (try json(try p.run("morgan", ["--json", "log", "review"])) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// Fulfils `req` as `user` and opens the export; returns records.json and the opened folder.
    func fulfilAndOpen(_ p: TestPractice, _ req: String, _ extra: [String] = [], as user: String = "rivera") throws -> ([String: Any], String) {
        let (key, recipient) = try AgeKey.generate(in: p.dir, name: "k-\(req).key")
        let out = p.dir.file("\(req).age")
        let f = try p.run(user, ["export", "fulfill", req, "--out", out, "--recipient", recipient] + extra)
        #expect(f.exitCode == 0, "\(f.stderr)")
        let opened = p.dir.file("opened-\(req)")
        let o = try CLI.run(["export", "open", out, "--out", opened, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")
        let records = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: opened + "/records.json"))) as? [String: Any]
        return (records ?? [:], opened)
    }

    @Test("received 2026-01-05 is due 2026-02-04; extended once 2026-03-06, overdue only after that; a second extension 64", .sqliteOnly)
    func deadlines() throws {
        let p = try TestPractice(env: testClock("2026-01-06T10:00:00Z"))
        let client = try p.addClient(name: "Dana Reyes")
        try p.addUser("dana", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        #expect(try p.run("rivera", ["export", "request", client, "--received-on", "05/01/2026"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "request", client, "--received-on", "2026-01-07"]).exitCode == 64)
        let made = try p.run("rivera", ["--json", "export", "request", client, "--received-on", "2026-01-05"])
        #expect(made.exitCode == 0, "\(made.stderr)")
        let req = try #require((try json(made) as? [String: Any])?["id"] as? String)
        #expect((try json(made) as? [String: Any])?["due"] as? String == "2026-02-04")
        let plain = try p.ok("rivera", ["export", "request", client, "--received-on", "2026-01-05"])

        let listed = try #require(try requests(p).first { $0["id"] as? String == req })
        #expect(listed["receivedOn"] as? String == "2026-01-05")
        #expect(listed["due"] as? String == "2026-02-04")
        #expect(listed["state"] as? String == "open")
        // The compliance officer holds no client key: the due day, not the received day.
        let seen = try #require(try requests(p, "morgan").first { $0["id"] as? String == req })
        #expect(seen["receivedOn"] == nil && seen["due"] as? String == "2026-02-04")
        #expect(try row(p.ok("morgan", ["export", "requests"]), req) == [req, client, "rivera", "-", "2026-02-04", "open"])

        #expect(try p.run("morgan", ["export", "extend", req, "--reason", "x"]).exitCode == 77)
        #expect(try p.run("chen", ["export", "extend", req, "--reason", "x"]).exitCode == 77)
        #expect(try p.run("rivera", ["export", "extend", req, "--reason", "  "]).exitCode == 64)
        p.env = testClock("2026-01-20T10:00:00Z")
        let ext = try p.run("rivera", ["export", "extend", req, "--reason", "the records from the hospital have not arrived"])
        #expect(ext.exitCode == 0, "\(ext.stderr)")
        #expect(ext.stdout.contains("now due 2026-03-06"))
        #expect(ext.stdout.contains("Reason: the records from the hospital have not arrived"))
        #expect(ext.stdout.contains("We will act on it by 2026-03-06 (it was due 2026-02-04)"))
        let again = try p.run("rivera", ["export", "extend", req, "--reason", "still waiting"])
        #expect(again.exitCode == 64)
        #expect(again.stderr.contains("already extended once"))

        // Past the first due day: only the request not extended is overdue.
        p.env = testClock("2026-02-10T10:00:00Z")
        #expect(try requests(p, overdue: true).compactMap { $0["id"] as? String } == [plain])
        #expect(try row(p.ok("rivera", ["export", "requests"]), req) == [req, client, "rivera", "2026-01-05", "2026-03-06", "extended"])
        var items = try reviewItems(p)
        #expect(items.contains("export-overdue-\(plain)") && !items.contains("export-overdue-\(req)"))
        #expect(try p.run("rivera", ["export", "extend", plain, "--reason", "late"]).exitCode == 64)

        p.env = testClock("2026-03-07T10:00:00Z")
        #expect(Set(try requests(p, overdue: true).compactMap { $0["id"] as? String }) == [plain, req])
        #expect(try row(p.ok("dana", ["export", "requests"]), req) == [req, client, "rivera", "2026-01-05", "2026-03-06", "overdue"])
        items = try reviewItems(p)
        #expect(items.contains("export-overdue-\(req)"))
        #expect(try p.run("rivera", ["export", "extend", req, "--reason", "more"]).exitCode == 64)

        // The received day, the reason and the notice are sealed: not in the vault's bytes.
        let files = try VaultFile.withDatabase(p.vault) { _ in VaultFile.allBytes(p.vault) } + VaultFile.allBytes(p.vault)
        for (path, bytes) in files {
            #expect(bytes.range(of: Data("records from the hospital".utf8)) == nil, "reason found in \(path)")
            #expect(bytes.range(of: Data("2026-01-05".utf8)) == nil, "received day found in \(path)")
        }
        let entries = try json(try p.run("morgan", ["--json", "log", "show", "--action", "export.extend", "--outcome", "success"])) as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        #expect(entries.first?.values.contains { $0 as? String == req } == true)
        #expect(entries.first?.values.contains { $0 as? String == client } == true)
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)
    }

    @Test("a whole denial prints its notice; reviewable: the denier 77, another therapist 0; overturn reopens; unreviewable 64")
    func denialAndReview() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Sam Ortiz")
        _ = try p.addNote(client, "session text")
        try p.addUser("sam", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let req = try p.ok("sam", ["export", "request", client])
        #expect(try p.run("rivera", ["export", "deny", req, "--ground", "bad-mood", "--reason", "x"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "deny", req, "--ground", "endanger-life"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "review-denial", req, "--decision", "uphold"]).exitCode == 64)
        #expect(try p.run("chen", ["export", "deny", req, "--ground", "endanger-life", "--reason", "x"]).exitCode == 77)
        let deny = try p.run("rivera", ["export", "deny", req, "--ground", "endanger-life", "--reason", "acute crisis this week"])
        #expect(deny.exitCode == 0, "\(deny.stderr)")
        let notice = deny.stdout
        #expect(notice.contains("Test Practice has denied access to your request \(req) for a copy of your records."))
        #expect(notice.contains("Why: A licensed professional judged that this access is reasonably likely to endanger your life or physical safety, or someone else's. (45 CFR 164.524(a)(3)(i))."))
        #expect(notice.contains("Our reason: acute crisis this week"))
        #expect(notice.contains("Review: You may ask Test Practice to have this decision reviewed. A licensed health-care professional who took no part in it will review it"))
        #expect(notice.contains("complain to Test Practice by writing to its privacy contact"))
        #expect(notice.contains("Secretary of the U.S. Department of Health and Human Services, Office for Civil Rights"))
        #expect(notice.contains("www.hhs.gov/ocr/complaints"))
        #expect(try requests(p).first?["state"] as? String == "denied")
        let (_, recipient) = try AgeKey.generate(in: p.dir, name: "denied.key")
        let refused = try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("no.age"), "--recipient", recipient])
        #expect(refused.exitCode == 64)
        #expect(refused.stderr.contains("was denied"))

        let byDenier = try p.run("rivera", ["export", "review-denial", req, "--decision", "overturn"])
        #expect(byDenier.exitCode == 77)
        #expect(byDenier.stderr.contains("took part in access request \(req)"))
        #expect(try p.run("chen", ["export", "review-denial", req, "--decision", "overturn"]).exitCode == 77)  // not on the care team
        #expect(try p.run("rivera", ["export", "review-denial", req, "--decision", "maybe"]).exitCode == 64)
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        let review = try p.run("chen", ["export", "review-denial", req, "--decision", "overturn"])
        #expect(review.exitCode == 0, "\(review.stderr)")
        #expect(review.stdout.contains("Denial overturned: access request \(req) is open again"))
        #expect(try p.run("chen", ["export", "review-denial", req, "--decision", "uphold"]).exitCode == 64)
        let (records, _) = try fulfilAndOpen(p, req)
        #expect((records["notes"] as? [Any])?.count == 1)
        #expect((records["withheld"] as? [Any])?.isEmpty == true)

        // An unreviewable ground cannot be reviewed.
        let req2 = try p.ok("sam", ["export", "request", client])
        _ = try p.ok("rivera", ["export", "deny", req2, "--ground", "litigation", "--reason", "prepared for the custody hearing"])
        let unrev = try p.run("chen", ["export", "review-denial", req2, "--decision", "overturn"])
        #expect(unrev.exitCode == 64)
        #expect(unrev.stderr.contains("cannot be reviewed"))
        let notice2 = try p.ok("rivera", ["--json", "export", "requests"])
        #expect(notice2.contains("denied"))
        let entries = try json(try p.run("morgan", ["--json", "log", "show", "--action", "export.review-denial", "--outcome", "success"])) as? [[String: Any]] ?? []
        #expect(entries.count == 1)
        #expect(entries.first?.values.contains { $0 as? String == client } == true)
        #expect(entries.first?.values.contains { $0 as? String == req } == true)
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)
    }

    @Test("a practice with no second therapist records an outside reviewer and its decision; uphold keeps the denial", .sqliteOnly)
    func externalReviewer() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let req = try p.ok("rivera", ["export", "request", client])
        _ = try p.ok("rivera", ["export", "deny", req, "--ground", "references-other-person", "--reason", "the notes describe the client's brother"])
        try p.dir.write("decision.txt", "Reviewed by Dr. Outside, LCSW: the denial is upheld.")
        #expect(try p.run("rivera", ["export", "review-denial", req, "--decision", "uphold", "--external-reviewer", "Dr. Outside"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "review-denial", req, "--decision", "uphold", "--external-reviewer", "Dr. Outside",
                                     "--file", p.dir.file("missing.txt")]).exitCode == 66)
        let r = try p.run("rivera", ["export", "review-denial", req, "--decision", "uphold", "--external-reviewer", "Dr. Outside",
                                     "--file", p.dir.file("decision.txt")])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Denial upheld: access request \(req) stays denied."))
        #expect(try requests(p).first { $0["id"] as? String == req }?["state"] as? String == "denied")
        let files = try VaultFile.withDatabase(p.vault) { _ in VaultFile.allBytes(p.vault) } + VaultFile.allBytes(p.vault)
        for (path, bytes) in files {
            #expect(bytes.range(of: Data("Dr. Outside".utf8)) == nil, "reviewer found in \(path)")
            #expect(bytes.range(of: Data("references-other-person".utf8)) == nil, "ground found in \(path)")
        }
    }

    @Test("partial denial and --withhold: records.json lists each withheld record with its ground, its meaning and how to ask for review")
    func partialDenialAndWithholding() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let keep = try p.addNote(client, "kept note")
        let family = try p.addNote(client, "family session with the brother")
        let risky = try p.addNote(client, "note withheld at fulfilment")
        let psy = try p.addNote(client, "process note", kind: "psychotherapy")
        let other = try p.addNote(try p.addClient(name: "Other"), "someone else")
        let req = try p.ok("rivera", ["export", "request", client])
        #expect(try p.run("rivera", ["export", "deny", req, "--ground", "references-other-person", "--reason", "x", "--records", other]).exitCode == 66)
        let partial = try p.run("rivera", ["export", "deny", req, "--ground", "references-other-person",
                                           "--reason", "it describes your brother", "--records", family])
        #expect(partial.exitCode == 0, "\(partial.stderr)")
        #expect(partial.stdout.contains("the following records of your request \(req): \(family)"))
        #expect(partial.stdout.contains("You may have a copy of the rest of your records"))
        #expect(try requests(p).first { $0["id"] as? String == req }?["state"] as? String == "open")

        let out = p.dir.file("x.age")
        let (_, recipient) = try AgeKey.generate(in: p.dir, name: "x.key")
        #expect(try p.run("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient, "--withhold", risky]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient,
                                     "--withhold", risky, "--ground", "nope"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient,
                                     "--withhold", other, "--ground", "endanger-life"]).exitCode == 66)
        let (records, opened) = try fulfilAndOpen(p, req, ["--withhold", risky, "--ground", "endanger-life"])
        #expect((records["notes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [keep])
        #expect(!FileManager.default.fileExists(atPath: opened + "/notes/\(family).txt"))
        #expect(!FileManager.default.fileExists(atPath: opened + "/notes/\(risky).txt"))
        let withheld = records["withheld"] as? [[String: Any]] ?? []
        let byID = Dictionary(uniqueKeysWithValues: withheld.compactMap { w in (w["id"] as? String).map { ($0, w) } })
        #expect(Set(byID.keys) == [family, risky, psy])
        let review = "You may ask Test Practice to have this decision reviewed. A licensed health-care professional who took no part in it will review it, "
            + "and Test Practice will tell you the result in writing and do what the reviewer decides."
        #expect(byID[family]?["ground"] as? String == "references-other-person")
        #expect(byID[family]?["reviewable"] as? Bool == true)
        #expect(byID[family]?["howToAskForReview"] as? String == review)
        #expect(byID[family]?["reason"] as? String == "It mentions another person (not a health-care provider), and a licensed professional judged that access is "
                + "reasonably likely to cause that person substantial harm. (45 CFR 164.524(a)(3)(ii))")
        #expect(byID[risky]?["ground"] as? String == "endanger-life")
        #expect(byID[risky]?["howToAskForReview"] as? String == review)
        #expect(byID[psy]?["ground"] as? String == "psychotherapy-notes")
        #expect(byID[psy]?["reviewable"] as? Bool == false)
        #expect(byID[psy]?["howToAskForReview"] == nil)
        #expect(byID[psy]?["reason"] as? String == "psychotherapy note withheld by its author (45 CFR 164.524(a)(1)(i)); you may ask Test Practice for it")
        #expect(!(try String(contentsOfFile: opened + "/records.json", encoding: .utf8)).contains("--include"))

        // Overturned on review, a partial denial withholds nothing more.
        let req2 = try p.ok("rivera", ["export", "request", client])
        _ = try p.ok("rivera", ["export", "deny", req2, "--ground", "references-other-person", "--reason", "brother", "--records", family])
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        _ = try p.ok("chen", ["export", "review-denial", req2, "--decision", "overturn"])
        let (records2, _) = try fulfilAndOpen(p, req2)
        #expect(Set((records2["notes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []) == [keep, family, risky])
        #expect((records2["withheld"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [psy])
    }

    @Test("a copy to a third party needs the client's signed direction on file, matching the name; the export names it", .sqliteOnly)
    func thirdPartyCopy() throws {
        let p = try TestPractice(env: testClock("2026-11-20T10:00:00Z"))
        let client = try p.addClient()
        _ = try p.addNote(client, "session text")
        try p.dir.write("direction.pdf", "I, the client, direct Test Practice to send my records to Hillside Clinic. Signed 2026-11-01.")
        #expect(try p.run("rivera", ["export", "request", client, "--to-third-party", "Hillside Clinic"]).exitCode == 64)
        #expect(try p.run("rivera", ["export", "request", client, "--form", "fax"]).exitCode == 64)
        let req = try p.ok("rivera", ["export", "request", client, "--to-third-party", "Hillside Clinic",
                                      "--direction-file", p.dir.file("direction.pdf"), "--form", "paper"])
        let plain = try p.ok("rivera", ["export", "request", client])
        let (_, recipient) = try AgeKey.generate(in: p.dir, name: "tp.key")
        let wrong = try p.run("rivera", ["export", "fulfill", req, "--out", p.dir.file("w.age"), "--recipient", recipient,
                                         "--to-third-party", "Other Clinic"])
        #expect(wrong.exitCode == 77)
        #expect(wrong.stderr.contains("no signed direction from the client to send a copy to 'Other Clinic' is on file for request \(req)"))
        #expect(!FileManager.default.fileExists(atPath: p.dir.file("w.age")))
        #expect(try p.run("rivera", ["export", "fulfill", plain, "--out", p.dir.file("w2.age"), "--recipient", recipient,
                                     "--to-third-party", "Hillside Clinic"]).exitCode == 77)
        let (records, _) = try fulfilAndOpen(p, req, ["--to-third-party", "hillside clinic"])
        let access = records["accessRequest"] as? [String: Any]
        #expect(access?["thirdParty"] as? String == "Hillside Clinic")
        #expect(access?["form"] as? String == "paper")
        #expect(access?["receivedOn"] as? String == "2026-11-20")
        #expect(access?["due"] as? String == "2026-12-20")
        let files = try VaultFile.withDatabase(p.vault) { _ in VaultFile.allBytes(p.vault) } + VaultFile.allBytes(p.vault)
        for (path, bytes) in files { #expect(bytes.range(of: Data("Hillside".utf8)) == nil, "third party found in \(path)") }
    }
}
