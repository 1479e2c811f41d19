import Foundation
import VaultCrypto

/// What `user remove` did.
public struct RemovalReport: Sendable, Codable, Equatable {
    public var user: String
    /// Clients whose care team the user left (each a signed `careteam.revoke` entry and a new
    /// care-key version), or whose care key rotated because the user was that client.
    public var clients: [String]
    /// Of those, the clients whose older records still wait to be re-encrypted under the new
    /// key: the next rotation by a key holder (or `key rotate --resume` with the recovery key)
    /// finishes them.
    public var reEncryptionPending: [String]
    /// Key wraps deleted (care, psychotherapy, audit and log keys, break-glass copies).
    public var wrapsDeleted: Int
}

extension Vault {
    /// Enrols user `name` with the one-time code its admin gave it: checks the code against the
    /// admin's certificate (the keys it derives must be the certified ones) and its 72-hour
    /// validity, then gives the user fresh key pairs certified by the code's keys, re-wraps to
    /// them every key the admin handed over, and seals them under `passphrase` (with `kdf`, or the
    /// vault's key derivation). One signed `user.enrol` entry; afterwards the code opens nothing.
    /// - Throws: ``VaultError`` usage (64) for a malformed name or code, or a short passphrase;
    ///   not permitted (77), logged, for an unknown or removed user, one already enrolled, an
    ///   expired or wrong code.
    public func enrol(user name: String, code: SecretBytes, passphrase: SecretBytes, kdf: KDFStrength? = nil) throws(VaultError) -> UserSummary {
        try VaultError.typed {
            try UserName.validate(name)
            try PassphrasePolicy.check(passphrase, "the new passphrase")
            let limits = try userLimits(kdf, current: nil)
            // A refused enrolment is logged as a refused unlock (unsigned: the user has no key yet).
            let intent = AccessIntent(action: "session.unlock")
            let row = try pendingUser(name, intent)
            let identity = try EnrolmentCode.identity(code: code, vaultID: meta.vaultID, name: name)
            guard identity.box.publicKey == row.boxPublicKey, identity.signing.publicKey == row.signPublicKey else {
                logUnauthenticated(actor: name, intent: intent, outcome: .denied, detail: "enrol:wrong-code")
                throw VaultError.notPermitted("that is not the enrolment code of '\(name)'; check it with your admin")
            }
            let session = Session(vault: self, user: row, identity: identity)
            return try session.completeEnrolment(passphrase: passphrase, limits: limits)
        }
    }

    /// The certified row of `name`, which must be waiting to enrol with a code still valid.
    private func pendingUser(_ name: String, _ intent: AccessIntent) throws -> UserRow {
        guard let row = try store.read({ tx in try tx.user(named: name) }) else {
            logUnauthenticated(actor: name, intent: intent, outcome: .denied, detail: "unknown-user")
            throw VaultError.notPermitted("user '\(name)' is not in this vault; check the name with your admin")
        }
        let issuerRemoved = try store.read { tx -> Bool in
            try UserCertificate.verifyChain(of: row, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })
            return try tx.user(named: row.enrolledBy)?.isRemoved ?? true
        }
        let refusal: (String, String)? =
            if row.isRemoved { ("removed-user", "user '\(name)' was removed from this vault") }
            else if row.isPending && issuerRemoved {
                ("issuer-removed", "the admin who issued the enrolment code of '\(name)' was removed; ask another admin for a new one ('confidant user reset \(name)')")
            }
            else if !row.isPending {
                ("already-enrolled", "user '\(name)' has already enrolled, so its enrolment code is used up; change the passphrase with 'confidant user passwd'")
            } else if Int64(now().timeIntervalSince1970 * 1000) >= row.enrolledAt + EnrolmentCode.validityMillis {
                ("code-expired", "the enrolment code of '\(name)' expired at \(Timestamp.iso(row.enrolledAt + EnrolmentCode.validityMillis)); ask an admin for a new one ('confidant user reset \(name)')")
            } else { nil }
        if let (detail, message) = refusal {
            logUnauthenticated(actor: name, intent: intent, outcome: .denied, detail: "enrol:" + detail)
            throw VaultError.notPermitted(message)
        }
        return row
    }

    /// Refuses to unlock a user that has not enrolled yet or was removed (logged as denied).
    func refuseUnlockUnlessEnrolled(_ row: UserRow, _ intent: AccessIntent) throws {
        if row.isRemoved {
            logUnauthenticated(actor: row.name, intent: intent, outcome: .denied, detail: "removed-user")
            throw VaultError.notPermitted("user '\(row.name)' was removed from this vault")
        }
        if row.isPending {
            logUnauthenticated(actor: row.name, intent: intent, outcome: .denied, detail: "not-enrolled")
            throw VaultError.notPermitted("user '\(row.name)' has not enrolled yet: run 'confidant user enrol \(row.name)' with the enrolment code from your admin")
        }
    }

    /// The Argon2id limits for a user's passphrase: `kdf` when given (never weaker than the
    /// vault's setting), else `current` (the user's own), else the vault's.
    func userLimits(_ kdf: KDFStrength?, current: Argon2id.Limits?) throws -> Argon2id.Limits {
        let floor = Argon2id.Limits(opsLimit: meta.kdfOps, memLimit: meta.kdfMem)
        guard let kdf else { return current ?? floor }
        let l = kdf.limits
        guard l.opsLimit >= floor.opsLimit, l.memLimit >= floor.memLimit else {
            throw VaultError.usage("--kdf \(kdf.rawValue) is weaker than this vault's key derivation; choose it or a stronger one")
        }
        return l
    }
}

extension Session {
    /// The enrolment itself, in a session holding the code's keys (see ``Vault/enrol(user:code:passphrase:kdf:)``).
    func completeEnrolment(passphrase: SecretBytes, limits: Argon2id.Limits) throws -> UserSummary {
        let fresh = try UserIdentity.generate()
        let row = try perform(AccessIntent(action: "user.enrol", recordID: user, purpose: .operations)) { tx, intent in
            guard let old = try tx.user(named: user), old.isPending, old.signPublicKey == identity.signing.publicKey else {
                throw VaultError.notPermitted("user '\(user)' has already enrolled")
            }
            let count = try rewrapAll(tx, recipient: recipient, to: fresh.box.publicKey) { try SealedBox.openSecret($0.wrapped, keyPair: self.identity.box) }
                + rewrapAll(tx, recipient: "emergency:\(user)", to: fresh.box.publicKey) { try SealedBox.openSecret($0.wrapped, keyPair: self.identity.box) }
            intent.value.successDetail = "rewrapped:\(count)"
            _ = try installGeneration(tx, replacing: old, with: fresh, sealedUnder: passphrase, resignWith: fresh.signing,
                                      rewrapped: count, limits: limits)
            return try tx.user(named: user) ?? old
        }
        identity = fresh
        return summary(row)
    }

    /// Deprovisions user `name` (admin): it leaves every care team (each a `careteam.revoke`
    /// with a new care-key version, as ``revoke(clientID:from:)``), then one `user.remove` entry
    /// deletes every key wrapped to it, rotates its own client's key when it is a client user,
    /// and certifies a removed row with no roles and no keys. Its earlier key generations stay
    /// in the history, so its log entries and signatures keep verifying for their dates; its key
    /// signs nothing after the removal. Psychotherapy notes it wrote stay readable only through
    /// the recovery key. Run again after an interruption, it continues where it stopped.
    /// - Throws: ``VaultError`` not permitted (77) unless admin, or for oneself; not found (66);
    ///   usage (64) when it is the last care-team member of a client (named), before any change.
    public func removeUser(_ name: String) throws(VaultError) -> RemovalReport {
        try VaultError.typed {
            try TextInput.validate(name, field: "the user name")
            let intent = AccessIntent(action: "user.remove", recordID: name, purpose: .operations)
            let teams = try removalTeams(name, intent)
            var report = RemovalReport(user: name, clients: [], reEncryptionPending: [], wrapsDeleted: 0)
            for clientID in teams {
                let change = try revoke(clientID: clientID, from: name)
                report.clients.append(clientID)
                if change.reEncryption == .pending { report.reEncryptionPending.append(clientID) }
            }
            let (deleted, job) = try perform(intent) { tx, box in try removeInTransaction(tx, name, box) }
            report.wrapsDeleted = deleted
            if let job {
                report.clients.append(job.clientID)
                if try canRunRotation(job) { _ = try runJob(job, report: { _ in }) } else { report.reEncryptionPending.append(job.clientID) }
            }
            return report
        }
    }

    /// The clients whose care team `name` is on; refuses (logged) before any change when removing
    /// it is not allowed.
    private func removalTeams(_ name: String, _ intent: AccessIntent) throws -> [String] {
        do {
            return try vault.store.read { tx -> [String] in
                try require(.admin, "removing a user")
                guard name != user else { throw VaultError.notPermitted("an admin cannot remove itself; ask another admin") }
                let target = try certifiedUser(tx, name)
                guard !target.isRemoved else { throw VaultError.notPermitted("user '\(name)' was already removed") }
                var teams: [String] = [], alone: [String] = []
                for row in try tx.careTeams(user: name) where row.state != "revoked" {
                    teams.append(row.clientID)
                    let others = try tx.careTeam(clientID: row.clientID).filter { $0.user != name && $0.state == "active" }
                    if others.isEmpty { alone.append(row.clientID) }
                }
                guard alone.isEmpty else {
                    throw VaultError.usage("'\(name)' is the last care-team member of client \(alone.sorted().joined(separator: ", ")); grant another therapist first")
                }
                return teams.sorted()
            }
        } catch {
            throw logRefusal(intent, error)
        }
    }

    private func removeInTransaction(_ tx: any StoreTransaction, _ name: String, _ box: IntentBox) throws -> (Int, RotationJobRow?) {
        let old = try certifiedUser(tx, name)
        guard !old.isRemoved else { throw VaultError.notPermitted("user '\(name)' was already removed") }
        var deleted = 0
        for recipient in ["user:\(name)", "emergency:\(name)"] {
            var clientIDs = Set<String>()
            for w in try tx.wraps(recipient: recipient) { clientIDs.insert(try tx.dataKey(id: w.keyID)?.clientID ?? "") }
            for c in clientIDs { deleted += try tx.deleteWraps(clientID: c, recipient: recipient) }
        }
        try retire(tx, old)
        var row = UserRow(name: name, roles: "", boxPublicKey: [UInt8](repeating: 0, count: 32), signPublicKey: [UInt8](repeating: 0, count: 32),
                          enrolledBy: user, enrolledAt: nowMillis, certificate: [], salt: [], kdfOps: old.kdfOps, kdfMem: old.kdfMem,
                          sealedSecrets: [], clientID: "")
        row.certificate = identity.signing.sign(UserCertificate(vaultID: meta.vaultID, row: row).bytes())
        try tx.replaceUser(row)
        try resignSettingsIfSigned(tx, by: name)
        box.value.successDetail = "wraps-deleted:\(deleted)"
        guard !old.clientID.isEmpty else { return (deleted, nil) }
        let team = try tx.careTeam(clientID: old.clientID).filter { $0.state == "active" }.map(\.user)
        box.value.clientID = old.clientID
        return (deleted, try newCareKeyVersion(tx, clientID: old.clientID, team: team).1)
    }
}
