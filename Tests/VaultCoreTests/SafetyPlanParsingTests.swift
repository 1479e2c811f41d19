import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

@Suite("safety plan (format 2), treatment term and format-1 compatibility")
struct SafetyPlanParsingTests {
    func parse(_ json: String, _ kind: AgreementKind = .safety) throws -> AgreementBody {
        try AgreementBody.parse(Data(json.utf8), kind: kind)
    }

    func message(_ json: String, _ kind: AgreementKind = .safety) -> String? {
        do { _ = try parse(json, kind); return nil } catch let e as VaultError {
            return e.kind == .badData ? e.message : "kind \(e.kind)"
        } catch {
            return "\(error)"
        }
    }

    /// A complete format-2 plan; `replacing` swaps `"key": value` pairs (value nil removes the key).
    func plan(_ replacing: [String: String?] = [:]) -> String {
        var fields: [(String, String)] = [
            ("format", "2"), ("reviewedOn", #""2026-11-02""#), ("nextReviewOn", #""2027-02-02""#),
            ("warningSigns", #"["not sleeping"]"#), ("internalCoping", #"["paced breathing"]"#),
            ("distractionPeople", #"[{"name": "Sam", "relation": "friend"}]"#), ("distractionPlaces", #"["the library"]"#),
            ("askForHelp", #"[{"name": "Alex", "relation": "sister", "phone": "+1 555 0101"}]"#),
            ("professionals", #"[{"name": "988 Suicide & Crisis Lifeline", "phone": "988", "text": "988"}, "#
                + #"{"name": "Crisis Text Line", "text": "HOME to 741741"}]"#),
            ("safeEnvironment", #"["medications kept by Alex"]"#), ("reasonsForLiving", #"["my niece"]"#),
        ]
        for (k, v) in replacing {
            if let i = fields.firstIndex(where: { $0.0 == k }) {
                if let v { fields[i].1 = v } else { fields.remove(at: i) }
            } else if let v { fields.append((k, v)) }
        }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    @Test("a Stanley-Brown plan parses into its sections, with text lines and keywords")
    func fullPlan() throws {
        let p = try parse(plan(["refrainFrom": #"["self-harm"]"#]))
        #expect(p.isSafetyPlan && p.format == 2)
        #expect(p.warningSigns == ["not sleeping"] && p.internalCoping == ["paced breathing"])
        #expect(p.distractionPeople == [SafetyContact(name: "Sam", relation: "friend")])
        #expect(p.professionals?.last == SafetyContact(name: "Crisis Text Line", text: "HOME to 741741"))
        #expect(p.professionals?.first?.phone == "988")
        #expect(p.nextReviewOn == "2027-02-02" && p.refrainFrom == ["self-harm"])
        #expect(p.crisisPlan == nil && p.crisisContacts == nil)
        let canonical = String(decoding: try p.canonicalJSON(), as: UTF8.self)
        #expect(canonical.contains(#""format":2"#))
        #expect(try JSONDecoder().decode(AgreementBody.self, from: p.canonicalJSON()) == p)
    }

    @Test("a format-1 safety agreement stays valid and keeps its stored bytes")
    func formatOne() throws {
        let v1 = #"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm"], "crisisPlan": "call the crisis line", "#
            + #""crisisContacts": [{"name": "Dr. A", "relation": "therapist", "phone": "+1 555 0100"}]}"#
        let a = try parse(v1)
        #expect(a.format == nil && !a.isSafetyPlan)
        #expect(String(decoding: try a.canonicalJSON(), as: UTF8.self)
                == #"{"crisisContacts":[{"name":"Dr. A","phone":"+1 555 0100","relation":"therapist"}],"#
                + #""crisisPlan":"call the crisis line","kind":"safety","refrainFrom":["self-harm"],"reviewedOn":"2026-11-02"}"#)
        // "format": 1 says the same thing.
        #expect(try parse(v1.replacingOccurrences(of: "{\"reviewedOn", with: "{\"format\": 1, \"reviewedOn")) == a)
        // A stored format-1 body (as written by earlier versions) still decodes.
        #expect(try JSONDecoder().decode(AgreementBody.self, from: a.canonicalJSON()) == a)
    }

    @Test("each invalid format-2 field is named in the error", arguments: [
        (["warningSigns": nil], "field 'warningSigns' is required in a format-2 safety agreement"),
        (["nextReviewOn": nil], "field 'nextReviewOn' is required in a format-2 safety agreement"),
        (["crisisPlan": #""call""#], "field 'crisisPlan' is not part of a format-2 safety agreement (allowed: acknowledgedOn, "
            + "askForHelp, distractionPeople, distractionPlaces, format, internalCoping, nextReviewOn, professionals, reasonsForLiving, "
            + "refrainFrom, reviewedOn, safeEnvironment, warningSigns)"),
        (["format": "3"], "field 'format' must be 1 (the first safety agreement) or 2 (a Stanley-Brown safety plan)"),
        (["format": #""2""#], "field 'format' must be 1 (the first safety agreement) or 2 (a Stanley-Brown safety plan)"),
        (["format": "true"], "field 'format' must be 1 (the first safety agreement) or 2 (a Stanley-Brown safety plan)"),
        (["nextReviewOn": #""2026-11-01""#], "field 'nextReviewOn' (2026-11-01) is before 'reviewedOn' (2026-11-02)"),
        (["nextReviewOn": #""soon""#], "field 'nextReviewOn' must be a date YYYY-MM-DD"),
        (["internalCoping": "[]"], "field 'internalCoping' must not be empty"),
        (["reasonsForLiving": #"[""]"#], "field 'reasonsForLiving[0]' must be a non-empty string"),
        (["distractionPeople": "[]", "distractionPlaces": "[]"],
         "field 'distractionPeople' or 'distractionPlaces' must list someone or somewhere (step 3 of the plan)"),
        (["askForHelp": #"[{"name": "Alex"}]"#], "field 'askForHelp[0]' needs a way to reach them: 'phone', 'text' or 'email'"),
        (["askForHelp": "[]"], "field 'askForHelp' must not be empty"),
        (["askForHelp": #"{"name": "Alex"}"#],
         "field 'askForHelp' must be a list of contacts ({name, relation, phone, text, email, address, hours})"),
        (["askForHelp": #"[{"name": "Alex", "fax": "555"}]"#],
         "field 'askForHelp[0].fax' is not allowed (name, relation, phone, text, email, address, hours)"),
        (["professionals": #"[{"name": "Line", "text": "text HOME to 741741"}]"#],
         "field 'professionals[0].text' must be a number to text, or KEYWORD to NUMBER (for example HOME to 741741)"),
        (["professionals": #"[{"name": "Dr", "phone": "call me"}]"#],
         "field 'professionals[0].phone' must be a phone number (digits, spaces, + - ( ) .)"),
        (["professionals": #"[{"name": "Dr", "email": "dr at example.org"}]"#],
         "field 'professionals[0].email' must be an email address (name@example.org)"),
        (["professionals": #"[{"phone": "988"}]"#], "field 'professionals[0].name' must be a non-empty string"),
        (["distractionPeople": #"[{"name": "Sam", "relation": ""}]"#], "field 'distractionPeople[0].relation' must be a non-empty string"),
    ] as [([String: String?], String)])
    func planErrors(_ change: [String: String?], _ expected: String) {
        #expect(message(plan(change)) == expected)
    }

    @Test("a Stanley-Brown field without \"format\": 2 says to add it")
    func missingFormat() {
        let expected = "field 'askForHelp' is part of a Stanley-Brown safety plan: add \"format\": 2 (see docs/agreements.md)"
        #expect(message(plan(["format": nil])) == expected)
        #expect(message(plan(["format": "1"])) == expected)
    }

    @Test("a key repeated inside a contact is refused")
    func duplicateInContact() {
        let json = plan(["askForHelp": #"[{"name": "Alex", "phone": "555", "phone": "556"}]"#])
        #expect(message(json)?.contains("the key 'phone' twice in 'askForHelp[0]'") == true)
    }

    @Test("relationship treatment term: start, end, renewal")
    func treatmentTerm() throws {
        let base = #"{"reviewedOn": "2026-11-02", "clientCommitments": ["attend"], "therapistCommitments": ["support"], "#
            + #""treatmentTerm": TERM}"#
        func term(_ t: String) -> String { base.replacingOccurrences(of: "TERM", with: t) }
        let r = try parse(term(#"{"start": "2026-11-02", "end": "2027-05-02", "renewal": "by mutual agreement"}"#), .relationship)
        #expect(r.treatmentTerm == TreatmentTerm(start: "2026-11-02", end: "2027-05-02", renewal: "by mutual agreement"))
        #expect(try parse(term(#"{"start": "2026-11-02", "end": "2027-05-02"}"#), .relationship).treatmentTerm?.renewal == nil)
        #expect(message(term(#"{"start": "2026-11-02"}"#), .relationship) == "field 'treatmentTerm.end' must be a date YYYY-MM-DD")
        #expect(message(term(#"{"start": "2026-11-02", "end": "2026-11-01"}"#), .relationship)
                == "field 'treatmentTerm.end' (2026-11-01) is before 'treatmentTerm.start' (2026-11-02)")
        #expect(message(term(#"{"start": "2026-11-02", "end": "2027-05-02", "length": 6}"#), .relationship)
                == "field 'treatmentTerm.length' is not allowed (start, end, renewal)")
        #expect(message(term(#""six months""#), .relationship) == "field 'treatmentTerm' must be an object with start, end, renewal")
        #expect(message(term(#"{"start": "2026-11-02", "end": "2027-05-02", "renewal": ""}"#), .relationship)
                == "field 'treatmentTerm.renewal' must be a non-empty string")
    }

    @Test("format is a safety field only")
    func formatElsewhere() {
        #expect(message(#"{"format": 2, "reviewedOn": "2026-11-02", "exceptionsExplained": ["legal-order"]}"#, .confidentiality)
                == "field 'format' is not part of a confidentiality agreement (allowed: acknowledgedOn, exceptionsExplained, reviewedOn)")
    }

    @Test("every template parses as its kind", arguments: AgreementKind.allCases)
    func templates(_ kind: AgreementKind) throws {
        let body = try parse(AgreementTemplate.json(kind, today: "2026-11-02", later: "2027-02-02"), kind)
        #expect(body.reviewedOn == "2026-11-02")
        if kind == .safety { #expect(body.isSafetyPlan && body.professionals?.contains { $0.phone == "988" } == true) }
        if kind == .confidentiality { #expect(body.exceptionsExplained == ConfidentialityException.catalogue.map(\.code)) }
        if kind == .relationship { #expect(body.treatmentTerm?.end == "2027-02-02") }
    }
}
