import Foundation
import GRDB
import Testing
import VaultTestSupport


@Suite("practice exceptions end to end")
struct PracticeExceptionsEndToEndTests {
    @Test("the practice's own exceptions: admin adds, agreements may then list them, disclosures rely on them")
    func exceptionsCatalogue() throws {
        let p = try TestPractice()
        let client = try p.addClient()
        let note = try p.addNote(client, "session text")

        // Not in the catalogue yet: an agreement that lists it is bad data naming the field.
        try p.dir.write("dtp.json", #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "duty-to-protect"]}"#)
        let early = try p.run("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("dtp.json")])
        #expect(early.exitCode == 65)
        #expect(early.stdout.isEmpty)
        #expect(early.stderr.contains("exceptionsExplained"))
        // And it is no basis a disclosure can name.
        let unknownBasis = try p.discloseCLI(client, records: [note], basis: "duty-to-protect", date: "2026-11-10")
        #expect(unknownBasis.exitCode == 64)
        #expect(unknownBasis.stdout.isEmpty)

        // A therapist cannot add one.
        let therapist = try p.run("rivera", ["exceptions", "add", "--kind", "permitted", "duty-to-protect", "--meaning", "duty to protect an identified victim",
                                             "--basis", "Cal. Civ. Code 43.92"])
        #expect(therapist.exitCode == 77)
        #expect(therapist.stdout.isEmpty)

        let add = try p.run("admin", ["exceptions", "add", "--kind", "permitted", "duty-to-protect", "--meaning", "duty to protect an identified victim",
                                      "--basis", "Cal. Civ. Code 43.92"])
        #expect(add.exitCode == 0, "\(add.stderr)")
        #expect(add.stdout == "Added exception duty-to-protect.\n")
        let addRow = try #require(try VaultFile.logRows(p.vault).last)
        #expect(addRow.action == "exception.add" && addRow.actor == "admin" && addRow.outcome == "success" && addRow.record == "duty-to-protect")

        let list = disclosureJSONArray(try p.run("rivera", ["--json", "exceptions", "list"]))
        let entry = list.first { $0["code"] as? String == "duty-to-protect" }
        #expect(entry?["basis"] as? String == "Cal. Civ. Code 43.92")
        #expect(entry?["meaning"] as? String == "duty to protect an identified victim")
        #expect(Array(list.compactMap { $0["code"] as? String }.prefix(5)) == ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order"])

        // Never redefined.
        let again = try p.run("admin", ["exceptions", "add", "--kind", "permitted", "duty-to-protect", "--meaning", "something else", "--basis", "none"])
        #expect(again.exitCode == 73)
        #expect(again.stdout.isEmpty)
        #expect(try p.run("admin", ["exceptions", "add", "--kind", "permitted", "harm-to-self", "--meaning", "x", "--basis", "y"]).exitCode == 73)
        #expect(try p.run("admin", ["exceptions", "add", "--kind", "permitted", "Duty To Warn", "--meaning", "x", "--basis", "y"]).exitCode == 64)
        #expect(try p.run("admin", ["exceptions", "add", "--kind", "permitted", "client-authorization", "--meaning", "x", "--basis", "y"]).exitCode == 64)

        // Known but not stated to the client: 77.
        let notStated = try p.discloseCLI(client, records: [note], basis: "duty-to-protect", to: "Identified Victim",
                                          purpose: "warning", date: "2026-11-10")
        #expect(notStated.exitCode == 77)
        #expect(notStated.stdout.isEmpty)

        // Once explained in the agreement it can be relied on.
        let aid = try p.ok("rivera", ["agreement", "add", client, "--kind", "confidentiality", "--file", p.dir.file("dtp.json")])
        #expect(aid.hasPrefix("a"))
        let d = try p.discloseCLI(client, records: [note], basis: "duty-to-protect", to: "Identified Victim",
                                  purpose: "warning", date: "2026-11-10")
        #expect(d.exitCode == 0, "\(d.stderr)")
        let id = d.stdout.trimmedLine
        #expect(id.hasPrefix("d"))
        let last = try #require(try VaultFile.logRows(p.vault).last)
        #expect(last.action == "disclosure.add" && last.outcome == "success" && last.record == id)
        #expect(try p.run("admin", ["log", "verify"]).exitCode == 0)
    }
}
