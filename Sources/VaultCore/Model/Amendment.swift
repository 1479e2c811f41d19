import Foundation

/// What an `addendum` record is (its subkind): notes are never edited, so every change or
/// statement about a record is a signed record of its own, linked to the record.
public enum AddendumKind: String, Sendable, Codable, CaseIterable {
    /// An amendment of a note or agreement by its practice (`note amend`, or an accepted request).
    case addendum
    /// The client's statement of disagreement with a denied amendment (45 CFR 164.526(d)(1)(ii)).
    case disagreement
    /// The practice's rebuttal of a statement of disagreement (164.526(d)(3)).
    case rebuttal

    /// How the CLI names it to a reader.
    public var title: String {
        switch self { case .addendum: "addendum"; case .disagreement: "statement of disagreement"; case .rebuttal: "rebuttal" }
    }
}

/// The sealed body of an `addendum` record.
struct AddendumBody: Codable {
    /// The records it is linked to (the note it amends; the records of the request it answers).
    var recordIds: [String]
    var text: String
    /// The amendment request it answers, if any.
    var requestId: String?
}

/// An addendum, statement of disagreement or rebuttal as a reader sees it.
public struct NoteAddendum: Sendable, Codable, Equatable {
    public var id: String
    public var kind: AddendumKind
    public var recordIds: [String]
    public var requestId: String?
    public var author: String
    public var createdAt: String
    public var text: String
    /// Created at, in ms (ordering).
    var createdMillis: Int64 = 0

    enum CodingKeys: String, CodingKey { case id, kind, recordIds, requestId, author, createdAt, text }
}

/// The grounds on which a practice may deny an amendment (45 CFR 164.526(a)(2)).
public enum AmendmentDenialGround: String, Sendable, Codable, CaseIterable {
    /// Not created by the practice (unless its originator is no longer available to act).
    case notCreatedByPractice = "not-created-by-practice"
    /// Not part of the designated record set.
    case notInRecordSet = "not-in-record-set"
    /// Not available for inspection under 164.524 (e.g. psychotherapy notes).
    case notAvailableForInspection = "not-available-for-inspection"
    /// The record is accurate and complete.
    case accurateAndComplete = "accurate-and-complete"

    public var meaning: String {
        switch self {
        case .notCreatedByPractice: "the record was not created by this practice (45 CFR 164.526(a)(2)(i))"
        case .notInRecordSet: "the record is not part of the designated record set (164.526(a)(2)(ii))"
        case .notAvailableForInspection: "the record is not available for inspection under 164.524 (164.526(a)(2)(iii))"
        case .accurateAndComplete: "the record is accurate and complete (164.526(a)(2)(iv))"
        }
    }

    public static var codes: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The sealed events of an amendment request (`request` records, subkind `amendment.EVENT`).
struct AmendmentRequestBody: Codable {
    var recordIds: [String]
    var text: String
    var receivedOn: String
}

struct AmendmentExtensionBody: Codable {
    var reason: String
    var dueOn: String
}

struct AmendmentDecisionBody: Codable {
    /// `accepted` or `refused`.
    var state: String
    var ground: String?
    var reason: String
    var addenda: [String]
}

/// An amendment request as the CLI reports it.
public struct AmendmentSummary: Sendable, Codable, Equatable {
    public var id: String
    public var clientId: String
    /// `open`, `extended`, `accepted` or `refused`.
    public var state: String
    public var receivedOn: String
    public var dueOn: String
    public var recordIds: [String]
    /// The requested change (shown to care-team staff and the client).
    public var text: String?
    public var ground: String?
    public var reason: String?
    /// Addenda made by an acceptance.
    public var addenda: [String]?
}
