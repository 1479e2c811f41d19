import Foundation
import VaultCrypto

/// The statement an admin signs when enrolling a user: name, roles and both public keys.
///
/// The first admin signs its own certificate at `init`; its Ed25519 public key is the vault's
/// root key, printed then. Every other certificate is signed by an admin whose own certificate
/// chains back to the root, so a database writer cannot slip in a user or change a role
/// without the admin's secret key.
public struct UserCertificate: Sendable, Equatable {
    public var vaultID: [UInt8]
    public var name: String
    public var roles: String
    public var boxPublicKey: [UInt8]
    public var signPublicKey: [UInt8]
    public var enrolledBy: String
    public var enrolledAt: Int64
    public var clientID: String

    func bytes() -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/user-certificate/v1")
        e.append(vaultID)
        e.append(name)
        e.append(roles)
        e.append(boxPublicKey)
        e.append(signPublicKey)
        e.append(enrolledBy)
        e.append(enrolledAt)
        e.append(clientID)
        return e.bytes
    }

    init(vaultID: [UInt8], row: UserRow) {
        self.vaultID = vaultID
        name = row.name
        roles = row.roles
        boxPublicKey = row.boxPublicKey
        signPublicKey = row.signPublicKey
        enrolledBy = row.enrolledBy
        enrolledAt = row.enrolledAt
        clientID = row.clientID
    }

    /// Verifies a user's certificate chain up to the vault root.
    ///
    /// A certificate is signed by the admin named in `enrolledBy` (whose own chain must verify),
    /// or — after `key rotate --self` — by the user's own previous signing key (`enrolledBy` is
    /// the user itself), whose generation is then verified in turn. The first admin's first
    /// generation is self-signed with the root key.
    /// - Throws: ``VaultError`` (bad data) naming the user whose certificate does not verify.
    static func verifyChain(of user: UserRow, meta: VaultMetaRow, lookup: (String) throws -> UserRow?,
                            history: (String) throws -> [UserRow] = { _ in [] }) throws {
        // `current` is always one specific generation of a user's keys; each step moves to the
        // generation that signed it, so a chain ends at the root or fails.
        var current = user
        var steps = 0
        while true {
            steps += 1
            guard steps < 1000 else { throw VaultError.badData("certificate of user '\(user.name)' loops; the user table was tampered with") }
            let cert = UserCertificate(vaultID: meta.vaultID, row: current)
            if current.enrolledBy == current.name {
                if current.signPublicKey == meta.rootSigningKey, current.roleSet.contains(.admin),
                   Ed25519.isValid(signature: current.certificate, message: cert.bytes(), publicKey: current.signPublicKey) {
                    return  // the root
                }
                // A self-rotation: signed by this user's previous generation.
                let previous = try history(current.name)  // newest first
                let index = previous.firstIndex { $0.signPublicKey == current.signPublicKey }.map { $0 + 1 } ?? 0
                guard index < previous.count else {
                    throw VaultError.badData("certificate of user '\(user.name)' does not chain to the vault root key")
                }
                let prior = previous[index]
                // A generation an admin certified (keys from an enrolment code) certifies its
                // successor only within the code's 72 hours: the code's keys count for nothing later.
                let codeExpired = prior.enrolledBy != prior.name && current.enrolledAt >= prior.enrolledAt + EnrolmentCode.validityMillis
                guard !codeExpired, Ed25519.isValid(signature: current.certificate, message: cert.bytes(), publicKey: prior.signPublicKey),
                      prior.roles == current.roles, prior.clientID == current.clientID else {
                    throw VaultError.badData("certificate of user '\(current.name)' does not verify; the user table was tampered with")
                }
                current = prior
                continue
            }
            guard let signer = try lookup(current.enrolledBy) else {
                throw VaultError.badData("certificate of user '\(user.name)' names an unknown enrolling admin '\(current.enrolledBy)'")
            }
            // The signer may have rotated its keys since: the generation that signed continues the
            // chain, but only for a certificate made before that generation was retired.
            let generations = [signer] + (try history(signer.name))
            // Only an admin's own keys certify others, never keys it got from an enrolment code.
            guard let index = generations.indices.first(where: { i in
                generations[i].roleSet.contains(.admin) && generations[i].enrolledBy == generations[i].name &&
                (i == 0 || current.enrolledAt < generations[i - 1].enrolledAt) &&
                Ed25519.isValid(signature: current.certificate, message: cert.bytes(), publicKey: generations[i].signPublicKey)
            }) else {
                throw VaultError.badData("certificate of user '\(current.name)' is not signed by an admin's key valid at its date; the user table was tampered with")
            }
            current = generations[index]
        }
    }

    /// Every signing key `name` has had whose certificate chain verifies: its current key and
    /// each earlier generation kept in `user_history`. Unverifiable rows contribute nothing.
    static func verifiedSigningKeys(_ tx: any StoreTransaction, meta: VaultMetaRow, name: String) throws -> [[UInt8]] {
        guard let live = try tx.user(named: name) else { return [] }
        var out: [[UInt8]] = []
        for row in [live] + (try tx.userHistory(name: name)) {
            if (try? verifyChain(of: row, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })) != nil {
                out.append(row.signPublicKey)
            }
        }
        return out
    }

    /// The signing keys of `name` that may have signed a statement dated `time`: its current key,
    /// and each earlier verified generation retired after `time` (a generation is retired when the
    /// next one is certified, at that certificate's `enrolledAt`). A key replaced by `key rotate
    /// --self` or `user reset` so signs nothing dated after its replacement.
    static func verifiedSigningKeys(_ tx: any StoreTransaction, meta: VaultMetaRow, name: String, at time: Int64) throws -> [[UInt8]] {
        guard let live = try tx.user(named: name) else { return [] }
        let rows = [live] + (try tx.userHistory(name: name))  // newest first
        return rows.indices.compactMap { i in
            guard i == 0 || time < rows[i - 1].enrolledAt else { return nil }
            let ok = (try? verifyChain(of: rows[i], meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })) != nil
            return ok ? rows[i].signPublicKey : nil
        }
    }

    /// The roles a statement signed by `name` is judged by: its current certified roles, or, for
    /// a user removed since (no roles now), those of its last generation before the removal — so
    /// what a user signed before `user remove` keeps its standing.
    static func standingRoles(_ tx: any StoreTransaction, name: String) throws -> Set<Role> {
        guard let live = try tx.user(named: name) else { return [] }
        guard live.isRemoved else { return live.roleSet }
        return try tx.userHistory(name: name).first?.roleSet ?? []  // newest first
    }

    /// Every generation of `name`'s signing key, oldest first (the current one last); nil where
    /// a generation's certificate does not verify. A key replaced by `key rotate --self` or
    /// `user reset` signs nothing after the entry that replaced it (``retiredBefore(_:)``).
    static func signingGenerations(_ tx: any StoreTransaction, meta: VaultMetaRow, name: String) throws -> [[UInt8]?] {
        guard let live = try tx.user(named: name) else { return [] }
        return try ((try tx.userHistory(name: name)).reversed() + [live]).map { row in
            (try? verifyChain(of: row, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })) != nil
                ? row.signPublicKey : nil
        }
    }

    /// Whether a successful entry replaces the signing key of user `of` (so its earlier
    /// generations sign nothing after it).
    static func replacesKey(action: String, recordID: String, outcome: String) -> String? {
        guard outcome == Outcome.success.rawValue, ["key.rotate.self", "user.reset", "user.enrol", "user.remove"].contains(action) else { return nil }
        return recordID
    }
}
