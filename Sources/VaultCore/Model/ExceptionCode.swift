/// Whether the law requires a disclosure under an exception or only permits it (45 CFR 164.512).
public enum ExceptionKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// A legal duty (a mandated report, a court order): never refused because the client was
    /// not told of it; recorded as `not-explained` and reviewed instead.
    case required
    /// Allowed, not required: refused unless the client was told of it, or a compliance user
    /// co-signs (or, with no other compliance user, the discloser attests).
    case permitted
}

/// A limit of confidentiality explained to the client at intake (the exception catalogue).
public struct ConfidentialityException: Sendable, Equatable, Codable {
    public var code: String
    public var meaning: String
    public var basis: String
    public var kind: ExceptionKind
    /// The individual must be told that a report was made (164.512(c)(2)), so a disclosure under
    /// it says whether the client was informed and, if not, why.
    public var mustInform: Bool

    public init(code: String, meaning: String, basis: String, kind: ExceptionKind, mustInform: Bool = false) {
        self.code = code; self.meaning = meaning; self.basis = basis; self.kind = kind; self.mustInform = mustInform
    }

    /// The default catalogue. Codes are stable; the text is shown to users.
    public static let catalogue: [ConfidentialityException] = [
        .init(code: "harm-to-self", meaning: "serious and imminent risk of harm to the client", basis: "45 CFR 164.512(j)(1)(i)",
              kind: .permitted),
        .init(code: "harm-to-others", meaning: "serious and imminent threat to a person or the public, disclosed to someone able to prevent or lessen it (duty to warn)",
              basis: "164.512(j)(1)(i); state law", kind: .permitted),
        .init(code: "child-abuse", meaning: "suspected child abuse or neglect, mandated report", basis: "164.512(b)(1)(ii); state law",
              kind: .required),
        .init(code: "elder-abuse", meaning: "suspected abuse, neglect or exploitation of an elder or dependent adult",
              basis: "164.512(c); state law", kind: .required, mustInform: true),
        .init(code: "legal-order", meaning: "court order, or another disclosure a law requires", basis: "164.512(a), (e)(1)(i)",
              kind: .required),
        .init(code: "legal-process", meaning: "subpoena or discovery request without a court order, with satisfactory assurance",
              basis: "164.512(e)(1)(ii)", kind: .permitted),
        .init(code: "hhs-investigation", meaning: "the Secretary of HHS investigating compliance", basis: "164.502(a)(2)(ii)",
              kind: .required),
        .init(code: "health-oversight", meaning: "a health oversight agency", basis: "164.512(d)", kind: .required),
        .init(code: "law-enforcement", meaning: "a law-enforcement request", basis: "164.512(f)", kind: .permitted),
        .init(code: "coroner", meaning: "coroner or medical examiner", basis: "164.512(g)(1)", kind: .permitted),
    ]

    public static func isKnown(_ code: String) -> Bool { catalogue.contains { $0.code == code } }
}
