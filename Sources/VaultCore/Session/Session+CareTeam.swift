import Foundation
import VaultCrypto

/// The result of a grant or revoke.
public struct CareTeamChange: Sendable, Codable, Equatable {
    public var clientID: String
    public var user: String
    /// `active` (keys wrapped), `pending` (waiting for a key holder) or `revoked`.
    public var state: String
    /// After a revoke: the new current key version.
    public var keyVersion: Int?
    /// After a revoke: whether the older records were re-encrypted under the new version at
    /// once, or wait in a journaled rotation job for someone who holds the client key.
    public var reEncryption: ReEncryption?
    /// After a revoke that re-encrypted at once: how many records moved.
    public var recordsReEncrypted: Int?
}

/// What happened to the older records after a revoke made a new key version current.
public enum ReEncryption: String, Sendable, Codable, Equatable {
    /// Re-encrypted under the new version in this call.
    case done
    /// Left to a journaled rotation job: the actor (an admin off the care team, without the
    /// recovery key) cannot unwrap the client key. `key rotate --resume` by a care-team
    /// therapist, or by an admin with the recovery key, finishes it.
    case pending
}

extension Session {
    /// Puts `member` on the care team of `clientID`, wrapping every live care-key version to it.
    ///
    /// The actor must hold the client key: a care-team therapist does; an admin does after
    /// ``useRecoveryKey(path:)``. An admin without it records a pending grant, completed the
    /// next time a care-team member unlocks.
    public func grant(clientID: String, to member: String) throws(VaultError) -> CareTeamChange {
        try TextInput.validate(member, field: "the user name")
        return try perform(AccessIntent(action: "careteam.grant", clientID: clientID, recordID: member)) { tx, _ in
            try requireAny([.therapist, .admin], "granting care-team access")
            _ = try existingClient(tx, clientID)
            let onTeam = try isOnCareTeam(tx, clientID)
            guard onTeam || roles.contains(.admin) else {
                throw VaultError.notPermitted("only a care-team therapist of client \(clientID) or an admin can grant access")
            }
            let target = try certifiedUser(tx, member)
            guard !target.isPending else {
                throw VaultError.notPermitted("user '\(member)' has not enrolled yet; grant access after it runs 'confidant user enrol \(member)'")
            }
            guard target.roleSet.contains(.therapist) else {
                throw VaultError.usage("user '\(member)' is not a therapist and cannot be on a care team")
            }
            if try tx.careTeam(clientID: clientID).contains(where: { $0.user == member && $0.state == "active" }) {
                return CareTeamChange(clientID: clientID, user: member, state: "active")
            }
            let canWrap = onTeam || recovery != nil
            if canWrap {
                try wrapCareKeys(tx, clientID: clientID, to: target)
            }
            var row = CareTeamRow(clientID: clientID, user: member, grantedBy: user, grantedAt: nowMillis, state: canWrap ? "active" : "pending")
            if !canWrap { row.signature = identity.signing.sign(SignedStatements.pendingGrant(vaultID: meta.vaultID, row)) }
            try tx.upsertCareTeam(row)
            return CareTeamChange(clientID: clientID, user: member, state: row.state)
        }
    }

    func wrapCareKeys(_ tx: any StoreTransaction, clientID: String, to target: UserRow) throws {
        for key in try tx.dataKeys(clientID: clientID) where key.scope == .care && key.state != "destroyed" {
            let secret = try unwrap(tx, key)
            try tx.insertWrap(KeyWrapRow(keyID: key.id, recipient: "user:\(target.name)",
                                         wrapped: try SealedBox.seal(secret: secret, to: target.boxPublicKey)))
        }
    }

    /// Removes `member` from the care team: deletes every key of this client wrapped to it at
    /// once and makes a new care-key version, wrapped to the remaining team and recovery, current
    /// before anything new is written. Then re-encrypts the older records under it when this
    /// user can unwrap the client key; otherwise the journaled job stays pending (an admin off
    /// the care team revokes without holding the key) and the result says so.
    /// - Throws: ``VaultError`` before the revoke commits as usual; a failure of the
    ///   re-encryption after it committed says that the revoke itself stands.
    public func revoke(clientID: String, from member: String) throws(VaultError) -> CareTeamChange {
        try VaultError.typed {
            try TextInput.validate(member, field: "the user name")
            var (change, job) = try revokeMember(clientID: clientID, member: member)
            guard try canRunRotation(job) else {
                change.reEncryption = .pending
                return change
            }
            do {
                change.recordsReEncrypted = try runJob(job, report: { _ in })
                change.reEncryption = .done
                return change
            } catch let e as VaultError {
                throw VaultError(e.kind, "revoked '\(member)' from client \(clientID), but re-encrypting its older records failed (\(e.message)); 'confidant key rotate --resume' finishes it")
            }
        }
    }

    /// True when this session can unwrap the key a rotation job re-encrypts under, or the job
    /// has nothing left to do (a later rotation destroyed its key) and only needs closing.
    func canRunRotation(_ job: RotationJobRow) throws -> Bool {
        try vault.store.read { tx in
            guard let target = try tx.dataKey(id: job.toKeyID), target.state != "destroyed" else { return true }
            if try tx.wrap(keyID: job.toKeyID, recipient: recipient) != nil { return true }
            guard recovery != nil else { return false }
            return try tx.wrap(keyID: job.toKeyID, recipient: "recovery") != nil
        }
    }

    private func revokeMember(clientID: String, member: String) throws -> (CareTeamChange, RotationJobRow) {
        try perform(AccessIntent(action: "careteam.revoke", clientID: clientID, recordID: member)) { tx, _ in
            try requireAny([.therapist, .admin], "revoking care-team access")
            _ = try existingClient(tx, clientID)
            guard try isOnCareTeam(tx, clientID) || roles.contains(.admin) else {
                throw VaultError.notPermitted("only a care-team therapist of client \(clientID) or an admin can revoke access")
            }
            let team = try tx.careTeam(clientID: clientID).filter { $0.state != "revoked" }
            guard team.contains(where: { $0.user == member }) else {
                throw VaultError.notFound("user '\(member)' is not on the care team of client \(clientID)")
            }
            let remaining = team.filter { $0.user != member && $0.state == "active" }.map(\.user)
            guard !remaining.isEmpty else {
                throw VaultError.usage("'\(member)' is the last care-team member of client \(clientID); grant another therapist first")
            }
            _ = try tx.deleteWraps(clientID: clientID, recipient: "user:\(member)")
            _ = try tx.deleteWraps(clientID: clientID, recipient: "emergency:\(member)")
            // Kept as "revoked" so no later key version is wrapped to it for break-glass either.
            var revokedRow = CareTeamRow(clientID: clientID, user: member, grantedBy: user, grantedAt: nowMillis, state: "revoked")
            revokedRow.signature = identity.signing.sign(SignedStatements.pendingGrant(vaultID: meta.vaultID, revokedRow))
            try tx.upsertCareTeam(revokedRow)
            let (key, job) = try newCareKeyVersion(tx, clientID: clientID, team: remaining)
            return (CareTeamChange(clientID: clientID, user: member, state: "revoked", keyVersion: key.version), job)
        }
    }

    /// Retires the client's current care key and makes the next version, wrapped to `team`, the
    /// client's own users and recovery; journals the re-encryption of older records under it
    /// (run at once by the caller when it can, finished by any later rotation otherwise).
    func newCareKeyVersion(_ tx: any StoreTransaction, clientID: String, team: [String]) throws -> (DataKeyRow, RotationJobRow) {
        let old = try currentCareKey(tx, clientID)
        try tx.setDataKeyState(id: old.id, state: "retired")
        let clientUsers = try clientKeyHolders(tx, clientID)
        let (key, _) = try createDataKey(tx, clientID: clientID, scope: .care, owner: "", version: old.version + 1,
                                         recipients: team + clientUsers)
        var job = RotationJobRow(id: 0, clientID: clientID, scope: KeyScope.care.rawValue, owner: "",
                                 toKeyID: key.id, state: "running", actor: user, startedAt: nowMillis, finishedAt: 0)
        job.id = try tx.insertRotationJob(job)
        return (key, job)
    }

    /// Completes work that waits for a key holder: care-team grants an admin made without the
    /// client key (only those whose admin signature and certificates verify), and hand-overs of
    /// the audit and log keys to compliance officers and admins enrolled by someone who did not
    /// hold them; and the rotation a client's key needs after an emergency window ended. A session
    /// unlocked with ``Session/PendingWork/afterFirstSuccess(report:)`` runs it by itself.
    /// - Returns: the errors of the pieces that could not be completed (each already logged by
    ///   its own refused or failed entry); the other pieces are done.
    @discardableResult
    public func completePendingWork() throws(VaultError) -> [VaultError] {
        try VaultError.typed {
            var errors: [VaultError] = []
            func attempt(_ body: () throws -> Void) {
                do { try body() } catch let e as VaultError { errors.append(e) } catch {
                    errors.append(VaultError.internalError("pending work failed (\(error))"))
                }
            }
            for p in try pendingGrantsIHold() { attempt { try completeGrant(p) } }
            // Vault keys for users enrolled by an admin who did not hold them.
            for (keyID, target, action) in try missingVaultKeyHandOvers() {
                attempt { try perform(AccessIntent(action: action, recordID: target.name)) { tx, _ in try wrapVaultKeyIfHeld(tx, keyID, to: target) } }
            }
            for clientID in try clientsWithEndedReleases() { attempt { _ = try rotateClient(clientID) } }
            return errors
        }
    }

    /// Pending grants of the clients whose care team this user is on.
    private func pendingGrantsIHold() throws -> [CareTeamRow] {
        try vault.store.read { tx -> [CareTeamRow] in
            var out: [CareTeamRow] = []
            for mine in try tx.careTeams(user: user) where mine.state == "active" {
                out += try tx.careTeam(clientID: mine.clientID).filter { $0.state == "pending" }
            }
            return out
        }
    }

    /// Completes an admin's grant: checks its signature and the grantee, wraps the care keys.
    private func completeGrant(_ p: CareTeamRow) throws {
        try perform(AccessIntent(action: "careteam.grant", clientID: p.clientID, recordID: p.user)) { tx, _ in
            let grantor = try certifiedUser(tx, p.grantedBy)
            guard grantor.roleSet.contains(.admin),
                  Ed25519.isValid(signature: p.signature, message: SignedStatements.pendingGrant(vaultID: meta.vaultID, p),
                                  publicKey: grantor.signPublicKey) else {
                throw VaultError.badData("the pending grant of client \(p.clientID) to '\(p.user)' is not signed by an admin; the vault was tampered with")
            }
            let target = try certifiedUser(tx, p.user)
            guard target.roleSet.contains(.therapist) else {
                throw VaultError.badData("pending grant to '\(p.user)', who is not a therapist")
            }
            try wrapCareKeys(tx, clientID: p.clientID, to: target)
            var done = p
            done.state = "active"
            try tx.upsertCareTeam(done)
        }
    }

    /// The audit and log keys this user holds and users of the right role lack.
    private func missingVaultKeyHandOvers() throws -> [(Int64, UserRow, String)] {
        let handOvers: [(Int64, Set<Role>, String)] = [(meta.auditKeyID, [.compliance], "audit-key.grant"),
                                                       (meta.logKeyID, [.compliance, .admin, .therapist], "log-key.grant")]
        return try vault.store.read { tx in
            var out: [(Int64, UserRow, String)] = []
            for (keyID, wanted, action) in handOvers where try tx.wrap(keyID: keyID, recipient: recipient) != nil {
                for u in try tx.users() where !u.roleSet.isDisjoint(with: wanted) && !u.isPending {
                    if try tx.wrap(keyID: keyID, recipient: "user:\(u.name)") == nil { out.append((keyID, u, action)) }
                }
            }
            return out
        }
    }

    /// The client's key rotates when an emergency release's window has ended: the first command
    /// of a care-team therapist afterwards rotates it (the requester's copy then opens nothing
    /// written later, and is destroyed with the old version once every record moved).
    func clientsWithEndedReleases() throws -> [String] {
        try vault.store.read { tx -> [String] in
            let ended = Set(try emergencyRequests(tx).filter { $0.state == "ended" }.map(\.client))
            return try ended.sorted().filter { try isOnCareTeam(tx, $0) }
        }
    }
}
