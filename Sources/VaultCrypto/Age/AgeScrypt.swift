internal import Clibsodium

/// The age passphrase recipient: scrypt (r = 8, p = 1) through libsodium's
/// `crypto_pwhash_scryptsalsa208sha256_ll`.
internal enum AgeScrypt {
    static let stanzaType = "scrypt"
    static let saltByteCount = 16
    static let saltLabel = Array("age-encryption.org/v1/scrypt".utf8)
    /// Encryption accepts work factors 1…30 (2³⁰ × 1 KiB is already 1 TiB of memory).
    static let workFactorRange = 1...30

    /// scrypt(N = 2^workFactor, r = 8, p = 1, dkLen = 32, S = label ‖ salt, P = passphrase).
    /// - Throws: ``CryptoError/keyDerivationFailed`` when libsodium refuses (usually memory).
    static func wrapKey(passphrase: SecretBytes, salt: [UInt8], workFactor: Int) throws -> SecretBytes {
        try Sodium.ensureInitialized()
        guard workFactor >= 1, workFactor < 64 else { throw CryptoError.keyDerivationFailed }
        let key = try SecretBytes(zeroedCount: ChaCha20Poly1305IETF.keyByteCount)
        let s = saltLabel + salt
        let rc = key.withBytePointer { k in
            passphrase.withBytePointer { p in
                crypto_pwhash_scryptsalsa208sha256_ll(p, passphrase.count, s, s.count,
                                                       UInt64(1) << UInt64(workFactor), 8, 1,
                                                       k, ChaCha20Poly1305IETF.keyByteCount)
            }
        }
        guard rc == 0 else { throw CryptoError.keyDerivationFailed }
        return key
    }

    /// A new scrypt stanza wrapping `fileKey` under `passphrase`, with a fresh salt.
    static func wrap(fileKey: SecretBytes, passphrase: SecretBytes, workFactor: Int) throws -> AgeStanza {
        guard workFactorRange.contains(workFactor) else {
            throw AgeError.unsupported("scrypt work factor \(workFactor) is outside \(workFactorRange)")
        }
        let salt = Random.bytes(saltByteCount)
        let key = try wrapKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
        let body = try ChaCha20Poly1305IETF.seal(secret: fileKey, key: key, nonce: ageStanzaNonce)
        return AgeStanza(arguments: [stanzaType, AgeBase64.encodeString(salt), String(workFactor)], body: body)
    }

    /// The file key from the scrypt stanza, or nil when the passphrase does not open it.
    /// - Throws: ``AgeError/headerFailure(_:)`` for a malformed stanza, an scrypt stanza that
    ///   is not alone, or a work factor above `maxWorkFactor`.
    static func unwrap(_ stanzas: [AgeStanza], passphrase: SecretBytes, maxWorkFactor: Int) throws -> SecretBytes? {
        guard let stanza = stanzas.first(where: { $0.type == stanzaType }) else { return nil }
        guard stanzas.count == 1 else { throw AgeError.headerFailure("an scrypt stanza must be the only stanza") }
        try ageRequire(stanza, argumentCount: 3)
        guard let salt = AgeBase64.decode(stanza.arguments[1].utf8), salt.count == saltByteCount else {
            throw AgeError.headerFailure("scrypt salt is not canonical base64 of 16 bytes")
        }
        let workFactor = try parseWorkFactor(stanza.arguments[2])
        guard workFactor <= maxWorkFactor else {
            throw AgeError.headerFailure("scrypt work factor \(workFactor) exceeds the limit \(maxWorkFactor)")
        }
        let key = try wrapKey(passphrase: passphrase, salt: salt, workFactor: workFactor)
        return try ChaCha20Poly1305IETF.openSecret(stanza.body, key: key, nonce: ageStanzaNonce)
    }

    /// `^[1-9][0-9]*$`, read without overflow (anything over 99 is refused outright).
    static func parseWorkFactor(_ text: String) throws -> Int {
        let digits = Array(text.utf8)
        guard let first = digits.first, (49...57).contains(first),
              digits.allSatisfy({ (48...57).contains($0) }) else {
            throw AgeError.headerFailure("scrypt work factor is not a decimal number without leading zeros")
        }
        guard digits.count <= 2 else { throw AgeError.headerFailure("scrypt work factor \(text) is too large") }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }
}
