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

    package init(vaultID: [UInt8], formatVersion: Int, practice: String, createdAt: Int64, kdfOps: UInt64, kdfMem: Int, recoveryPublicKey: [UInt8], rootSigningKey: [UInt8], auditKeyID: Int64, logKeyID: Int64, settingsSigner: String, signature: [UInt8]) {
        self.vaultID = vaultID
        self.formatVersion = formatVersion
        self.practice = practice
        self.createdAt = createdAt
        self.kdfOps = kdfOps
        self.kdfMem = kdfMem
        self.recoveryPublicKey = recoveryPublicKey
        self.rootSigningKey = rootSigningKey
        self.auditKeyID = auditKeyID
        self.logKeyID = logKeyID
        self.settingsSigner = settingsSigner
        self.signature = signature
    }
}

/// The Merkle tree head stored after each appended entry.
public struct TreeHeadRow: Sendable, Equatable {
    public var size: Int64
    public var root: [UInt8]
    /// ``MerkleFrontier`` encoding, so the next append needs no earlier entry.
    public var frontier: [UInt8]
    public var time: Int64

    package init(size: Int64, root: [UInt8], frontier: [UInt8], time: Int64) {
        self.size = size
        self.root = root
        self.frontier = frontier
        self.time = time
    }
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

    package init(name: String, roles: String, boxPublicKey: [UInt8], signPublicKey: [UInt8], enrolledBy: String, enrolledAt: Int64, certificate: [UInt8], salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8], clientID: String = "") {
        self.name = name
        self.roles = roles
        self.boxPublicKey = boxPublicKey
        self.signPublicKey = signPublicKey
        self.enrolledBy = enrolledBy
        self.enrolledAt = enrolledAt
        self.certificate = certificate
        self.salt = salt
        self.kdfOps = kdfOps
        self.kdfMem = kdfMem
        self.sealedSecrets = sealedSecrets
        self.clientID = clientID
    }

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

    package init(id: String, createdAt: Int64, createdBy: String, status: String, chartHash: [UInt8] = []) {
        self.id = id
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.status = status
        self.chartHash = chartHash
    }
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

    package init(clientID: String, user: String, grantedBy: String, grantedAt: Int64, state: String, signature: [UInt8] = []) {
        self.clientID = clientID
        self.user = user
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.state = state
        self.signature = signature
    }
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

    package init(id: Int64, clientID: String, scope: KeyScope, owner: String, version: Int, state: String, createdAt: Int64, publicKey: [UInt8], signer: String = "", signature: [UInt8] = []) {
        self.id = id
        self.clientID = clientID
        self.scope = scope
        self.owner = owner
        self.version = version
        self.state = state
        self.createdAt = createdAt
        self.publicKey = publicKey
        self.signer = signer
        self.signature = signature
    }
}

public struct KeyWrapRow: Sendable, Equatable {
    public var keyID: Int64
    /// `user:NAME` or `recovery`.
    public var recipient: String
    public var wrapped: [UInt8]

    package init(keyID: Int64, recipient: String, wrapped: [UInt8]) {
        self.keyID = keyID
        self.recipient = recipient
        self.wrapped = wrapped
    }
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

    package init(id: String, clientID: String, kind: RecordKind, subkind: String, author: String, keyID: Int64, keyVersion: Int, formatVersion: Int, createdAt: Int64, sequence: Int, ciphertext: [UInt8], auditCopy: [UInt8] = [], contentHash: [UInt8] = [], ciphertextLength: Int? = nil) {
        self.id = id
        self.clientID = clientID
        self.kind = kind
        self.subkind = subkind
        self.author = author
        self.keyID = keyID
        self.keyVersion = keyVersion
        self.formatVersion = formatVersion
        self.createdAt = createdAt
        self.sequence = sequence
        self.ciphertext = ciphertext
        self.auditCopy = auditCopy
        self.contentHash = contentHash
        self.ciphertextLength = ciphertextLength
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
