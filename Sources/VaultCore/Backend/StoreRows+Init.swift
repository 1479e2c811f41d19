import Foundation

// Initialisers for a storage backend in another target (`VaultStorePostgres`): a public
// struct's memberwise initialiser is internal to VaultCore. The first argument is labelled
// `stored:` because an initialiser with the memberwise labels would redeclare it.

extension VaultMetaRow {
    package init(stored vaultID: [UInt8], formatVersion: Int, practice: String, createdAt: Int64, kdfOps: UInt64, kdfMem: Int, recoveryPublicKey: [UInt8], rootSigningKey: [UInt8], auditKeyID: Int64, logKeyID: Int64, settingsSigner: String, signature: [UInt8]) {
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

extension TreeHeadRow {
    package init(stored size: Int64, root: [UInt8], frontier: [UInt8], time: Int64) {
        self.size = size
        self.root = root
        self.frontier = frontier
        self.time = time
    }
}

extension UserRow {
    package init(stored name: String, roles: String, boxPublicKey: [UInt8], signPublicKey: [UInt8], enrolledBy: String, enrolledAt: Int64, certificate: [UInt8], salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8], clientID: String = "") {
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
}

extension ClientRow {
    package init(stored id: String, createdAt: Int64, createdBy: String, status: String, chartHash: [UInt8] = []) {
        self.id = id
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.status = status
        self.chartHash = chartHash
    }
}

extension CareTeamRow {
    package init(stored clientID: String, user: String, grantedBy: String, grantedAt: Int64, state: String, signature: [UInt8] = []) {
        self.clientID = clientID
        self.user = user
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
        self.state = state
        self.signature = signature
    }
}

extension DataKeyRow {
    package init(stored id: Int64, clientID: String, scope: KeyScope, owner: String, version: Int, state: String, createdAt: Int64, publicKey: [UInt8], signer: String = "", signature: [UInt8] = []) {
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

extension KeyWrapRow {
    package init(stored keyID: Int64, recipient: String, wrapped: [UInt8]) {
        self.keyID = keyID
        self.recipient = recipient
        self.wrapped = wrapped
    }
}

extension RecordRow {
    package init(stored id: String, clientID: String, kind: RecordKind, subkind: String, author: String, keyID: Int64, keyVersion: Int, formatVersion: Int, createdAt: Int64, sequence: Int, ciphertext: [UInt8], auditCopy: [UInt8] = [], contentHash: [UInt8] = [], ciphertextLength: Int? = nil) {
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

extension ExportRequestRow {
    package init(stored id: String, clientID: String, requestedBy: String, requestedAt: Int64, dueAt: Int64, state: String, fulfilledAt: Int64, fulfilledBy: String) {
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

extension RotationJobRow {
    package init(stored id: Int64, clientID: String, scope: String, owner: String, toKeyID: Int64, state: String, actor: String, startedAt: Int64, finishedAt: Int64) {
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

extension ExceptionRow {
    package init(stored code: String, meaning: String, basis: String, kind: String, mustInform: Bool, addedBy: String, addedAt: Int64, signature: [UInt8]) {
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

extension AcknowledgementRow {
    package init(stored recordID: String, user: String, time: Int64, sealedSalt: [UInt8], bodyMAC: [UInt8], signature: [UInt8]) {
        self.recordID = recordID
        self.user = user
        self.time = time
        self.sealedSalt = sealedSalt
        self.bodyMAC = bodyMAC
        self.signature = signature
    }
}

extension LogRow {
    package init(stored seq: Int64, time: Int64, actor: String, roles: String, action: String, clientID: String, recordID: String, purpose: String, sealedReason: [UInt8], outcome: String, detail: String, flags: String, entry: [UInt8], leafHash: [UInt8], signer: String, signature: [UInt8]) {
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

extension TableDigest {
    package init(stored table: String, rows: Int, digest: [UInt8]) {
        self.table = table
        self.rows = rows
        self.digest = digest
    }
}

extension StateHeadRow {
    package init(stored aggregate: String, seq: Int64, digest: [UInt8]) {
        self.aggregate = aggregate
        self.seq = seq
        self.digest = digest
    }
}

extension SchemaObject {
    package init(stored type: String, name: String, sql: String) {
        self.type = type
        self.name = name
        self.sql = sql
    }
}

extension StateNodeKey {
    package init(stored level: Int, index: Int) {
        self.level = level
        self.index = index
    }
}

/// What a backend needs of the state index's internals.
package enum StoreBackendSupport {
    /// The bucket of the state map an aggregate's head sits in (the `state_heads.bucket` column).
    package static func bucket(_ aggregate: String) -> Int { StateMap.bucket(aggregate) }
    /// A node the map does not store (all zero).
    package static var zeroNode: [UInt8] { StateMap.zero }
    /// The logged action of an emergency request (prefix resolution of emergency ids).
    package static var emergencyRequestAction: String { Session.emergencyRequest }
    /// The record and entry format version this build writes.
    package static var formatVersion: Int { Vault.formatVersion }
}
