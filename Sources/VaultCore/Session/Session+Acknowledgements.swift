import Foundation
import VaultCrypto

/// A client's acknowledgement of an agreement version, and whether it still holds.
public struct Acknowledgement: Sendable, Codable, Equatable {
    public var user: String
    public var time: String
    /// The keyed hash (hex) of the agreement text the client signed: BLAKE2b-256 of the stored
    /// compact JSON, keyed with ``hashKey``.
    public var agreementHash: String
    /// The 32-byte key (hex) of ``agreementHash``. It is stored only sealed under the client's
    /// data key, so the vault file holds no hash of the agreement anyone could test a guess against.
    public var hashKey: String
    /// The signature verifies under the client user's certified key.
    public var signatureValid: Bool
    /// The signed hash is the hash of the agreement as stored now.
    public var matchesAgreement: Bool
}

extension Session {
    /// Opens one of the client's own agreements for the client to read before acknowledging it
    /// (client users only, own agreements; logged as `agreement.show` with purpose PATRQT).
    public func openOwnAgreement(id: String) throws(VaultError) -> AgreementRecord {
        try perform(AccessIntent(action: "agreement.show", recordID: id, purpose: .patientRequest)) { tx, intent in
            let rec = try ownAgreementRow(tx, id, intent: intent, doing: "reading an agreement as the client")
            var a = try agreement(tx, rec)
            a.acknowledgements = try acknowledgements(tx, rec)
            return a
        }
    }

    /// The client signs a keyed hash of the agreement with its own key (client users only, own
    /// agreements). The hash key is random and sealed under the record's data key.
    /// - Parameter shown: the body the client was shown (``openOwnAgreement(id:)``); when given,
    ///   the stored text must still be exactly that, or nothing is signed.
    public func acknowledgeAgreement(id: String, shown: AgreementBody? = nil) throws(VaultError) -> Acknowledgement {
        try perform(AccessIntent(action: "agreement.acknowledge", recordID: id, purpose: .patientRequest)) { tx, intent in
            let rec = try ownAgreementRow(tx, id, intent: intent, doing: "acknowledging an agreement")
            let text = try openRecord(tx, rec)
            if let shown, try [UInt8](shown.canonicalJSON()) != text {
                throw VaultError.badData("agreement \(id) is not the text you were shown; nothing was signed")
            }
            let salt = try XChaCha20Poly1305.generateKey()
            let mac = try BLAKE2b.hash(text, key: salt)
            let now = nowMillis
            let sealedSalt = try XChaCha20Poly1305.sealSecret(salt, key: try recordKeySecret(tx, rec),
                                                              associatedData: Self.ackSaltAD(meta.vaultID, rec, user: user))
            let sig = identity.signing.sign(SignedStatements.acknowledgement(vaultID: meta.vaultID, recordID: id, hash: mac, time: now, user: user))
            try tx.upsertAcknowledgement(AcknowledgementRow(recordID: id, user: user, time: now, sealedSalt: sealedSalt, bodyMAC: mac, signature: sig))
            return Acknowledgement(user: user, time: Timestamp.iso(now), agreementHash: Encoding.hex(mac), hashKey: Self.hex(salt),
                                   signatureValid: true, matchesAgreement: true)
        }
    }

    /// The agreement `id`, if it is one of the signed-in client user's own.
    private func ownAgreementRow(_ tx: any StoreTransaction, _ id: String, intent: IntentBox, doing what: String) throws -> RecordRow {
        guard let rec = try tx.record(id: id), rec.kind == .agreement else {
            throw VaultError.notFound("no agreement '\(id)' in this vault")
        }
        intent.value.clientID = rec.clientID
        if roles.contains(.representative) {
            _ = try requireRepresentativeAuthority(tx, clientID: rec.clientID, intent: intent, what)
            return rec
        }
        try require(.client, what)
        guard let me = try tx.user(named: user), me.clientID == rec.clientID else {
            throw VaultError.notPermitted("agreement \(id) is not one of your own agreements")
        }
        return rec
    }

    func acknowledgements(_ tx: any StoreTransaction, _ rec: RecordRow, viaBreakGlass: Bool = false) throws -> [Acknowledgement] {
        let rows = try tx.acknowledgements(recordID: rec.id)
        if rows.isEmpty { return [] }
        let text = try openRecord(tx, rec, viaBreakGlass: viaBreakGlass)
        let key = try recordKeySecret(tx, rec, viaBreakGlass: viaBreakGlass)
        return try rows.map { a in
            let salt = try ackSalt(a, rec, key: key)
            let signer = try? certifiedUser(tx, a.user)
            let valid = signer.map {
                $0.clientID == rec.clientID &&
                Ed25519.isValid(signature: a.signature, message: SignedStatements.acknowledgement(vaultID: meta.vaultID, recordID: rec.id,
                                                                                             hash: a.bodyMAC, time: a.time, user: a.user),
                                publicKey: $0.signPublicKey)
            } ?? false
            return Acknowledgement(user: a.user, time: Timestamp.iso(a.time), agreementHash: Encoding.hex(a.bodyMAC),
                                   hashKey: Self.hex(salt), signatureValid: valid,
                                   matchesAgreement: try BLAKE2b.hash(text, key: salt) == a.bodyMAC)
        }
    }

    /// Re-seals the hash keys of a record's acknowledgements when rotation moves the record from
    /// `old` to `new` (the signed hashes themselves do not change).
    func resealAcknowledgements(_ tx: any StoreTransaction, from old: RecordRow, to new: RecordRow, oldKey: SecretBytes, newKey: SecretBytes) throws {
        for var a in try tx.acknowledgements(recordID: old.id) {
            let salt = try ackSalt(a, old, key: oldKey)
            a.sealedSalt = try XChaCha20Poly1305.sealSecret(salt, key: newKey, associatedData: Self.ackSaltAD(meta.vaultID, new, user: a.user))
            try tx.upsertAcknowledgement(a)
        }
    }

    private func ackSalt(_ a: AcknowledgementRow, _ rec: RecordRow, key: SecretBytes) throws -> SecretBytes {
        do {
            return try XChaCha20Poly1305.openSecret(a.sealedSalt, key: key, associatedData: Self.ackSaltAD(meta.vaultID, rec, user: a.user))
        } catch {
            throw VaultError.badData("the acknowledgement of agreement \(rec.id) by '\(a.user)' does not open; the vault was tampered with")
        }
    }

    private static func hex(_ s: SecretBytes) -> String { s.withUnsafeBytes { Encoding.hex(Array($0)) } }

    /// Binds a sealed hash key to its vault, record, key version and client user.
    static func ackSaltAD(_ vaultID: [UInt8], _ rec: RecordRow, user: String) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/ack-salt/v1")
        e.append(vaultID)
        e.append(rec.id)
        e.append(rec.keyVersion)
        e.append(user)
        return e.bytes
    }
}
