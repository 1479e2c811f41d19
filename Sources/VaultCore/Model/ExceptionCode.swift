/// A limit of confidentiality explained to the client at intake (the exception catalogue).
public struct ConfidentialityException: Sendable, Equatable, Codable {
    public var code: String
    public var meaning: String
    public var basis: String

    /// The default catalogue. Codes are stable; the text is shown to users.
    public static let catalogue: [ConfidentialityException] = [
        .init(code: "harm-to-self", meaning: "serious and imminent risk of harm to the client", basis: "45 CFR 164.512(j)"),
        .init(code: "harm-to-others", meaning: "serious risk of harm to others, duty to warn", basis: "164.512(j); state law"),
        .init(code: "child-abuse", meaning: "suspected child abuse or neglect, mandated report", basis: "164.512(b)(1)(ii)"),
        .init(code: "elder-abuse", meaning: "suspected abuse of an elder or dependent adult", basis: "164.512(c)"),
        .init(code: "legal-order", meaning: "court order or other disclosure required by law", basis: "164.512(a), (e)"),
    ]

    public static func isKnown(_ code: String) -> Bool { catalogue.contains { $0.code == code } }
}
