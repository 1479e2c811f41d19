import Foundation

// The rows of requests, rotation jobs, exceptions, acknowledgements and the access log.

/// A client's request: for a copy of its records (access, 164.524, ids `r…`), for an accounting
/// of disclosures (164.528(c), `q…`) or to amend a record (164.526, `m…`); ``RequestKind``
/// tells them apart by the id's first letter. The row is the plaintext index (dates and state,
/// which the review queue reads without a client key); its details are sealed `request` records.
public struct ExportRequestRow: Sendable, Equatable, Codable {
    public var id: String
    public var clientID: String
    public var requestedBy: String
    public var requestedAt: Int64
    public var dueAt: Int64
    /// `open`, `extended` (open, due date moved once), `denied`, `review` (a reviewable denial
    /// the client asked to have reviewed), `fulfilled` (access, accounting), `accepted` or
    /// `refused` (amendment). ``RequestState/isOpen`` says whether it still runs.
    public var state: String
    public var fulfilledAt: Int64
    public var fulfilledBy: String

    package init(id: String, clientID: String, requestedBy: String, requestedAt: Int64, dueAt: Int64, state: String, fulfilledAt: Int64, fulfilledBy: String) {
        self.id = id
        self.clientID = clientID
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.dueAt = dueAt
        self.state = state
        self.fulfilledAt = fulfilledAt
        self.fulfilledBy = fulfilledBy
    }
}

/// A journaled key rotation (crash-safe: every step is its own transaction).
public struct RotationJobRow: Sendable, Equatable {
    public var id: Int64
    /// The client, or `*` for an all-clients run (then `startedAt` is its cut-off).
    public var clientID: String
    public var scope: String
    public var owner: String
    /// The new key version every record is moved to (0 for an all-clients run).
    public var toKeyID: Int64
    /// `running` or `done`.
    public var state: String
    public var actor: String
    public var startedAt: Int64
    public var finishedAt: Int64

    package init(id: Int64, clientID: String, scope: String, owner: String, toKeyID: Int64, state: String, actor: String, startedAt: Int64, finishedAt: Int64) {
        self.id = id
        self.clientID = clientID
        self.scope = scope
        self.owner = owner
        self.toKeyID = toKeyID
        self.state = state
        self.actor = actor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A practice-specific confidentiality exception, added by an admin; never changed or removed.
public struct ExceptionRow: Sendable, Equatable {
    public var code: String
    public var meaning: String
    public var basis: String
    /// `required` or `permitted` (``ExceptionKind``).
    public var kind: String
    public var mustInform: Bool
    public var addedBy: String
    public var addedAt: Int64
    public var signature: [UInt8]

    package init(code: String, meaning: String, basis: String, kind: String, mustInform: Bool, addedBy: String, addedAt: Int64, signature: [UInt8]) {
        self.code = code
        self.meaning = meaning
        self.basis = basis
        self.kind = kind
        self.mustInform = mustInform
        self.addedBy = addedBy
        self.addedAt = addedAt
        self.signature = signature
    }
}

/// A client's signature over an agreement's keyed hash. The hash is BLAKE2b-256 keyed with a
/// random 32-byte salt, and the salt is sealed under the record's data key, so the row reveals
/// nothing about the agreement's text to anyone without that key.
public struct AcknowledgementRow: Sendable, Equatable {
    public var recordID: String
    public var user: String
    public var time: Int64
    public var sealedSalt: [UInt8]
    public var bodyMAC: [UInt8]
    public var signature: [UInt8]

    package init(recordID: String, user: String, time: Int64, sealedSalt: [UInt8], bodyMAC: [UInt8], signature: [UInt8]) {
        self.recordID = recordID
        self.user = user
        self.time = time
        self.sealedSalt = sealedSalt
        self.bodyMAC = bodyMAC
        self.signature = signature
    }
}

public struct LogRow: Sendable, Equatable {
    public var seq: Int64
    public var time: Int64
    public var actor: String
    public var roles: String
    public var action: String
    public var clientID: String
    public var recordID: String
    public var purpose: String
    /// Free-text reason sealed to the audit key, or empty.
    public var sealedReason: [UInt8]
    public var outcome: String
    public var detail: String
    /// Sorted, comma-separated review flags (e.g. `outside-care-team`).
    public var flags: String
    /// Canonical entry bytes (what is hashed and signed).
    public var entry: [UInt8]
    public var leafHash: [UInt8]
    public var signer: String
    public var signature: [UInt8]

    package init(seq: Int64, time: Int64, actor: String, roles: String, action: String, clientID: String, recordID: String, purpose: String, sealedReason: [UInt8], outcome: String, detail: String, flags: String, entry: [UInt8], leafHash: [UInt8], signer: String, signature: [UInt8]) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.roles = roles
        self.action = action
        self.clientID = clientID
        self.recordID = recordID
        self.purpose = purpose
        self.sealedReason = sealedReason
        self.outcome = outcome
        self.detail = detail
        self.flags = flags
        self.entry = entry
        self.leafHash = leafHash
        self.signer = signer
        self.signature = signature
    }
}

/// Which access-log entries `log show` wants; nil fields do not filter. Times in milliseconds.
public struct LogFilter: Sendable, Equatable {
    public var clientID: String?
    public var actor: String?
    public var action: String?
    public var purpose: String?
    public var outcome: String?
    public var since: Int64?
    public var until: Int64?
    public var afterSeq: Int64?

    public init(clientID: String? = nil, actor: String? = nil, action: String? = nil, purpose: String? = nil,
                outcome: String? = nil, since: Int64? = nil, until: Int64? = nil, afterSeq: Int64? = nil) {
        self.clientID = clientID; self.actor = actor; self.action = action; self.purpose = purpose
        self.outcome = outcome; self.since = since; self.until = until; self.afterSeq = afterSeq
    }
}
