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

    /// Parses a code. - Throws: ``VaultError`` (usage) listing the valid codes.
    public static func parse(_ text: String) throws -> Purpose {
        guard let p = Purpose(rawValue: text.uppercased()) else {
            throw VaultError.usage("unknown purpose '\(text)'; use one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return p
    }
}
