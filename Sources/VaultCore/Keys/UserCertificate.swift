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
    /// - Throws: ``VaultError`` (bad data) naming the user whose certificate does not verify.
    static func verifyChain(of user: UserRow, meta: VaultMetaRow, lookup: (String) throws -> UserRow?) throws {
        // A chain longer than the user table is a loop; `seen` catches it.
        var current = user
        var seen = Set<String>()
        while true {
            guard seen.insert(current.name).inserted else {
                throw VaultError.badData("certificate of user '\(user.name)' loops; the user table was tampered with")
            }
            let cert = UserCertificate(vaultID: meta.vaultID, row: current)
            let signerKey: [UInt8]
            if current.enrolledBy == current.name {
                // Self-signed: only the root may be.
                guard current.signPublicKey == meta.rootSigningKey else {
                    throw VaultError.badData("certificate of user '\(user.name)' does not chain to the vault root key")
                }
                signerKey = current.signPublicKey
            } else {
                guard let signer = try lookup(current.enrolledBy) else {
                    throw VaultError.badData("certificate of user '\(user.name)' names an unknown enrolling admin '\(current.enrolledBy)'")
                }
                guard signer.roles.split(separator: ",").contains("admin") else {
                    throw VaultError.badData("certificate of user '\(user.name)' was signed by '\(signer.name)', who is not an admin")
                }
                signerKey = signer.signPublicKey
                guard Ed25519.isValid(signature: current.certificate, message: cert.bytes(), publicKey: signerKey) else {
                    throw VaultError.badData("certificate of user '\(current.name)' does not verify; the user table was tampered with")
                }
                current = signer
                continue
            }
            guard Ed25519.isValid(signature: current.certificate, message: cert.bytes(), publicKey: signerKey) else {
                throw VaultError.badData("certificate of user '\(current.name)' does not verify; the user table was tampered with")
            }
            return
        }
    }
}
