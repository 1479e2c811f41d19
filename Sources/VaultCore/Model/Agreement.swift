import Foundation

/// The three DBT treatment agreements .
public enum AgreementKind: String, Sendable, Codable, CaseIterable {
    case relationship, safety, confidentiality
}

/// How long the client and therapist commit to treatment, and how the commitment is renewed.
public struct TreatmentTerm: Sendable, Equatable, Codable {
    /// `YYYY-MM-DD`.
    public var start: String
    /// `YYYY-MM-DD`, on or after ``start``.
    public var end: String
    /// How the term is renewed (for example "reviewed together in the last month; renewed by
    /// mutual agreement").
    public var renewal: String?

    public init(start: String, end: String, renewal: String? = nil) {
        self.start = start; self.end = end; self.renewal = renewal
    }
}

/// The structured body of an agreement, validated field by field.
///
/// Fields not used by a kind stay `nil`, and nil fields are not encoded, so a body stored before
/// a field existed keeps its bytes (and the hash a client signed). Encoded with sorted keys, so
/// the same agreement always has the same bytes. docs/agreements.md documents every field.
public struct AgreementBody: Sendable, Equatable, Codable {
    public var kind: AgreementKind
    /// The body's format: nil for format 1; 2 for a Stanley-Brown safety plan.
    public var format: Int?
    public var reviewedOn: String
    public var acknowledgedOn: String?
    // relationship
    public var clientCommitments: [String]?
    public var therapistCommitments: [String]?
    public var treatmentGoals: [String]?
    public var treatmentTerm: TreatmentTerm?
    // safety, both formats: behaviours the client agrees to work on
    public var refrainFrom: [String]?
    // safety, format 1
    public var crisisPlan: String?
    public var crisisContacts: [CrisisContact]?
    // safety, format 2 (the Stanley-Brown sections, in the plan's order)
    public var warningSigns: [String]?
    public var internalCoping: [String]?
    public var distractionPeople: [SafetyContact]?
    public var distractionPlaces: [String]?
    public var askForHelp: [SafetyContact]?
    public var professionals: [SafetyContact]?
    public var safeEnvironment: [String]?
    public var reasonsForLiving: [String]?
    public var nextReviewOn: String?
    // confidentiality
    public var exceptionsExplained: [String]?

    /// True for a Stanley-Brown safety plan (format 2).
    public var isSafetyPlan: Bool { kind == .safety && format == 2 }

    /// Parses and validates an agreement file of the given kind.
    ///
    /// Unknown keys are rejected, and so is a key given twice in one object (JSON parsers keep the
    /// last one silently); dates must be `YYYY-MM-DD`; lists must be lists of non-empty strings;
    /// confidentiality exception codes must come from the catalogue. A safety agreement is read
    /// in format 1 (`refrainFrom`, `crisisPlan`, `crisisContacts`) unless it says `"format": 2`.
    /// - Throws: ``VaultError`` (bad data) whose message names the offending field.
    public static func parse(_ data: Data, kind: AgreementKind,
                             knownExceptions: [String] = ConfidentialityException.catalogue.map(\.code)) throws -> AgreementBody {
        let obj = try jsonObject(data)
        let format = try formatNumber(obj, kind: kind)
        try checkFields(obj, kind: kind, format: format)
        var body = AgreementBody(kind: kind, reviewedOn: try date(obj, "reviewedOn"))
        if obj["acknowledgedOn"] != nil { body.acknowledgedOn = try date(obj, "acknowledgedOn") }
        switch kind {
        case .relationship:
            try body.readRelationship(obj)
        case .safety where format == 2:
            body.format = 2
            try body.readSafetyPlan(obj)
        case .safety:
            try body.readSafetyFormat1(obj)
        case .confidentiality:
            body.exceptionsExplained = try exceptionCodes(obj, knownExceptions: knownExceptions)
        }
        if let ack = body.acknowledgedOn, ack < body.reviewedOn {
            throw VaultError.badData("field 'acknowledgedOn' (\(ack)) is before 'reviewedOn' (\(body.reviewedOn))")
        }
        return body
    }

    /// The fields a kind (and format) allows, in the order docs/agreements.md lists them, and
    /// those it requires.
    public static func fields(kind: AgreementKind, format: Int = 1) -> (allowed: [String], required: [String]) {
        switch (kind, format) {
        case (.relationship, _):
            (["reviewedOn", "acknowledgedOn", "clientCommitments", "therapistCommitments", "treatmentGoals", "treatmentTerm"],
             ["reviewedOn", "clientCommitments", "therapistCommitments"])
        case (.safety, 2):
            (["format", "reviewedOn", "acknowledgedOn", "nextReviewOn"] + safetyPlanSections + ["refrainFrom"],
             ["format", "reviewedOn", "nextReviewOn", "warningSigns", "internalCoping", "askForHelp", "professionals",
              "safeEnvironment", "reasonsForLiving"])
        case (.safety, _):
            (["format", "reviewedOn", "acknowledgedOn", "refrainFrom", "crisisPlan", "crisisContacts"],
             ["reviewedOn", "refrainFrom", "crisisPlan", "crisisContacts"])
        case (.confidentiality, _):
            (["reviewedOn", "acknowledgedOn", "exceptionsExplained"], ["reviewedOn", "exceptionsExplained"])
        }
    }

    /// The Stanley-Brown sections of a format-2 safety plan, in the plan's order.
    static let safetyPlanSections = ["warningSigns", "internalCoping", "distractionPeople", "distractionPlaces", "askForHelp",
                                     "professionals", "safeEnvironment", "reasonsForLiving"]

    /// The file's one JSON object, after checking that it is JSON and repeats no key.
    private static func jsonObject(_ data: Data) throws -> [String: Any] {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw VaultError.badData("agreement file is not valid JSON")
        }
        try JSONDuplicateKeys.check(data, what: "the agreement file")
        guard let obj = any as? [String: Any] else { throw VaultError.badData("agreement file must hold one JSON object") }
        return obj
    }

    /// `format`: absent or 1, or 2 for a safety agreement.
    private static func formatNumber(_ obj: [String: Any], kind: AgreementKind) throws -> Int {
        guard kind == .safety, let value = obj["format"] else { return 1 }
        // JSON true is an NSNumber too (objCType "c"), and `is Bool` holds for the number 1.
        guard let n = value as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue == 1 || n.doubleValue == 2 else {
            throw VaultError.badData("field 'format' must be 1 (the first safety agreement) or 2 (a Stanley-Brown safety plan)")
        }
        return n.intValue
    }

    /// Every key belongs to the kind, and every key the kind requires is there.
    private static func checkFields(_ obj: [String: Any], kind: AgreementKind, format: Int) throws {
        let (allowed, required) = fields(kind: kind, format: format)
        let name = kind == .safety ? "format-\(format) safety" : kind.rawValue
        for key in obj.keys.sorted() where !allowed.contains(key) {
            if kind == .safety, format == 1, fields(kind: .safety, format: 2).allowed.contains(key) {
                throw VaultError.badData("field '\(key)' is part of a Stanley-Brown safety plan: "
                                         + "add \"format\": 2 (see docs/agreements.md)")
            }
            let list = allowed.sorted().joined(separator: ", ")
            throw VaultError.badData("field '\(key)' is not part of a \(name) agreement (allowed: \(list))")
        }
        for key in required where obj[key] == nil {
            throw VaultError.badData("field '\(key)' is required in a \(name) agreement")
        }
    }

    private mutating func readRelationship(_ obj: [String: Any]) throws {
        clientCommitments = try Self.strings(obj, "clientCommitments")
        therapistCommitments = try Self.strings(obj, "therapistCommitments")
        if obj["treatmentGoals"] != nil { treatmentGoals = try Self.strings(obj, "treatmentGoals", allowEmpty: true) }
        guard let value = obj["treatmentTerm"] else { return }
        let term = try Self.object(value, "treatmentTerm", allowed: ["start", "end", "renewal"])
        let start = try Self.date(term, "treatmentTerm.start", key: "start")
        let end = try Self.date(term, "treatmentTerm.end", key: "end")
        guard start <= end else {
            throw VaultError.badData("field 'treatmentTerm.end' (\(end)) is before 'treatmentTerm.start' (\(start))")
        }
        let renewal = try term["renewal"].map { try Self.string($0, "treatmentTerm.renewal") }
        treatmentTerm = TreatmentTerm(start: start, end: end, renewal: renewal)
    }

    /// A confidentiality agreement's `exceptionsExplained`: catalogue codes, each once.
    private static func exceptionCodes(_ obj: [String: Any], knownExceptions: [String]) throws -> [String] {
        let codes = try strings(obj, "exceptionsExplained")
        for code in codes where !knownExceptions.contains(code) {
            throw VaultError.badData("field 'exceptionsExplained' has unknown exception '\(code)'; known: \(knownExceptions.joined(separator: ", "))")
        }
        guard Set(codes).count == codes.count else {
            throw VaultError.badData("field 'exceptionsExplained' lists an exception twice")
        }
        return codes
    }

    /// Canonical bytes (sorted keys) for storage and hashing.
    public func canonicalJSON() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try enc.encode(self)
    }
}

// Field readers shared by every kind: each error names the field.
extension AgreementBody {
    static func object(_ value: Any?, _ field: String, allowed: [String]) throws -> [String: Any] {
        guard let obj = value as? [String: Any] else {
            throw VaultError.badData("field '\(field)' must be an object with \(allowed.joined(separator: ", "))")
        }
        for key in obj.keys.sorted() where !allowed.contains(key) {
            throw VaultError.badData("field '\(field).\(key)' is not allowed (\(allowed.joined(separator: ", ")))")
        }
        return obj
    }

    static func string(_ value: Any?, _ field: String) throws -> String {
        guard let s = value as? String, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw VaultError.badData("field '\(field)' must be a non-empty string")
        }
        return s
    }

    static func strings(_ obj: [String: Any], _ field: String, allowEmpty: Bool = false) throws -> [String] {
        guard let list = obj[field] as? [Any] else { throw VaultError.badData("field '\(field)' must be a list of strings") }
        if list.isEmpty && !allowEmpty { throw VaultError.badData("field '\(field)' must not be empty") }
        return try list.enumerated().map { i, v in try string(v, "\(field)[\(i)]") }
    }

    /// A `YYYY-MM-DD` date at `obj[key]` (default: the field name).
    static func date(_ obj: [String: Any], _ field: String, key: String? = nil) throws -> String {
        guard let s = obj[key ?? field] as? String, CalendarDate.isValid(s) else {
            throw VaultError.badData("field '\(field)' must be a date YYYY-MM-DD")
        }
        return s
    }
}
