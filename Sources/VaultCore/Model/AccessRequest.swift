import Foundation

/// How a client asked to receive its copy (45 CFR 164.524(c)(2)).
public enum AccessForm: String, Sendable, Codable, CaseIterable {
    case electronic, paper
}

/// What a client's access request records besides the client: when it was received, the form
/// asked for, and a signed written direction to send the copy to a third party
/// (164.524(c)(3)(ii)). All of it is sealed.
public struct AccessRequestInput: Sendable {
    public var receivedOn: String?
    public var form: AccessForm?
    public var thirdParty: String?
    public var direction: Data?

    public init(receivedOn: String? = nil, form: AccessForm? = nil, thirdParty: String? = nil, direction: Data? = nil) {
        self.receivedOn = receivedOn
        self.form = form
        self.thirdParty = thirdParty
        self.direction = direction
    }
}

/// One access request as `export requests` lists it. `receivedOn` is nil when this user cannot
/// open the request's sealed details; `due` is a calendar day; `overdue` when still running past it.
public struct AccessRequestSummary: Sendable, Codable, Equatable {
    public var id: String
    public var clientID: String
    public var requestedBy: String
    public var requestedAt: String
    public var receivedOn: String?
    public var due: String
    public var state: String
    public var overdue: Bool

    /// The state as the table shows it: `overdue` for a running request past its due day.
    public var shownState: String { overdue ? "overdue" : state }
}

/// The outcome of an extension, denial or review: the request's due day and state now, and the
/// written notice for the client where there is one.
public struct AccessDecision: Sendable, Codable, Equatable {
    public var requestID: String
    public var due: String
    public var state: String
    public var notice: String?
}

/// The decision of a review of a reviewable denial (164.524(a)(4)).
public enum ReviewDecision: String, Sendable, Codable, CaseIterable {
    case uphold, overturn
}

/// An outside reviewer for a practice with no second therapist: the reviewer's name and its
/// written decision (stored sealed).
public struct ExternalReview: Sendable {
    public var reviewer: String
    public var decisionFile: Data

    public init(reviewer: String, decisionFile: Data) {
        self.reviewer = reviewer
        self.decisionFile = decisionFile
    }
}

// The sealed events of an access request (`access.EVENT` request records).

struct AccessReceipt: Codable {
    var receivedOn: String
    var form: String?
    var enteredBy: String
}

struct AccessDirection: Codable {
    var thirdParty: String
    var directionSHA256: String
    var direction: String
    var recordedBy: String
}

struct AccessExtension: Codable {
    var reason: String
    var previousDue: String
    var due: String
    var by: String
    var on: String
    var notice: String
    var noticeRecorded: Bool
}

struct AccessDenial: Codable {
    var id: String
    var ground: DenialGround
    var reason: String
    var records: [String]?
    var by: String
    var on: String
    var notice: String
}

struct AccessDenialReview: Codable {
    var denialID: String
    var decision: ReviewDecision
    var reviewer: String
    var external: Bool
    var recordedBy: String
    var on: String
    var decisionSHA256: String?
    var decisionFile: String?
}
