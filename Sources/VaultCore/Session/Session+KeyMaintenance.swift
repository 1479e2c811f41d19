import Foundation
import VaultCrypto

/// What a recovery, self or user-reset rotation did.
public struct KeyMaintenanceReport: Sendable, Codable, Equatable {
    public var rewrapped: Int
    /// The new recovery public key (base64), for `--recovery`.
    public var recoveryPublicKey: String?
    /// Fingerprint of the user's new signing key, for `--self` and resets.
    public var fingerprint: String?
}

extension Session {
    /// Makes a new recovery key pair: every key's recovery wrap is re-made for it (opened with the
    /// old recovery key, which this admin loaded), the new secret goes to `newFile` (0600, written
    /// and synced before anything changes in the vault), and the vault settings are re-signed.
    /// One transaction: killed at any instant, the vault holds either the old or the new wraps.
    public func rotateRecovery(newFile: String) throws(VaultError) -> KeyMaintenanceReport {
        try VaultError.typed {
            try requireRecoveryAdmin("rotating the recovery key")
            guard let old = recovery else { throw VaultError.notPermitted("rotating the recovery key needs --recovery-key FILE") }
            let fresh = try X25519KeyPair.generate()
            try RecoveryKeyFile.write(path: newFile, vaultID: meta.vaultID, keyPair: fresh)
            do {
                return try perform(AccessIntent(action: "key.rotate.recovery", purpose: .operations)) { tx, intent in
                    var count = 0
                    for w in try tx.wraps(recipient: "recovery") {
                        let secret: SecretBytes
                        do { secret = try SealedBox.openSecret(w.wrapped, keyPair: old) } catch {
                            throw VaultError.badData("the recovery wrap of key \(w.keyID) does not open with the recovery key")
                        }
                        try tx.insertWrap(KeyWrapRow(keyID: w.keyID, recipient: "recovery", wrapped: try SealedBox.seal(secret: secret, to: fresh.publicKey)))
                        count += 1
                    }
                    var m = meta
                    m.recoveryPublicKey = fresh.publicKey
                    m.settingsSigner = user
                    guard let audit = try tx.dataKey(id: m.auditKeyID), let log = try tx.dataKey(id: m.logKeyID) else {
                        throw VaultError.badData("a vault key is missing")
                    }
                    let sig = identity.signing.sign(SignedStatements.vaultSettings(m, auditPublicKey: audit.publicKey, logPublicKey: log.publicKey))
                    try tx.updateMeta(recoveryPublicKey: fresh.publicKey, settingsSigner: user, signature: sig)
                    intent.value.successDetail = "rewrapped:\(count)"
                    return KeyMaintenanceReport(rewrapped: count, recoveryPublicKey: Encoding.base64(fresh.publicKey), fingerprint: nil)
                }
            } catch {
                unlink(newFile)
                throw error
            }
        }
    }

    /// Gives this user new key pairs: every key wrapped to it is re-wrapped to the new X25519
    /// key, the secrets are sealed under `passphrase`, and the new public keys are certified by
    /// the old signing key (the old generation stays on record, so earlier log entries verify).
    public func rotateSelf(passphrase: SecretBytes) throws(VaultError) -> KeyMaintenanceReport {
        try VaultError.typed {
            let fresh = try UserIdentity.generate()
            let report = try perform(AccessIntent(action: "key.rotate.self", recordID: user, purpose: .operations)) { tx, intent in
                guard let old = try tx.user(named: user) else { throw VaultError.notFound("no user '\(user)'") }
                let count = try rewrapAll(tx, recipient: recipient, to: fresh.box.publicKey) { try SealedBox.openSecret($0.wrapped, keyPair: self.identity.box) }
                    + rewrapAll(tx, recipient: "emergency:\(user)", to: fresh.box.publicKey) { try SealedBox.openSecret($0.wrapped, keyPair: self.identity.box) }
                intent.value.successDetail = "rewrapped:\(count)"
                return try installGeneration(tx, replacing: old, with: fresh, sealedUnder: passphrase, resignWith: fresh.signing, rewrapped: count,
                                             limits: Argon2id.Limits(opsLimit: old.kdfOps, memLimit: old.kdfMem))
            }
            // The entry above was the old generation's last signature: from now on this session signs
            // with the new keys.
            identity = fresh
            return report
        }
    }

    /// Restores access for a user who lost its passphrase, or whose enrolment code expired
    /// (admin with the recovery key): a new enrolment code (returned) and key pairs derived from
    /// it, certified by this admin, with every key the user held re-wrapped to them through the
    /// recovery wraps. The user then enrols again with the code (``Vault/enrol(user:code:passphrase:kdf:)``).
    public func resetUser(_ name: String) throws(VaultError) -> (KeyMaintenanceReport, IssuedCode) {
        try TextInput.validate(name, field: "the user name")
        let code: SecretBytes
        do { code = try EnrolmentCode.generate() } catch { throw VaultError.internalError("could not make an enrolment code") }
        return try perform(AccessIntent(action: "user.reset", recordID: name, purpose: .operations)) { tx, intent in
            try require(.admin, "resetting a user's keys")
            guard name != user else {
                throw VaultError.notPermitted("an admin cannot reset itself; use 'confidant key rotate --self' or 'confidant user passwd', or ask another admin")
            }
            guard let rec = recovery else { throw VaultError.notPermitted("resetting a user needs --recovery-key FILE") }
            let old = try certifiedUser(tx, name)
            guard !old.isRemoved else { throw VaultError.notPermitted("user '\(name)' was removed from this vault; it cannot be reset") }
            let fresh = try EnrolmentCode.identity(code: code, vaultID: meta.vaultID, name: name)
            let viaRecovery: (KeyWrapRow) throws -> SecretBytes = { w in
                guard let r = try tx.wrap(keyID: w.keyID, recipient: "recovery") else {
                    throw VaultError.badData("key \(w.keyID) has no recovery wrap; it cannot be handed to the new keys")
                }
                return try SealedBox.openSecret(r.wrapped, keyPair: rec)
            }
            let count = try rewrapAll(tx, recipient: "user:\(name)", to: fresh.box.publicKey, open: viaRecovery)
                + rewrapAll(tx, recipient: "emergency:\(name)", to: fresh.box.publicKey, open: viaRecovery)
            intent.value.successDetail = "rewrapped:\(count)"
            let report = try installGeneration(tx, replacing: old, with: fresh, sealedUnder: nil, resignWith: identity.signing,
                                               rewrapped: count)
            let row = try tx.user(named: name) ?? old
            return (report, IssuedCode(user: summary(row), code: code,
                                       expiresAt: Timestamp.iso(row.enrolledAt + EnrolmentCode.validityMillis)))
        }
    }

    /// Moves `old` to the user's history and stores `fresh` as its new generation, sealed under
    /// `passphrase` (none for a reset: the user enrols with its code) with `limits` (the vault's
    /// by default) and certified by this session's current key (the old key for `key rotate
    /// --self` and `user enrol`, the resetting admin's for `user reset`); then re-signs what `old` signed.
    func installGeneration(_ tx: any StoreTransaction, replacing old: UserRow, with fresh: UserIdentity,
                           sealedUnder passphrase: SecretBytes?, resignWith key: Ed25519KeyPair,
                           rewrapped count: Int, limits given: Argon2id.Limits? = nil) throws -> KeyMaintenanceReport {
        try retire(tx, old)
        let limits = given ?? Argon2id.Limits(opsLimit: meta.kdfOps, memLimit: meta.kdfMem)
        var row = try fresh.enrol(name: old.name, roles: old.roleSet, vaultID: meta.vaultID, enrolledBy: user,
                                  enrollerKey: identity.signing, at: nowMillis, passphrase: passphrase, limits: limits, clientID: old.clientID)
        row.roles = old.roles
        row.certificate = identity.signing.sign(UserCertificate(vaultID: meta.vaultID, row: row).bytes())
        try tx.replaceUser(row)
        try resignStatements(tx, of: old.name, with: key, as: user)
        return KeyMaintenanceReport(rewrapped: count, recoveryPublicKey: nil, fingerprint: summary(row).fingerprint)
    }

    /// After `of`'s signing key is replaced, the statements it signed that the vault keeps
    /// reading — the certificates it enrolled, the exceptions it added, the vault settings — are
    /// signed again with `key`, so the retired key is needed for nothing current. When an admin
    /// resets another admin (`signer` differs from `of`), the certificates and settings name the
    /// resetting admin; the exceptions keep their author and get a signature from `key` only when
    /// the author re-signs them itself (the old signature stays valid for its date).
    private func resignStatements(_ tx: any StoreTransaction, of name: String, with key: Ed25519KeyPair, as signer: String) throws {
        for var u in try tx.users() where u.enrolledBy == name && u.name != name {
            u.enrolledBy = signer
            u.certificate = key.sign(UserCertificate(vaultID: meta.vaultID, row: u).bytes())
            try tx.replaceUser(u)
        }
        if signer == name {
            for var e in try tx.exceptions() where e.addedBy == name {
                e.signature = key.sign(SignedStatements.exception(vaultID: meta.vaultID, e))
                try tx.updateExceptionSignature(code: e.code, signature: e.signature)
            }
        }
        try resignSettingsIfSigned(tx, by: name, with: key, as: signer)
    }

    /// When `name` signed the vault settings, signs them again with `key` (this session's
    /// current key unless given) under `signer` (this session's user unless given).
    func resignSettingsIfSigned(_ tx: any StoreTransaction, by name: String, with given: Ed25519KeyPair? = nil, as givenSigner: String? = nil) throws {
        guard meta.settingsSigner == name else { return }
        let key = given ?? identity.signing, signer = givenSigner ?? user
        var m = meta
        m.settingsSigner = signer
        guard let audit = try tx.dataKey(id: m.auditKeyID), let log = try tx.dataKey(id: m.logKeyID) else {
            throw VaultError.badData("a vault key is missing")
        }
        let sig = key.sign(SignedStatements.vaultSettings(m, auditPublicKey: audit.publicKey, logPublicKey: log.publicKey))
        try tx.updateMeta(recoveryPublicKey: m.recoveryPublicKey, settingsSigner: signer, signature: sig)
    }

    func rewrapAll(_ tx: any StoreTransaction, recipient: String, to publicKey: [UInt8],
                           open: (KeyWrapRow) throws -> SecretBytes) throws -> Int {
        var count = 0
        for w in try tx.wraps(recipient: recipient) {
            let secret = try open(w)
            try tx.insertWrap(KeyWrapRow(keyID: w.keyID, recipient: recipient, wrapped: try SealedBox.seal(secret: secret, to: publicKey)))
            count += 1
        }
        return count
    }

    func retire(_ tx: any StoreTransaction, _ old: UserRow) throws {
        let generation = try tx.userHistory(name: old.name).count + 1
        try tx.insertUserHistory(old, generation: generation, replacedAt: nowMillis)
    }
}
