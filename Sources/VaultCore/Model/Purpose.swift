/// Purpose of use on every access: HL7 v3 ActReason codes .
public enum Purpose: String, CaseIterable, Sendable, Codable {
    /// Treatment.
    case treat = "TREAT"
    /// Emergency treatment (break-glass).
    case emergencyTreat = "ETREAT"
    /// Health-care operations, e.g. compliance review.
    case operations = "HOPERAT"
    /// The client's own request.
    case patientRequest = "PATRQT"
    /// Legal.
    case legal = "HLEGAL"
    /// Threat (duty to warn).
    case threat = "THREAT"
    /// Public health.
    case publicHealth = "PUBHLTH"

    /// The plain words the CLI accepts beside the codes (listed in `confidant note open --help` and docs/access-log.md).
    public static let words: [String: Purpose] = [
        "treatment": .treat, "emergency": .emergencyTreat, "operations": .operations, "client-request": .patientRequest,
        "legal": .legal, "threat": .threat, "public-health": .publicHealth,
    ]

    /// A code in any case, or one of ``words``; nil otherwise.
    public init?(code text: String) {
        guard let p = Purpose(rawValue: text.uppercased()) ?? Self.words[text.lowercased()] else { return nil }
        self = p
    }

    /// Parses a code or a plain word. - Throws: ``VaultError`` (usage) listing the valid codes.
    public static func parse(_ text: String) throws -> Purpose {
        guard let p = Purpose(code: text) else {
            throw VaultError.usage("unknown purpose '\(text)'; use one of \(allCases.map(\.rawValue).joined(separator: ", ")) "
                                   + "or \(words.keys.sorted().joined(separator: ", "))")
        }
        return p
    }
}
