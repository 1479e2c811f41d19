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
    /// Last day the authorization is valid, `YYYY-MM-DD`.
    public var expires: String
    /// SHA-256 (hex) of the signed copy, when one was filed.
    public var signedCopySHA256: String?
    /// The signed copy itself (Base64), when one was filed.
    public var signedCopy: String?

    public init(recipient: String, recordIDs: [String]?, kinds: [String]?, purpose: String, expires: String,
                signedCopySHA256: String? = nil, signedCopy: String? = nil) {
        self.recipient = recipient; self.recordIDs = recordIDs; self.kinds = kinds; self.purpose = purpose
        self.expires = expires; self.signedCopySHA256 = signedCopySHA256; self.signedCopy = signedCopy
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
    /// True when the basis was not stated to the client and a compliance officer co-signed.
    public var override: Bool
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
}

/// Exception codes whose reports need the informed-client field (164.512(c)(2)).
enum AbuseReport {
    static let codes: Set<String> = ["child-abuse", "elder-abuse"]
}
