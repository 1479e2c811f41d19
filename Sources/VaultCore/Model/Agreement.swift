import Foundation

/// The three DBT treatment agreements .
public enum AgreementKind: String, Sendable, Codable, CaseIterable {
    case relationship, safety, confidentiality
}

/// A crisis contact in a safety agreement.
public struct CrisisContact: Sendable, Equatable, Codable {
    public var name: String
    public var relation: String
    public var phone: String
}

/// The structured body of an agreement, validated field by field.
///
/// Fields not used by a kind stay `nil`. Encoded with sorted keys, so the same agreement always
/// has the same bytes (and hash).
public struct AgreementBody: Sendable, Equatable, Codable {
    public var kind: AgreementKind
    public var reviewedOn: String
    public var acknowledgedOn: String?
    // relationship
    public var clientCommitments: [String]?
    public var therapistCommitments: [String]?
    public var treatmentGoals: [String]?
    // safety
    public var refrainFrom: [String]?
    public var crisisPlan: String?
    public var crisisContacts: [CrisisContact]?
    // confidentiality
    public var exceptionsExplained: [String]?

    /// Parses and validates an agreement file of the given kind.
    ///
    /// Unknown keys are rejected, and so is a key given twice in one object (JSON parsers keep the
    /// last one silently); dates must be `YYYY-MM-DD`; lists must be lists of non-empty strings;
    /// confidentiality exception codes must come from the catalogue.
    /// - Throws: ``VaultError`` (bad data) whose message names the offending field.
    public static func parse(_ data: Data, kind: AgreementKind, knownExceptions: [String] = ConfidentialityException.catalogue.map(\.code)) throws -> AgreementBody {
        let obj = try jsonObject(data)
        try checkFields(obj, kind: kind)
        var body = AgreementBody(kind: kind, reviewedOn: try date(obj, "reviewedOn"))
        if obj["acknowledgedOn"] != nil { body.acknowledgedOn = try date(obj, "acknowledgedOn") }
        switch kind {
        case .relationship:
            body.clientCommitments = try strings(obj, "clientCommitments")
            body.therapistCommitments = try strings(obj, "therapistCommitments")
            if obj["treatmentGoals"] != nil { body.treatmentGoals = try strings(obj, "treatmentGoals", allowEmpty: true) }
        case .safety:
            body.refrainFrom = try strings(obj, "refrainFrom")
            body.crisisPlan = try string(obj["crisisPlan"], "crisisPlan")
            body.crisisContacts = try crisisContacts(obj["crisisContacts"])
        case .confidentiality:
            body.exceptionsExplained = try exceptionCodes(obj, knownExceptions: knownExceptions)
        }
        if let ack = body.acknowledgedOn, ack < body.reviewedOn {
            throw VaultError.badData("field 'acknowledgedOn' (\(ack)) is before 'reviewedOn' (\(body.reviewedOn))")
        }
        return body
    }

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

    /// Every key belongs to the kind, and every key the kind requires is there.
    private static func checkFields(_ obj: [String: Any], kind: AgreementKind) throws {
        let allowed: Set<String>
        let required: [String]
        switch kind {
        case .relationship:
            allowed = ["reviewedOn", "acknowledgedOn", "clientCommitments", "therapistCommitments", "treatmentGoals"]
            required = ["reviewedOn", "clientCommitments", "therapistCommitments"]
        case .safety:
            allowed = ["reviewedOn", "acknowledgedOn", "refrainFrom", "crisisPlan", "crisisContacts"]
            required = ["reviewedOn", "refrainFrom", "crisisPlan", "crisisContacts"]
        case .confidentiality:
            allowed = ["reviewedOn", "acknowledgedOn", "exceptionsExplained"]
            required = ["reviewedOn", "exceptionsExplained"]
        }
        for key in obj.keys.sorted() where !allowed.contains(key) {
            throw VaultError.badData("field '\(key)' is not part of a \(kind.rawValue) agreement (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        for key in required where obj[key] == nil {
            throw VaultError.badData("field '\(key)' is required in a \(kind.rawValue) agreement")
        }
    }

    /// A safety agreement's `crisisContacts`: a list of `{name, relation, phone}` objects.
    private static func crisisContacts(_ value: Any?) throws -> [CrisisContact] {
        guard let list = value as? [Any] else {
            throw VaultError.badData("field 'crisisContacts' must be a list of {name, relation, phone} objects")
        }
        return try list.enumerated().map { i, item in
            let field = "crisisContacts[\(i)]"
            guard let c = item as? [String: Any] else { throw VaultError.badData("field '\(field)' must be an object") }
            for key in c.keys.sorted() where !["name", "relation", "phone"].contains(key) {
                throw VaultError.badData("field '\(field).\(key)' is not allowed (name, relation, phone)")
            }
            let phone = try string(c["phone"], "\(field).phone")
            guard phone.contains(where: \.isNumber),
                  phone.allSatisfy({ $0.isNumber || " +-().".contains($0) }) else {
                throw VaultError.badData("field '\(field).phone' must be a phone number (digits, spaces, + - ( ) .)")
            }
            return CrisisContact(name: try string(c["name"], "\(field).name"),
                                 relation: try string(c["relation"], "\(field).relation"), phone: phone)
        }
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

    private static func string(_ value: Any?, _ field: String) throws -> String {
        guard let s = value as? String, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw VaultError.badData("field '\(field)' must be a non-empty string")
        }
        return s
    }

    private static func strings(_ obj: [String: Any], _ field: String, allowEmpty: Bool = false) throws -> [String] {
        guard let list = obj[field] as? [Any] else { throw VaultError.badData("field '\(field)' must be a list of strings") }
        if list.isEmpty && !allowEmpty { throw VaultError.badData("field '\(field)' must not be empty") }
        return try list.enumerated().map { i, v in try string(v, "\(field)[\(i)]") }
    }

    private static func date(_ obj: [String: Any], _ field: String) throws -> String {
        guard let s = obj[field] as? String, CalendarDate.isValid(s) else {
            throw VaultError.badData("field '\(field)' must be a date YYYY-MM-DD")
        }
        return s
    }
}

/// `YYYY-MM-DD` dates as the agreements and CLI use them.
public enum CalendarDate {
    /// True for a real calendar date written `YYYY-MM-DD`.
    public static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// The UTC calendar date of `date`.
    public static func string(from date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = cal.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
