import Foundation
import VaultCrypto

/// A user's two key pairs, unlocked: X25519 for unwrapping data keys, Ed25519 for signing.
package struct UserIdentity: Sendable {
    package let box: X25519KeyPair
    package let signing: Ed25519KeyPair

    static func generate() throws -> UserIdentity {
        UserIdentity(box: try X25519KeyPair.generate(), signing: try Ed25519KeyPair.generate())
    }

    /// Seals `boxSecret ‖ signSeed` under Argon2id(passphrase) with XChaCha20-Poly1305.
    func seal(vaultID: [UInt8], user: String, passphrase: SecretBytes, limits: Argon2id.Limits) throws -> (salt: [UInt8], sealed: [UInt8]) {
        let salt = Argon2id.generateSalt()
        let key = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        let secrets = try box.secretKey.appending(try signing.seed())
        let sealed = try XChaCha20Poly1305.sealSecret(secrets, key: key, associatedData: AssociatedData.forUserSecrets(vaultID: vaultID, user: user))
        return (salt, sealed)
    }

    /// Opens a user's sealed secrets.
    /// - Throws: ``VaultError`` not permitted (77) on a wrong passphrase.
    static func unseal(row: UserRow, vaultID: [UInt8], passphrase: SecretBytes) throws -> UserIdentity {
        let limits = Argon2id.Limits(opsLimit: row.kdfOps, memLimit: row.kdfMem)
        guard limits.isAcceptable else {
            throw VaultError.badData("user '\(row.name)' has key-derivation limits below the floor; the vault was tampered with")
        }
        let key: SecretBytes
        do { key = try Argon2id.deriveKey(passphrase: passphrase, salt: row.salt, limits: limits) } catch {
            throw VaultError.internalError("could not derive the passphrase key (not enough memory for Argon2id?)")
        }
        let secrets: SecretBytes
        do {
            secrets = try XChaCha20Poly1305.openSecret(row.sealedSecrets, key: key,
                                                       associatedData: AssociatedData.forUserSecrets(vaultID: vaultID, user: row.name))
        } catch {
            throw VaultError.notPermitted("wrong passphrase for user '\(row.name)'")
        }
        guard secrets.count == 64 else { throw VaultError.badData("the sealed keys of user '\(row.name)' are malformed") }
        let box = try X25519KeyPair(secretKey: try secrets.slice(0..<32))
        let signing = try Ed25519KeyPair(seed: try secrets.slice(32..<64))
        return UserIdentity(box: box, signing: signing)
    }

    /// Builds the stored row for a new user: certificate signed by `enrollerKey`; the secrets
    /// sealed under `passphrase`, or none (a pending user, whose keys the enrolment code gives).
    func enrol(name: String, roles: Set<Role>, vaultID: [UInt8], enrolledBy: String, enrollerKey: Ed25519KeyPair,
               at ms: Int64, passphrase: SecretBytes?, limits: Argon2id.Limits, clientID: String = "") throws -> UserRow {
        let (salt, sealed) = try passphrase.map { try seal(vaultID: vaultID, user: name, passphrase: $0, limits: limits) } ?? ([], [])
        var row = UserRow(name: name, roles: Role.format(roles), boxPublicKey: box.publicKey, signPublicKey: signing.publicKey,
                          enrolledBy: enrolledBy, enrolledAt: ms, certificate: [], salt: salt,
                          kdfOps: limits.opsLimit, kdfMem: limits.memLimit, sealedSecrets: sealed, clientID: clientID)
        row.certificate = enrollerKey.sign(UserCertificate(vaultID: vaultID, row: row).bytes())
        return row
    }
}
