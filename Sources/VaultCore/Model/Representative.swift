import Foundation

/// How a personal representative is related to the client (45 CFR 164.502(g)).
public enum RepresentativeRelation: String, Sendable, Codable, CaseIterable {
    /// A parent of an unemancipated minor: its authority ends at the practice's age of majority.
    case parent
    /// A court-appointed guardian.
    case guardian
    /// A health-care agent (power of attorney for health care).
    case agent
    /// The executor or administrator of a deceased client's estate.
    case executor
    case other

    /// - Throws: ``VaultError`` usage (64) naming the accepted relations.
    public static func parse(_ s: String) throws(VaultError) -> Self {
        guard let r = Self(rawValue: s) else {
            throw VaultError.usage("--relation must be one of \(allCases.map(\.rawValue).joined(separator: ", ")), not '\(s)'")
        }
        return r
    }
}

/// What part of the client's records a representative acts for.
public enum RepresentativeScope: Sendable, Equatable, Codable {
    case all
    /// Everything but care the minor lawfully consented to on its own (`note add --minor-consented`).
    case excludingMinorConsented
    /// Only these records.
    case records([String])

    /// Parses `all`, `excluding-minor-consented` or `records:RID,…`. - Throws: usage (64).
    public static func parse(_ s: String) throws(VaultError) -> Self {
        if s == "all" { return .all }
        if s == "excluding-minor-consented" { return .excludingMinorConsented }
        if s.hasPrefix("records:") {
            let ids = s.dropFirst(8).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if !ids.isEmpty { return .records(ids) }
        }
        throw VaultError.usage("--scope must be all, excluding-minor-consented or records:RID,…, not '\(s)'")
    }

    public var text: String {
        switch self {
        case .all: "all"
        case .excludingMinorConsented: "excluding-minor-consented"
        case .records(let ids): "records:" + ids.joined(separator: ",")
        }
    }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        do { self = try Self.parse(s) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad scope '\(s)'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// The sealed body of a `representative` record. One kind holds three bodies, told apart by
/// `type` inside the ciphertext, so the plaintext row reveals no more than that the client has
/// representative records: `grant` (a representative and its authority), `block` (its
/// authority stopped, 164.502(g)(5)) and `minor-consent` (a note of care the minor lawfully
/// consented to, which a parent's authority never covers, 164.502(g)(3)).
public struct RepresentativeRecord: Sendable, Codable, Equatable {
    public var type: String
    /// grant: the representative's name, relation, evidence of authority, scope, dates, user.
    public var name: String?
    public var relation: RepresentativeRelation?
    public var evidence: String?
    public var scope: RepresentativeScope?
    public var from: String?
    public var until: String?
    public var user: String?
    /// block: the representative blocked and why; minor-consent: the note.
    public var representativeID: String?
    public var reason: String?
    public var noteID: String?
    public var recordedBy: String

    public static let grant = "grant", block = "block", minorConsent = "minor-consent"
}

/// A representative as `representative list` shows it.
public struct RepresentativeSummary: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var relation: String
    public var scope: String
    public var from: String
    /// The last day of its authority: `--until`, or for a parent the day before the client
    /// reaches the age of majority, whichever is earlier; nil when open-ended.
    public var authorityEnds: String?
    public var user: String?
    /// `active`, `not-yet` (before `from`), `ended` or `blocked`.
    public var state: String
    public var blockedOn: String?
}

/// When a representative may act (pure).
public enum RepresentativeAuthority {
    public static let defaultAgeOfMajority = 18

    /// The last day of authority of a grant: its `until`, and for a parent the day before the
    /// client's `ageOfMajority`-th birthday; the earlier of the two, nil when neither applies.
    public static func lastDay(relation: RepresentativeRelation, until: String?, dateOfBirth: String?, ageOfMajority: Int) -> String? {
        var ends: [String] = until.map { [$0] } ?? []
        if relation == .parent, let dob = dateOfBirth, let majority = CalendarDate.addingYears(ageOfMajority, to: dob),
           let before = RequestDeadline.adding(-1, to: majority) {
            ends.append(before)
        }
        return ends.min()
    }

    /// The state of a grant on `today` (dates `YYYY-MM-DD` compare as strings).
    public static func state(from: String, lastDay: String?, blocked: Bool, today: String) -> String {
        if blocked { return "blocked" }
        if today < from { return "not-yet" }
        if let lastDay, today > lastDay { return "ended" }
        return "active"
    }

    /// Whether a record is outside what the representative may see: care the minor consented
    /// to (never a parent's, nor under `excluding-minor-consented`), or a record a `records:`
    /// scope does not name.
    public static func excludes(recordID: String, minorConsented: Bool, relation: RepresentativeRelation, scope: RepresentativeScope) -> Bool {
        switch scope {
        case .records(let ids) where !ids.contains(recordID): return true
        case .excludingMinorConsented where minorConsented: return true
        default: return minorConsented && relation == .parent
        }
    }
}
