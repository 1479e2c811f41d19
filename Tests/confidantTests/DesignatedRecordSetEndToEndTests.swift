import Foundation
import Testing
import VaultCrypto
import VaultTestSupport

/// The designated record set in a client's export (45 CFR 164.501, 164.524): authorizations
/// with their signed copies, an amendment request with the statement of disagreement and the
/// rebuttal, and an accounting the client was given, all in records.json, as files of the
/// archive and on index.html; and a note the practice labels SUD, whose label reaches the
/// export and FHIR but never the vault's bytes in plaintext.
@Suite("designated record set end to end")
struct DesignatedRecordSetEndToEndTests {
    func readJSON(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    /// Fulfils a new export request for `client` and opens it; returns the folder.
    func exportAndOpen(_ p: TestPractice, _ client: String, name: String = "opened") throws -> (dir: String, check: [String: Any]) {
        let req = try p.ok("rivera", ["export", "request", client])
        let (key, recipient) = try AgeKey.generate(in: p.dir, name: "\(name).key")
        let out = p.dir.file("\(name).age")
        _ = try p.ok("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient])
        let dir = p.dir.file(name)
        let o = try CLI.run(["--json", "export", "open", out, "--out", dir, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")
        return (dir, disclosureJSONObject(o))
    }

    @Test("an authorization and its signed copy, a disagreement and its rebuttal, a delivered accounting: in the export and on its page")
    func recordSet() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Record Set Person")
        let note = try p.addNote(client, "session one")
        let scan = "%PDF-1.4 signed authorization, Dr. Lee <cardiology>"
        let copy = try p.dir.write("signed.pdf", scan)
        let auth = try p.ok("rivera", ["authorization", "add", client, "--recipient", "Dr. Lee, Cardiology", "--kinds", "progress",
                                       "--purpose", "coordinating care", "--signed-on", "2026-01-05", "--signed-by", "client",
                                       "--expires", "2027-01-05", "--signed-copy", copy])
        let asked = try p.dir.write("asked.txt", "The note says I missed a session; I did not.")
        let amr = try p.ok("rivera", ["amendment", "request", client, "--records", note, "--file", asked])
        _ = try p.ok("rivera", ["amendment", "decide", amr, "--deny", "--ground", "accurate-and-complete", "--reason", "our calendar shows the miss"])
        let disagree = try p.dir.write("disagree.txt", "I was there & I have the receipt.")
        let statement = try p.ok("rivera", ["amendment", "disagree", amr, "--file", disagree])
        let rebut = try p.dir.write("rebut.txt", "The front desk logged no arrival.")
        let rebuttal = try p.ok("rivera", ["amendment", "rebut", amr, "--file", rebut])
        let acct = try #require(disclosureJSONObject(try p.run("rivera", ["--json", "accounting", "request", client]))["id"] as? String)
        let (akey, arecipient) = try AgeKey.generate(in: p.dir, name: "accounting.key")
        let accountingFile = p.dir.file("accounting.age")
        _ = try p.ok("rivera", ["accounting", "fulfill", acct, "--out", accountingFile, "--recipient", arecipient])
        let delivered = try AccountingRequestEndToEndTests.ageDecrypt(accountingFile, identity: akey)

        let (dir, check) = try exportAndOpen(p, client)
        #expect(check["authorizations"] as? Int == 1 && check["signedCopies"] as? Int == 1 && check["accountings"] as? Int == 1)
        let records = try readJSON(dir + "/records.json")

        let auths = records["authorizations"] as? [[String: Any]] ?? []
        #expect(auths.count == 1)
        #expect(auths.first?["id"] as? String == auth && auths.first?["recipient"] as? String == "Dr. Lee, Cardiology")
        #expect(auths.first?["kinds"] as? [String] == ["progress"] && auths.first?["signedOn"] as? String == "2026-01-05")
        let signed = auths.first?["signedCopy"] as? [String: Any] ?? [:]
        #expect(signed["file"] as? String == "signed-copies/\(auth).pdf")
        #expect(signed["sha256"] as? String == Encoding.hex(SHA256.hash(Array(scan.utf8))) && signed["bytes"] as? Int == scan.utf8.count)
        #expect(try String(contentsOfFile: dir + "/signed-copies/\(auth).pdf", encoding: .utf8) == scan)

        let amendments = records["amendments"] as? [[String: Any]] ?? []
        #expect(amendments.map { $0["id"] as? String } == [amr])
        #expect(amendments.first?["state"] as? String == "refused" && amendments.first?["ground"] as? String == "accurate-and-complete")
        #expect(amendments.first?["reason"] as? String == "our calendar shows the miss")
        #expect(amendments.first?["requested"] as? String == "The note says I missed a session; I did not.")
        #expect(amendments.first?["recordIds"] as? [String] == [note])
        let addenda = records["addenda"] as? [[String: Any]] ?? []
        #expect(addenda.map { $0["id"] as? String } == [statement, rebuttal])
        #expect(addenda.map { $0["kind"] as? String } == ["disagreement", "rebuttal"])
        #expect(addenda.map { $0["requestId"] as? String } == [amr, amr])
        #expect(addenda.map { $0["text"] as? String } == ["I was there & I have the receipt.", "The front desk logged no arrival."])

        let accountings = records["accountings"] as? [[String: Any]] ?? []
        #expect(accountings.map { $0["requestId"] as? String } == [acct])
        let doc = accountings.first?["document"] as? [String: Any] ?? [:]
        #expect(doc["file"] as? String == "accountings/\(acct).json")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/accountings/\(acct).json")) == delivered)

        // The access report carries each entry's signed record kind and confidentiality code.
        let report = records["accessReport"] as? [[String: Any]] ?? []
        let added = report.first { $0["action"] as? String == "note.add" && $0["record"] as? String == note }
        #expect(added?["recordKind"] as? String == "progress" && added?["confidentiality"] as? String == "R")
        let authorized = report.first { $0["action"] as? String == "authorization.add" }
        #expect(authorized?["recordKind"] as? String == "authorization")
        #expect(report.first { $0["action"] as? String == "export.request" }?["recordKind"] == nil)

        let page = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        for text in [
            "<p>You allowed the practice to give your session notes to Dr. Lee, Cardiology, for this purpose: coordinating care. Signed by you on 5 January 2026. It ends on 5 January 2027.</p>",
            "<p>Your signed copy is the file <a href=\"signed-copies/\(auth).pdf\">signed-copies/\(auth).pdf</a> in this folder.</p>",
            "<pre>The note says I missed a session; I did not.</pre>",
            "<p>The practice denied it because the record is accurate and complete (164.526(a)(2)(iv)). It said: our calendar shows the miss</p>",
            "<p>Your statement of disagreement and the practice&#39;s reply to it are kept with the record, and shown with it above.</p>",
            "<h4>Your statement of disagreement</h4>", "<pre>I was there &amp; I have the receipt.</pre>",
            "<h4>The practice&#39;s reply to your statement</h4>", "<pre>The front desk logged no arrival.</pre>",
            "(0 disclosures). The file <a href=\"accountings/\(acct).json\">accountings/\(acct).json</a> is that list exactly as you received it; the practice's log proves it.</p>",
        ] {
            #expect(page.contains(text), "index.html lacks \(text)")
        }
        #expect(!page.lowercased().contains("<script"))
    }

    @Test("note add --label SUD: sealed in the vault, in the export's labels and FHIR meta.security; the access entry says only progress, R")
    func sudLabel() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Label Person")
        let file = try p.dir.write("sud.txt", "alcohol use discussed; plan reviewed")
        let note = try p.ok("rivera", ["note", "add", client, "--label", "SUD", "--file", file])
        #expect(try p.run("rivera", ["note", "add", client, "--label", "HIV", "--file", file]).exitCode == 64)

        let opened = disclosureJSONObject(try p.run("rivera", ["--json", "note", "open", note]))
        #expect(opened["text"] as? String == "alcohol use discussed; plan reviewed")
        #expect(opened["labels"] as? [String] == ["SUD"])
        let log = (try JSONSerialization.jsonObject(with: try p.run("morgan", ["--json", "log", "show"]).stdoutData)) as? [[String: Any]] ?? []
        let add = log.first { $0["action"] as? String == "note.add" && $0["record"] as? String == note }
        #expect(add?["recordKind"] as? String == "progress" && add?["confidentiality"] as? String == "R")
        #expect(try p.run("morgan", ["log", "verify"]).exitCode == 0)

        let (dir, _) = try exportAndOpen(p, client)
        let records = try readJSON(dir + "/records.json")
        let notes = records["notes"] as? [[String: Any]] ?? []
        #expect(notes.map { $0["labels"] as? [String] } == [["PSY", "SUD"]])
        #expect(notes.first?["bytes"] as? Int == "alcohol use discussed; plan reviewed".utf8.count)
        #expect(try String(contentsOfFile: dir + "/notes/\(note).txt", encoding: .utf8) == "alcohol use discussed; plan reviewed")
        let bundle = try readJSON(dir + "/fhir-bundle.json")
        let resources = (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let doc = resources.first { $0["resourceType"] as? String == "DocumentReference" && $0["id"] as? String == note }
        let security = ((doc?["meta"] as? [String: Any])?["security"] as? [[String: String]] ?? []).map { [$0["system"] ?? "", $0["code"] ?? ""] }
        #expect(security == [["http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"],
                             ["http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY"],
                             ["http://terminology.hl7.org/CodeSystem/v3-ActCode", "SUD"]])
        let page = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        #expect(page.contains("<p><strong>This note is protected by the federal rules on the confidentiality of substance use disorder records (42 CFR part 2).</strong></p>"))

        // The label is sealed: no byte of the vault (or its write-ahead log) says SUD.
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: p.vault + suffix) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: p.vault + suffix))
            #expect(bytes.range(of: Data("SUD".utf8)) == nil, "SUD in \(p.vault + suffix)")
            #expect(bytes.range(of: Data("note-labels".utf8)) == nil)
        }
    }
}
