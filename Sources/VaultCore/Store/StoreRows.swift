import Foundation
import VaultCrypto

/// The vault's fixed settings, written once at `init`.
public struct VaultMetaRow: Sendable, Equatable {
    public var vaultID: [UInt8]
    public var formatVersion: Int
    public var practice: String
    public var createdAt: Int64
    public var kdfOps: UInt64
    public var kdfMem: Int
    /// X25519 public key of the offline recovery key.
    public var recoveryPublicKey: [UInt8]
    /// Ed25519 public key of the first admin: the root every user certificate chains to.
    public var rootSigningKey: [UInt8]
    /// Key id (in `data_keys`) of the audit key that seals free-text reasons for compliance.
    public var auditKeyID: Int64
    /// Key id (in `data_keys`) of the Ed25519 log key that signs checkpoints.
    public var logKeyID: Int64
    /// The admin who signed these settings (the first admin at init; later, a recovery rotation).
    public var settingsSigner: String
    /// The root key's signature over these settings and the audit and log public keys.
    public var signature: [UInt8]
}

/// The Merkle tree head stored after each appended entry.
public struct TreeHeadRow: Sendable, Equatable {
    public var size: Int64
    public var root: [UInt8]
    /// ``MerkleFrontier`` encoding, so the next append needs no earlier entry.
    public var frontier: [UInt8]
    public var time: Int64
}

/// An enrolled user: public keys, certificate and passphrase-sealed secrets.
public struct UserRow: Sendable, Equatable {
    public var name: String
    /// The stored role list (`admin,therapist`); read it as ``roleSet``.
    public var roles: String
    public var boxPublicKey: [UInt8]
    public var signPublicKey: [UInt8]
    public var enrolledBy: String
    public var enrolledAt: Int64
    /// Ed25519 signature by `enrolledBy` over the certificate bytes (see `UserCertificate`).
    public var certificate: [UInt8]
    public var salt: [UInt8]
    public var kdfOps: UInt64
    public var kdfMem: Int
    /// XChaCha20-Poly1305 of `boxSecret ‖ signSeed` under Argon2id(passphrase).
    public var sealedSecrets: [UInt8]
    /// For a user with the client role: the client it is. Empty otherwise. Certified.
    public var clientID: String = ""

    /// Removed by `user remove`: its certified row has no roles and no keys.
    public var isRemoved: Bool { roles.isEmpty }
    /// Issued an enrolment code (`user add`, `user reset`) and not enrolled since: its current
    /// keys were derived from the code and certified by an admin, not by itself.
    public var isPending: Bool { !isRemoved && enrolledBy != name }
}

public struct ClientRow: Sendable, Equatable {
    public var id: String
    public var createdAt: Int64
    public var createdBy: String
    public var status: String
    /// The practice chart number as a keyed hash (``ChartNumber``), or empty. Part of the
    /// client's row, so of the digest its signed `client.add` entry commits to.
    public var chartHash: [UInt8] = []
}

public struct CareTeamRow: Sendable, Equatable {
    public var clientID: String
    public var user: String
    public var grantedBy: String
    public var grantedAt: Int64
    /// `active`, or `pending` while no key holder has wrapped the client key to the user yet.
    public var state: String
    /// For a pending grant: the granting admin's signature (see `PendingGrant`); else empty.
    public var signature: [UInt8] = []
}

/// Which records a data key protects.
public enum KeyScope: String, Sendable {
    /// The client's care-team key: profile, progress notes, agreements.
    case care
    /// One author's psychotherapy-note key for one client.
    case psychotherapy = "psy"
    /// The vault's audit key: seals free-text reasons for compliance.
    case audit
    /// The log key (Ed25519): signs checkpoints of the access log.
    case log

}

public struct DataKeyRow: Sendable, Equatable {
    public var id: Int64
    public var clientID: String
    public var scope: KeyScope
    public var owner: String
    public var version: Int
    /// `current`, `retired` or `destroyed`.
    public var state: String
    public var createdAt: Int64
    /// For key pairs (the audit key) the public half; empty for symmetric data keys.
    public var publicKey: [UInt8]
    /// Who made this version, and its signature over the row (`SignedStatements.dataKey`).
    public var signer: String = ""
    public var signature: [UInt8] = []
}

public struct KeyWrapRow: Sendable, Equatable {
    public var keyID: Int64
    /// `user:NAME` or `recovery`.
    public var recipient: String
    public var wrapped: [UInt8]
}

public struct RecordRow: Sendable, Equatable {
    public var id: String
    public var clientID: String
    public var kind: RecordKind
    /// Agreement kind for agreements, empty otherwise.
    public var subkind: String
    public var author: String
    public var keyID: Int64
    public var keyVersion: Int
    public var formatVersion: Int
    public var createdAt: Int64
    /// Version number among records of the same client and subkind (agreements), else 1.
    public var sequence: Int
    public var ciphertext: [UInt8]
    /// Disclosures only: the same body sealed to the audit key, for compliance. Empty otherwise.
    public var auditCopy: [UInt8] = []
    /// SHA-256 over both blobs (``contentHash(ciphertext:auditCopy:)``): the aggregate digest
    /// commits to it, and every read of the blobs checks them against it.
    public var contentHash: [UInt8] = []
    /// The ciphertext's length when it was not loaded (``StoreTransaction/recordSummaries(clientID:)``).
    public var ciphertextLength: Int? = nil
}

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


extension RecordRow {
    /// What a record's `content_hash` column holds.
    public static func contentHash(ciphertext: [UInt8], auditCopy: [UInt8]) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/record-content/v1")
        e.append(ciphertext)
        e.append(auditCopy)
        return SHA256.hash(e.bytes)
    }
}

extension UserRow {
    /// The roles, parsed once here (``Role/parseList(_:)``); an unparseable list holds none.
    public var roleSet: Set<Role> { (try? Role.parseList(roles)) ?? [] }
}

extension LogRow {
    /// The actor's roles as logged (``Role/parseList(_:)``); an unparseable list holds none.
    public var roleSet: Set<Role> { (try? Role.parseList(roles)) ?? [] }
}
