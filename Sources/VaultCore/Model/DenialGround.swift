import Foundation

/// The grounds on which a practice may deny a client access to its records (45 CFR 164.524(a)),
/// as codes (stable) with the regulation they rest on and their meaning in plain language for
/// the client (shown in denial notices and in the export's withheld list).
public enum DenialGround: String, Sendable, Codable, CaseIterable {
    // Unreviewable (164.524(a)(1)-(2)): the client cannot have these reviewed.
    case psychotherapyNotes = "psychotherapy-notes"
    case litigation
    case inmate
    case research
    case privacyAct = "privacy-act"
    case confidentialSource = "confidential-source"
    // Reviewable (164.524(a)(3)): another licensed professional reviews them on request.
    case endangerLife = "endanger-life"
    case referencesOtherPerson = "references-other-person"
    case representativeHarm = "representative-harm"

    /// Whether the client may have a denial on this ground reviewed (164.524(a)(3), (a)(4)).
    public var reviewable: Bool {
        switch self {
        case .endangerLife, .referencesOtherPerson, .representativeHarm: true
        default: false
        }
    }

    /// The provision of 45 CFR the ground rests on.
    public var citation: String {
        switch self {
        case .psychotherapyNotes: "45 CFR 164.524(a)(1)(i)"
        case .litigation: "45 CFR 164.524(a)(1)(ii)"
        case .inmate: "45 CFR 164.524(a)(2)(ii)"
        case .research: "45 CFR 164.524(a)(2)(iii)"
        case .privacyAct: "45 CFR 164.524(a)(2)(iv)"
        case .confidentialSource: "45 CFR 164.524(a)(2)(v)"
        case .endangerLife: "45 CFR 164.524(a)(3)(i)"
        case .referencesOtherPerson: "45 CFR 164.524(a)(3)(ii)"
        case .representativeHarm: "45 CFR 164.524(a)(3)(iii)"
        }
    }

    /// What the ground means, said to the client.
    public var meaning: String {
        switch self {
        case .psychotherapyNotes:
            "These are your therapist's private process notes (psychotherapy notes), kept apart from your record; the law lets their author keep them back."
        case .litigation:
            "This was prepared for a court case or other legal proceeding, or in expectation of one."
        case .inmate:
            "You are held in a correctional institution, and a copy could endanger your health, safety or security, or that of others there."
        case .research:
            "It was made in a research study you agreed to take part in; you agreed that access would be paused while the study runs, and it will be available when the study ends."
        case .privacyAct:
            "It is held under the federal Privacy Act, which allows this information to be withheld."
        case .confidentialSource:
            "It was given to us in confidence by someone other than a health-care provider, and a copy would be likely to reveal who that person is."
        case .endangerLife:
            "A licensed professional judged that this access is reasonably likely to endanger your life or physical safety, or someone else's."
        case .referencesOtherPerson:
            "It mentions another person (not a health-care provider), and a licensed professional judged that access is reasonably likely to cause that person substantial harm."
        case .representativeHarm:
            "It was requested by your personal representative, and a licensed professional judged that access by that representative is reasonably likely to cause substantial harm to you or another person."
        }
    }

    /// How the client may have a denial on this ground reviewed (nil when it cannot be).
    public func howToAskForReview(practice: String) -> String? {
        guard reviewable else { return nil }
        return "You may ask \(practice) to have this decision reviewed. A licensed health-care professional who took no part in it will review it, "
            + "and \(practice) will tell you the result in writing and do what the reviewer decides."
    }

    /// The codes, comma-separated, for messages.
    public static var codeList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The ground a code names; a usage error (64) listing the codes otherwise.
    public static func parse(_ code: String) throws -> DenialGround {
        guard let g = DenialGround(rawValue: code) else {
            throw VaultError.usage("--ground must be one of \(codeList), not '\(code)'")
        }
        return g
    }
}

/// The written notice a client receives when access is denied in whole or in part
/// (45 CFR 164.524(d)(2)): the ground, whether and how it can be reviewed, and how to complain.
public enum DenialNotice {
    public static func text(practice: String, requestID: String, ground: DenialGround, reason: String, records: [String]?, date: String) -> String {
        let what = records.map { "the following records of your request \(requestID): \($0.joined(separator: ", "))" }
            ?? "your request \(requestID) for a copy of your records"
        var lines = [
            "Notice of denial of access — \(practice), \(date)",
            "",
            "\(practice) has denied access to \(what).",
            "Why: \(ground.meaning) (\(ground.citation)).",
            "Our reason: \(reason)",
            "",
        ]
        if let review = ground.howToAskForReview(practice: practice) {
            lines.append("Review: \(review)")
        } else {
            lines.append("Review: the law does not provide for a review of a denial on this ground.")
        }
        if records != nil { lines.append("You may have a copy of the rest of your records; this denial covers only the records named.") }
        lines += [
            "",
            "How to complain: you may complain to \(practice) by writing to its privacy contact (ask \(practice) for the address).",
            "You may also complain to the Secretary of the U.S. Department of Health and Human Services, Office for Civil Rights,",
            "online at www.hhs.gov/ocr/complaints or in writing. No one may retaliate against you for complaining.",
        ]
        return lines.joined(separator: "\n")
    }
}
