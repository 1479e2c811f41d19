import Foundation

/// A crisis contact in a format-1 safety agreement (kept readable; new plans use ``SafetyContact``).
public struct CrisisContact: Sendable, Equatable, Codable {
    public var name: String
    public var relation: String
    public var phone: String
}

/// A person, service or agency in a Stanley-Brown safety plan, with the ways to reach it.
///
/// `phone` and `text` are numbers (`+1 555 0100`, `988`); `text` may also name a keyword
/// (`HOME to 741741`); `email` is an address. People to ask for help and professionals need at
/// least one of the three.
public struct SafetyContact: Sendable, Equatable, Codable {
    public var name: String
    public var relation: String?
    public var phone: String?
    public var text: String?
    public var email: String?
    public var address: String?
    /// When it can be reached ("24/7", "weekdays 9–5").
    public var hours: String?

    public init(name: String, relation: String? = nil, phone: String? = nil, text: String? = nil, email: String? = nil,
                address: String? = nil, hours: String? = nil) {
        self.name = name; self.relation = relation; self.phone = phone; self.text = text; self.email = email
        self.address = address; self.hours = hours
    }

    /// The keys a contact object may have, in the order they are shown.
    public static let keys = ["name", "relation", "phone", "text", "email", "address", "hours"]
}

extension AgreementBody {
    /// Format 1: `refrainFrom`, a free-text `crisisPlan`, `crisisContacts` of `{name, relation, phone}`.
    mutating func readSafetyFormat1(_ obj: [String: Any]) throws {
        refrainFrom = try Self.strings(obj, "refrainFrom")
        crisisPlan = try Self.string(obj["crisisPlan"], "crisisPlan")
        crisisContacts = try Self.crisisContacts(obj["crisisContacts"])
    }

    /// Format 2: the Stanley-Brown sections, the next review date, optionally `refrainFrom`.
    mutating func readSafetyPlan(_ obj: [String: Any]) throws {
        warningSigns = try Self.strings(obj, "warningSigns")
        internalCoping = try Self.strings(obj, "internalCoping")
        if obj["distractionPeople"] != nil {
            distractionPeople = try Self.contacts(obj["distractionPeople"], "distractionPeople", needsMethod: false, allowEmpty: true)
        }
        if obj["distractionPlaces"] != nil { distractionPlaces = try Self.strings(obj, "distractionPlaces", allowEmpty: true) }
        guard !(distractionPeople ?? []).isEmpty || !(distractionPlaces ?? []).isEmpty else {
            throw VaultError.badData("field 'distractionPeople' or 'distractionPlaces' must list someone or somewhere (step 3 of the plan)")
        }
        askForHelp = try Self.contacts(obj["askForHelp"], "askForHelp", needsMethod: true)
        professionals = try Self.contacts(obj["professionals"], "professionals", needsMethod: true)
        safeEnvironment = try Self.strings(obj, "safeEnvironment")
        reasonsForLiving = try Self.strings(obj, "reasonsForLiving")
        if obj["refrainFrom"] != nil { refrainFrom = try Self.strings(obj, "refrainFrom", allowEmpty: true) }
        let next = try Self.date(obj, "nextReviewOn")
        guard next >= reviewedOn else {
            throw VaultError.badData("field 'nextReviewOn' (\(next)) is before 'reviewedOn' (\(reviewedOn))")
        }
        nextReviewOn = next
    }

    /// A format-1 safety agreement's `crisisContacts`: a list of `{name, relation, phone}` objects.
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
            let phone = try phoneNumber(c["phone"], "\(field).phone")
            return CrisisContact(name: try string(c["name"], "\(field).name"),
                                 relation: try string(c["relation"], "\(field).relation"), phone: phone)
        }
    }

    /// A list of contacts; with `needsMethod`, each has a phone, text or email.
    private static func contacts(_ value: Any?, _ field: String, needsMethod: Bool, allowEmpty: Bool = false) throws -> [SafetyContact] {
        guard let list = value as? [Any] else {
            throw VaultError.badData("field '\(field)' must be a list of contacts ({name, relation, phone, text, email, address, hours})")
        }
        if list.isEmpty && !allowEmpty { throw VaultError.badData("field '\(field)' must not be empty") }
        return try list.enumerated().map { i, item in
            let at = "\(field)[\(i)]"
            let c = try object(item, at, allowed: SafetyContact.keys)
            func optional(_ key: String) throws -> String? { try c[key].map { try string($0, "\(at).\(key)") } }
            let contact = SafetyContact(name: try string(c["name"], "\(at).name"), relation: try optional("relation"),
                                        phone: try c["phone"].map { try phoneNumber($0, "\(at).phone") },
                                        text: try c["text"].map { try textNumber($0, "\(at).text") },
                                        email: try c["email"].map { try emailAddress($0, "\(at).email") },
                                        address: try optional("address"), hours: try optional("hours"))
            if needsMethod && contact.phone == nil && contact.text == nil && contact.email == nil {
                throw VaultError.badData("field '\(at)' needs a way to reach them: 'phone', 'text' or 'email'")
            }
            return contact
        }
    }

    /// Digits, spaces and `+ - ( ) .`, with at least one digit.
    private static func phoneNumber(_ value: Any?, _ field: String) throws -> String {
        let phone = try string(value, field)
        guard isPhoneNumber(phone) else {
            throw VaultError.badData("field '\(field)' must be a phone number (digits, spaces, + - ( ) .)")
        }
        return phone
    }

    /// A number to text, or `KEYWORD to NUMBER` (`HOME to 741741`).
    private static func textNumber(_ value: Any?, _ field: String) throws -> String {
        let text = try string(value, field)
        let parts = text.components(separatedBy: " to ")
        let number = parts.count == 2 ? parts[1] : text
        let keywordOK = parts.count == 1 || (parts.count == 2 && !parts[0].isEmpty && !parts[0].contains(where: \.isWhitespace))
        guard parts.count <= 2, keywordOK, isPhoneNumber(number) else {
            throw VaultError.badData("field '\(field)' must be a number to text, or KEYWORD to NUMBER (for example HOME to 741741)")
        }
        return text
    }

    /// `local@domain.tld`, no spaces.
    private static func emailAddress(_ value: Any?, _ field: String) throws -> String {
        let email = try string(value, field)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: { $0.isWhitespace }) else {
            throw VaultError.badData("field '\(field)' must be an email address (name@example.org)")
        }
        return email
    }

    private static func isPhoneNumber(_ s: String) -> Bool {
        s.contains(where: \.isNumber) && s.allSatisfy { $0.isNumber || " +-().".contains($0) }
    }
}
