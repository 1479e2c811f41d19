import Foundation
import Testing
import VaultTestSupport

/// `note amend` through the binary: the addendum follows its note in `note open` and in the
/// client's export, and both entries are in the export's proven access report.
@Suite("note addenda end to end")
struct NoteAmendEndToEndTests {
    @Test("note amend, then note open and export: the note, then its addendum, both proven by the log")
    func amendThenExport() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Amend Person")
        let note = try p.addNote(client, "session on Monday")
        let file = try p.dir.write("addendum.txt", "the session was on Tuesday")
        let addendum = try p.ok("rivera", ["note", "amend", note, "--file", file])
        #expect(addendum.count == 14)
        #expect(try p.run("chen", ["note", "amend", note, "--file", file]).exitCode == 77)
        #expect(try p.run("rivera", ["note", "amend", "nzzzzzzzzzzzzz", "--file", file]).exitCode == 66)

        let opened = try p.run("rivera", ["--json", "note", "open", note])
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        let json = try JSONSerialization.jsonObject(with: opened.stdoutData) as? [String: Any]
        #expect(json?["text"] as? String == "session on Monday")
        let addenda = json?["addenda"] as? [[String: Any]] ?? []
        #expect(addenda.compactMap { $0["id"] as? String } == [addendum])
        #expect(addenda.first?["text"] as? String == "the session was on Tuesday")

        let req = try p.ok("rivera", ["export", "request", client])
        let (key, recipient) = try AgeKey.generate(in: p.dir)
        let out = p.dir.file("export.age")
        _ = try p.ok("rivera", ["export", "fulfill", req, "--out", out, "--recipient", recipient])
        let dir = p.dir.file("opened")
        let o = try CLI.run(["export", "open", out, "--out", dir, "--identity", key])
        #expect(o.exitCode == 0, "\(o.stderr)")  // every access-report entry's inclusion proof checks
        let records = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: dir + "/records.json"))) as? [String: Any]
        let exported = records?["addenda"] as? [[String: Any]] ?? []
        #expect(exported.compactMap { $0["id"] as? String } == [addendum])
        #expect(exported.first?["recordIds"] as? [String] == [note])
        #expect(exported.first?["text"] as? String == "the session was on Tuesday")
        let report = records?["accessReport"] as? [[String: Any]] ?? []
        let added = report.firstIndex { $0["action"] as? String == "note.add" && $0["record"] as? String == note }
        let amended = report.firstIndex { $0["action"] as? String == "note.amend" && $0["record"] as? String == addendum }
        #expect(added != nil && amended != nil && added! < amended!)
        let proof = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: dir + "/proof.json"))) as? [String: Any]
        #expect((proof?["entries"] as? [Any])?.count == report.count)
        let page = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        let noteAt = try #require(page.range(of: "session on Monday"))
        let addendumAt = try #require(page.range(of: "the session was on Tuesday"))
        #expect(noteAt.lowerBound < addendumAt.lowerBound)
    }
}
