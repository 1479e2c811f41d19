import Foundation
import VaultCrypto

/// Statements signed so that a database writer cannot change them unnoticed.
enum SignedStatements {
    /// The vault's settings and its audit and log public keys, signed by the root key at `init`.
    /// Checked at every open: a swapped recovery, audit or log key is refused.
    static func vaultSettings(_ m: VaultMetaRow, auditPublicKey: [UInt8], logPublicKey: [UInt8]) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/vault-settings/v1")
        e.append(m.vaultID)
        e.append(m.formatVersion)
        e.append(m.practice)
        e.append(m.createdAt)
        e.append(Int64(bitPattern: m.kdfOps))
        e.append(m.kdfMem)
        e.append(m.recoveryPublicKey)
        e.append(m.rootSigningKey)
        e.append(m.auditKeyID)
        e.append(auditPublicKey)
        e.append(m.logKeyID)
        e.append(logPublicKey)
        e.append(m.settingsSigner)
        return e.bytes
    }

    /// A data-key version, signed by the user who made it: new records are only ever written
    /// under a version whose signature verifies, so a database writer cannot slip in a key it knows.
    static func dataKey(vaultID: [UInt8], _ k: DataKeyRow) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/data-key/v1")
        e.append(vaultID)
        e.append(k.clientID)
        e.append(k.scope.rawValue)
        e.append(k.owner)
        e.append(k.version)
        e.append(k.createdAt)
        e.append(k.publicKey)
        e.append(k.signer)
        return e.bytes
    }

    /// A pending care-team grant, signed by the admin who made it. Only a verified one is
    /// completed when a key holder next works with the vault.
    static func pendingGrant(vaultID: [UInt8], _ g: CareTeamRow) -> [UInt8] {
        // The state is signed too: a revoked row's signature is never a valid pending grant.
        var e = CanonicalEncoder(label: "confidant/care-team-row/v2")
        e.append(vaultID)
        e.append(g.clientID)
        e.append(g.user)
        e.append(g.grantedBy)
        e.append(g.grantedAt)
        e.append(g.state)
        return e.bytes
    }

    /// A practice exception, signed by the admin who added it.
    static func exception(vaultID: [UInt8], _ e: ExceptionRow) -> [UInt8] {
        var enc = CanonicalEncoder(label: "confidant/exception/v2")
        enc.append(vaultID)
        enc.append(e.code)
        enc.append(e.meaning)
        enc.append(e.basis)
        enc.append(e.kind)
        enc.append(e.mustInform ? 1 : 0)
        enc.append(e.addedBy)
        enc.append(e.addedAt)
        return enc.bytes
    }

    /// A client's acknowledgement of an agreement version's keyed hash.
    static func acknowledgement(vaultID: [UInt8], recordID: String, hash: [UInt8], time: Int64, user: String) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/agreement-ack/v2")
        e.append(vaultID)
        e.append(recordID)
        e.append(hash)
        e.append(time)
        e.append(user)
        return e.bytes
    }
}
