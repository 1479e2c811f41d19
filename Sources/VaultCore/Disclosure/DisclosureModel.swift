import Foundation
import VaultCrypto

/// A client's signed authorization to disclose records (45 CFR 164.508), stored encrypted.
public struct ClientAuthorization: Sendable, Codable, Equatable {
    /// The basis code a disclosure names to rely on an authorization.
    public static let basisCode = "client-authorization"

    public var recipient: String
    /// Specific records the client authorized, or nil when authorized by kind.
    public var recordIDs: [String]?
    /// Kinds the client authorized: `progress`, `psychotherapy`, `agreement`.
    public var kinds: [String]?
    public var purpose: String
    /// Last day the authorization is valid, `YYYY-MM-DD`; or nil with ``expiresEvent``.
    public var expires: String?
    /// The event that ends it (164.508(c)(1)(v)), when it has no date.
    public var expiresEvent: String?
    /// When and by whom it was signed (`client`, or a representative's name).
    public var signedOn: String?
    public var signedBy: String?
    /// Set when read: the day a revocation recorded with `authorization revoke` took effect.
    public var revokedOn: String?
    /// SHA-256 (hex) of the signed copy, when one was filed.
    public var signedCopySHA256: String?
    /// The signed copy itself (Base64), when one was filed.
    public var signedCopy: String?

    public init(recipient: String, recordIDs: [String]?, kinds: [String]?, purpose: String, expires: String?,
                expiresEvent: String? = nil, signedOn: String? = nil, signedBy: String? = nil,
                signedCopySHA256: String? = nil, signedCopy: String? = nil) {
        self.recipient = recipient; self.recordIDs = recordIDs; self.kinds = kinds; self.purpose = purpose
        self.expires = expires; self.expiresEvent = expiresEvent; self.signedOn = signedOn; self.signedBy = signedBy
        self.signedCopySHA256 = signedCopySHA256; self.signedCopy = signedCopy
    }

    /// Files the signed copy (a scan or PDF): kept with its SHA-256, both sealed with the
    /// authorization.
    public mutating func attachSignedCopy(_ data: Data) {
        signedCopy = data.base64EncodedString()
        signedCopySHA256 = Encoding.hex(SHA256.hash(data))
    }

    /// True when this authorization names the record (by id, or by its kind).
    func covers(recordID: String, kind: RecordKind) -> Bool {
        if let ids = recordIDs { return ids.contains(recordID) }
        return kinds?.contains(kind.rawValue) ?? false
    }

    /// Psychotherapy notes need an authorization that names them (164.508(a)(2)).
    func namesPsychotherapy(recordID: String) -> Bool {
        if let ids = recordIDs { return ids.contains(recordID) }
        return kinds?.contains(RecordKind.psychotherapy.rawValue) ?? false
    }
}

/// One record released in a disclosure, with the hash of what was released.
public struct DisclosedRecord: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    /// SHA-256 (hex) of the record's plaintext at the time of disclosure.
    public var sha256: String
}

/// A disclosure as stored (encrypted under the care key, and sealed to the audit key).
public struct DisclosureBody: Sendable, Codable, Equatable {
    /// Date of the disclosure, `YYYY-MM-DD` (164.528(b)(2)(i)).
    public var date: String
    /// Recipient's name and address (164.528(b)(2)(ii)).
    public var recipientName: String
    public var recipientAddress: String
    /// Brief description of what was disclosed (164.528(b)(2)(iii)).
    public var description: String
    /// Purpose statement (164.528(b)(2)(iv)).
    public var purpose: String
    public var records: [DisclosedRecord]
    /// An exception code of the catalogue, or `client-authorization`.
    public var basis: String
    public var authorizationID: String?
    /// For abuse reports: whether the client was informed (164.512(c)(2)), and if not, why.
    public var clientInformed: Bool?
    public var notInformedReason: String?
    public var disclosedBy: String
    public var cosignedBy: String?
    /// True when a permitted basis was not stated to the client and a compliance officer
    /// co-signed or the discloser attested.
    public var override: Bool
    /// An oral disclosure (a phone report): no records, a summary of what was said.
    public var oral: Bool?
    public var summary: String?
    /// A required basis the confidentiality agreement in force did not state (recorded, reviewed).
    public var notExplained: Bool?
    /// The discloser's attestation, where no other compliance user could co-sign.
    public var attestation: String?
    /// The satisfactory assurance of a `legal-process` request (164.512(e)(1)(ii)).
    public var assurance: String?
    /// `author` when a health oversight agency oversees the author of the notes disclosed.
    public var subject: String?
    /// The confidentiality agreement version relied on, if any.
    public var agreementVersion: Int?
    /// A 164.528(a)(1) exclusion (`treatment`, `payment`, …): kept, shown to staff, left out of
    /// the client's accounting.
    public var notAccountable: String?
    /// The business associate that made the disclosure on the practice's behalf.
    public var byAssociate: String?
    /// Addenda, statements of disagreement and rebuttals of the records, included with them
    /// (45 CFR 164.526(d)(5)).
    public var addenda: [DisclosedRecord]? = nil

    /// In the client's accounting (164.528(a)(1)): not under an exclusion, and not under an
    /// authorization (164.528(a)(1)(iv)).
    public var accountable: Bool { notAccountable == nil && basis != ClientAuthorization.basisCode }

    /// The 164.528(a)(1) exclusions `--not-accountable` takes.
    public static let exclusions: Set<String> = ["treatment", "payment", "operations", "to-individual", "incidental",
                                                 "limited-data-set", "national-security", "correctional"]
}

/// What a therapist asks for with `confidant disclose`.
public struct DisclosureRequest: Sendable {
    public var clientID: String
    public var recipientName: String
    public var recipientAddress: String
    public var recordIDs: [String]
    public var basis: String
    public var purpose: String
    /// `YYYY-MM-DD`; today when nil.
    public var date: String?
    public var clientInformed: Bool?
    public var notInformedReason: String?
    public var authorizationID: String?
    /// An oral disclosure: no records, and `summary` says what was disclosed.
    public var oral = false
    public var summary: String?
    /// The discloser's attestation (a practice with no other compliance user).
    public var attest: String?
    public var assurance: String?
    public var subject: String?
    /// A 164.528(a)(1) exclusion code (``DisclosureBody/exclusions``).
    public var notAccountable: String?
    /// A business associate that made the disclosure (recorded by the practice).
    public var byAssociate: String?

    public init(clientID: String, recipientName: String, recipientAddress: String, recordIDs: [String], basis: String,
                purpose: String, date: String? = nil, clientInformed: Bool? = nil, notInformedReason: String? = nil,
                authorizationID: String? = nil) {
        self.clientID = clientID; self.recipientName = recipientName; self.recipientAddress = recipientAddress
        self.recordIDs = recordIDs; self.basis = basis; self.purpose = purpose; self.date = date
        self.clientInformed = clientInformed; self.notInformedReason = notInformedReason; self.authorizationID = authorizationID
    }
}

/// One row of the accounting of disclosures.
public struct AccountingEntry: Sendable, Codable, Equatable {
    public var id: String
    public var logSeq: Int64
    public var body: DisclosureBody
    /// Set while a suspension (164.528(a)(2)) holds this disclosure out of the client's
    /// accountings and exports: the last day it does. Staff see it; the client does not.
    public var suspendedUntil: String?
    /// The record was lost when an older backup was restored; the entry (its sealed copy of
    /// the body) is what the accounting shows.
    public var lostInRestore: Bool?
}

/// An agency's request to suspend the client's right to an accounting of disclosures to it
/// (164.528(a)(2)): until a date; an oral request for 30 days at most.
public struct AccountingSuspension: Sendable, Codable, Equatable {
    public var id: String
    public var recipient: String
    /// The last day the suspension holds, `YYYY-MM-DD`.
    public var until: String
    public var oral: Bool
    public var recordedBy: String

    /// Whether it holds a disclosure to `name` on `today`.
    public func holds(recipient name: String, today: String) -> Bool {
        func norm(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased() }
        return today <= until && norm(name) == norm(recipient)
    }
}



/// A recorded revocation of an authorization (164.508(b)(5)), stored as its own sealed record.
public struct AuthorizationRevocation: Sendable, Codable, Equatable {
    public var authorizationID: String
    /// The day the revocation took effect, `YYYY-MM-DD`.
    public var on: String
    public var signedCopySHA256: String?
    public var signedCopy: String?
}

/// An authorization as `authorization list` shows it.
public struct AuthorizationSummary: Sendable, Codable, Equatable {
    public var id: String
    public var recipient: String
    public var purpose: String
    public var covers: String
    public var signedOn: String?
    public var signedBy: String?
    public var expires: String?
    public var expiresEvent: String?
    public var revokedOn: String?
    /// `active`, `expired` or `revoked`, as of today.
    public var state: String
}
