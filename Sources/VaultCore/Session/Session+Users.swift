import Foundation
import VaultCrypto

/// A user as `user list` shows it.
public struct UserSummary: Sendable, Codable, Equatable {
    public var name: String
    public var roles: [String]
    public var enrolledBy: String
    public var enrolledAt: String
    /// Fingerprint of the user's signing key (first 16 hex digits of its SHA-256).
    public var fingerprint: String
    /// `enrolled`, `pending` (an enrolment code is out), `expired` (the code ran out unused:
    /// `user reset` issues a new one) or `removed`.
    public var status: String = "enrolled"
    /// For a pending or expired user: when its enrolment code expires (expired).
    public var codeExpires: String?
}

/// A one-time enrolment code issued to a user (`user add`, `user reset`): shown once to the
/// admin, who hands it to the user; never stored.
public struct IssuedCode: Sendable {
    public var user: UserSummary
    public let code: SecretBytes
    public var expiresAt: String
}

extension Session {
    /// Adds a user, certified by this admin, and returns its one-time enrolment code: the user's
    /// first key pairs are derived from the code (``EnrolmentCode``), and the user replaces them
    /// with its own and chooses its passphrase with ``Vault/enrol(user:code:passphrase:kdf:)``
    /// within 72 hours. Until then it cannot unlock, and no client's notes are wrapped to it.
    ///
    /// A new compliance user also receives the audit key when this admin holds it (is itself
    /// compliance, or loaded the recovery key); otherwise it gets it from the next compliance
    /// user to unlock.
    /// - Throws: ``VaultError`` not permitted (77) unless admin; usage (64) for a bad name;
    ///   cannot create (73) when the name is taken.
    ///   A client user (role `client`) names its client and receives that client's care keys, so
    ///   it can read and acknowledge its own agreements; the admin needs the recovery key for it.
    public func addUser(name: String, roles newRoles: Set<Role>, clientID: String? = nil) throws(VaultError) -> IssuedCode {
        try TextInput.validate(name, field: "the user name")
        let code: SecretBytes
        do { code = try EnrolmentCode.generate() } catch { throw VaultError.internalError("could not make an enrolment code") }
        return try perform(AccessIntent(action: "user.add", clientID: clientID ?? "", recordID: name)) { tx, _ in
            try require(.admin, "enrolling a user")
            try UserName.validate(name)
            let ownRole = newRoles.contains(.client) || newRoles.contains(.representative)
            guard ownRole == (clientID != nil) else {
                throw VaultError.usage("a user with the client or representative role needs --client ID, and only such a user")
            }
            guard !ownRole || newRoles.count == 1 else {
                throw VaultError.usage("the client and representative roles cannot be combined with other roles")
            }
            if let clientID, newRoles.contains(.representative) {
                // No keys until 'representative add --user' records its authority.
                _ = try existingClient(tx, clientID)
            } else if let clientID {
                _ = try existingClient(tx, clientID)
                guard recovery != nil else {
                    throw VaultError.usage("enrolling a client user needs --recovery-key FILE (to give it its own records' key)")
                }
            }
            guard try tx.user(named: name) == nil else {
                throw VaultError(.cannotCreate, "user '\(name)' already exists")
            }
            let identity = try EnrolmentCode.identity(code: code, vaultID: meta.vaultID, name: name)
            let limits = Argon2id.Limits(opsLimit: meta.kdfOps, memLimit: meta.kdfMem)
            let row = try identity.enrol(name: name, roles: newRoles, vaultID: meta.vaultID, enrolledBy: user,
                                         enrollerKey: self.identity.signing, at: nowMillis, passphrase: nil, limits: limits,
                                         clientID: clientID ?? "")
            try tx.insertUser(row)
            if let clientID, newRoles == [.client] { try wrapCareKeys(tx, clientID: clientID, to: row) }
            if newRoles.contains(.compliance) { try wrapAuditKeyIfHeld(tx, to: row) }
            if !newRoles.isDisjoint(with: [.compliance, .admin, .therapist]) { try wrapVaultKeyIfHeld(tx, meta.logKeyID, to: row) }
            return IssuedCode(user: summary(row), code: code, expiresAt: Timestamp.iso(row.enrolledAt + EnrolmentCode.validityMillis))
        }
    }

    func wrapAuditKeyIfHeld(_ tx: any StoreTransaction, to target: UserRow) throws {
        try wrapVaultKeyIfHeld(tx, meta.auditKeyID, to: target)
    }

    /// Wraps a vault-wide key (audit or log key) to `target` when this session can unwrap it.
    func wrapVaultKeyIfHeld(_ tx: any StoreTransaction, _ keyID: Int64, to target: UserRow) throws {
        try UserCertificate.verifyChain(of: target, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })
        guard let key = try tx.dataKey(id: keyID) else { return }
        guard let secret = try? unwrap(tx, key) else { return }
        try tx.insertWrap(KeyWrapRow(keyID: key.id, recipient: "user:\(target.name)",
                                     wrapped: try SealedBox.seal(secret: secret, to: target.boxPublicKey)))
    }

    /// Lists enrolled users (any role).
    public func listUsers() throws(VaultError) -> [UserSummary] {
        try perform(AccessIntent(action: "user.list")) { tx, _ in try tx.users().map(summary) }
    }

    /// Re-seals this user's secret keys under a new passphrase; the keys themselves stay. The
    /// key derivation stays the user's own unless `kdf` names another, which may not be weaker
    /// than the vault's.
    public func changePassphrase(to newPassphrase: SecretBytes, kdf: KDFStrength? = nil) throws(VaultError) {
        try perform(AccessIntent(action: "user.passwd", recordID: user)) { tx, _ in
            try PassphrasePolicy.check(newPassphrase, "the new passphrase")
            guard let me = try tx.user(named: user) else { throw VaultError.notFound("no user '\(user)'") }
            let limits = try vault.userLimits(kdf, current: Argon2id.Limits(opsLimit: me.kdfOps, memLimit: me.kdfMem))
            let (salt, sealed) = try identity.seal(vaultID: meta.vaultID, user: user, passphrase: newPassphrase, limits: limits)
            try tx.updateUserSecrets(name: user, salt: salt, kdfOps: limits.opsLimit, kdfMem: limits.memLimit, sealedSecrets: sealed)
        }
    }

    func summary(_ row: UserRow) -> UserSummary {
        var s = UserSummary(name: row.name, roles: row.roleSet.sorted().map(\.rawValue), enrolledBy: row.enrolledBy,
                            enrolledAt: Timestamp.iso(row.enrolledAt),
                            fingerprint: String(Encoding.hex(SHA256.hash(row.signPublicKey)).prefix(16)))
        if row.isRemoved {
            s.status = "removed"
        } else if row.isPending {
            let expires = row.enrolledAt + EnrolmentCode.validityMillis
            s.status = nowMillis < expires ? "pending" : "expired"
            s.codeExpires = Timestamp.iso(expires)
        }
        return s
    }
}
