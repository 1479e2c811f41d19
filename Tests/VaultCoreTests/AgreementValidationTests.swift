import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

@Suite("agreement validation")
struct AgreementValidationTests {
    func parse(_ json: String, _ kind: AgreementKind) throws -> AgreementBody {
        try AgreementBody.parse(Data(json.utf8), kind: kind)
    }

    func message(_ json: String, _ kind: AgreementKind) -> String? {
        do { _ = try parse(json, kind); return nil } catch let e as VaultError { return e.kind == .badData ? e.message : "kind \(e.kind)" } catch {
            return "\(error)"
        }
    }

    @Test("the SPEC's three examples parse into their fields")
    func specExamples() throws {
        let r = try parse(#"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "clientCommitments": ["attend weekly individual sessions", "attend group skills training", "practise skills between sessions"], "therapistCommitments": ["provide a supportive, non-judgmental environment"], "treatmentGoals": ["reduce emotional dysregulation"]}"#, .relationship)
        #expect(r.clientCommitments?.count == 3)
        #expect(r.treatmentGoals == ["reduce emotional dysregulation"])
        let s = try parse(#"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "refrainFrom": ["self-harm", "substance use"], "crisisPlan": "call the crisis line", "crisisContacts": [{"name": "Dr. A", "relation": "therapist", "phone": "+1 555 0100"}]}"#, .safety)
        #expect(s.crisisContacts == [CrisisContact(name: "Dr. A", relation: "therapist", phone: "+1 555 0100")])
        let c = try parse(#"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order"]}"#, .confidentiality)
        #expect(c.exceptionsExplained == ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order"])
        #expect(c.acknowledgedOn == "2026-11-02")
    }

    @Test("each invalid field is named in the error", arguments: [
        (#"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self"], "extra": 1}"#, "field 'extra' is not part of a confidentiality agreement (allowed: acknowledgedOn, exceptionsExplained, reviewedOn)"),
        (#"{"exceptionsExplained": ["harm-to-self"]}"#, "field 'reviewedOn' is required in a confidentiality agreement"),
        (#"{"reviewedOn": "2026-13-01", "exceptionsExplained": ["harm-to-self"]}"#, "field 'reviewedOn' must be a date YYYY-MM-DD"),
        (#"{"reviewedOn": "2026-11-02", "exceptionsExplained": []}"#, "field 'exceptionsExplained' must not be empty"),
        (#"{"reviewedOn": "2026-11-02", "exceptionsExplained": [7]}"#, "field 'exceptionsExplained[0]' must be a non-empty string"),
        (#"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "harm-to-self"]}"#, "field 'exceptionsExplained' lists an exception twice"),
        (#"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-01", "exceptionsExplained": ["legal-order"]}"#, "field 'acknowledgedOn' (2026-11-01) is before 'reviewedOn' (2026-11-02)"),
        (#"[1, 2]"#, "agreement file must hold one JSON object"),
        (#"{"reviewedOn": "#, "agreement file is not valid JSON"),
    ])
    func confidentialityErrors(_ json: String, _ expected: String) {
        #expect(message(json, .confidentiality) == expected)
    }

    @Test("safety contacts are checked field by field")
    func safetyContacts() {
        let base = #"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm"], "crisisPlan": "call", "crisisContacts": CONTACTS}"#
        #expect(message(base.replacingOccurrences(of: "CONTACTS", with: #"[{"name": "A", "relation": "sister", "phone": "call me"}]"#), .safety)
                == "field 'crisisContacts[0].phone' must be a phone number (digits, spaces, + - ( ) .)")
        #expect(message(base.replacingOccurrences(of: "CONTACTS", with: #"[{"name": "A", "relation": "sister", "phone": "555", "email": "x"}]"#), .safety)
                == "field 'crisisContacts[0].email' is not allowed (name, relation, phone)")
        #expect(message(base.replacingOccurrences(of: "CONTACTS", with: #"[{"relation": "sister", "phone": "555"}]"#), .safety)
                == "field 'crisisContacts[0].name' must be a non-empty string")
        #expect(message(base.replacingOccurrences(of: "CONTACTS", with: #""Dr A""#), .safety)
                == "field 'crisisContacts' must be a list of {name, relation, phone} objects")
    }

    @Test("a relationship agreement needs both sides' commitments")
    func relationshipRequired() {
        #expect(message(#"{"reviewedOn": "2026-11-02", "clientCommitments": ["attend"]}"#, .relationship)
                == "field 'therapistCommitments' is required in a relationship agreement")
        #expect(message(#"{"reviewedOn": "2026-11-02", "clientCommitments": ["attend"], "therapistCommitments": ["support"], "crisisPlan": "x"}"#, .relationship)
                == "field 'crisisPlan' is not part of a relationship agreement (allowed: acknowledgedOn, clientCommitments, reviewedOn, therapistCommitments, treatmentGoals, treatmentTerm)")
    }

    @Test("calendar dates", arguments: [("2024-02-29", true), ("2023-02-29", false), ("1900-02-29", false), ("2000-02-29", true),
                                        ("2026-04-31", false), ("2026-1-01", false), ("２０２６-01-01", false), ("2026-12-31", true)])
    func calendarDates(_ text: String, _ valid: Bool) {
        #expect(CalendarDate.isValid(text) == valid)
    }

    @Test("canonical JSON is stable: sorted keys, same bytes each time")
    func canonical() throws {
        let a = try parse(#"{"exceptionsExplained": ["legal-order"], "reviewedOn": "2026-11-02"}"#, .confidentiality)
        let b = try parse(#"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["legal-order"]}"#, .confidentiality)
        let text = String(decoding: try a.canonicalJSON(), as: UTF8.self)
        #expect(text == #"{"exceptionsExplained":["legal-order"],"kind":"confidentiality","reviewedOn":"2026-11-02"}"#)
        #expect(try a.canonicalJSON() == b.canonicalJSON())
    }
}
