internal import Clibsodium

/// The public half of an age X25519 key: a Bech32 string `age1…`.
///
/// Files encrypted to it can be opened only by the matching ``AgeX25519Identity``.
public struct AgeX25519Recipient: Sendable, Equatable, CustomStringConvertible {
    static let hrp = "age"
    static let stanzaType = "X25519"
    static let wrapInfo = Array("age-encryption.org/v1/X25519".utf8)

    /// The 32-byte Curve25519 public key.
    public let publicKey: [UInt8]

    /// A recipient from a raw public key.
    /// - Throws: ``CryptoError/wrongKeySize(expected:actual:)`` unless 32 bytes.
    public init(publicKey: [UInt8]) throws {
        guard publicKey.count == X25519KeyPair.publicKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: X25519KeyPair.publicKeyByteCount, actual: publicKey.count)
        }
        self.publicKey = publicKey
    }

    /// Parses `age1…` (lower case only, as age writes it).
    /// - Throws: ``AgeError/unsupported(_:)`` for hybrid post-quantum (`age1pq1…`) and plugin
    ///   recipients; ``CryptoError/invalidEncoding`` for anything that is not a valid
    ///   lower-case Bech32 X25519 recipient.
    public init(string: String) throws {
        let decoded = try Bech32.decode(string)
        guard !decoded.isUppercase else { throw CryptoError.invalidEncoding }
        if decoded.hrp == "age1pq" { throw AgeError.unsupported("hybrid post-quantum (age1pq) recipients") }
        if decoded.hrp.hasPrefix("age1") { throw AgeError.unsupported("\(decoded.hrp) plugin recipients") }
        guard decoded.hrp == Self.hrp else { throw CryptoError.invalidEncoding }
        try self.init(publicKey: decoded.data)
    }

    /// The `age1…` form.
    public var string: String {
        // Cannot fail: the prefix is fixed and valid.
        (try? Bech32.encode(hrp: Self.hrp, data: publicKey)) ?? ""
    }

    public var description: String { string }

    /// Wraps `fileKey` in a new stanza under a fresh ephemeral key.
    /// - Throws: ``CryptoError/invalidKey`` when this public key is a low-order point.
    func wrap(fileKey: SecretBytes) throws -> AgeStanza {
        try Sodium.ensureInitialized()
        let ephemeral = try SecretBytes(randomCount: X25519KeyPair.secretKeyByteCount)
        var share = [UInt8](repeating: 0, count: X25519KeyPair.publicKeyByteCount)
        _ = ephemeral.withBytePointer { crypto_scalarmult_base(&share, $0) }
        let shared = try SecretBytes(zeroedCount: Int(crypto_scalarmult_bytes()))
        let rc = shared.withBytePointer { s in
            ephemeral.withBytePointer { e in crypto_scalarmult(s, e, publicKey) }
        }
        guard rc == 0 else { throw CryptoError.invalidKey }
        let wrapKey = try HKDFSHA256.deriveKey(ikm: shared, salt: share + publicKey, info: Self.wrapInfo)
        let body = try ChaCha20Poly1305IETF.seal(secret: fileKey, key: wrapKey, nonce: ageStanzaNonce)
        return AgeStanza(arguments: [Self.stanzaType, AgeBase64.encodeString(share)], body: body)
    }
}

/// The secret half of an age X25519 key: `AGE-SECRET-KEY-1…`, held in secure memory.
public struct AgeX25519Identity: Sendable {
    static let hrp = "AGE-SECRET-KEY-"

    /// The 32-byte X25519 scalar.
    let secretKey: SecretBytes
    /// The recipient that encrypts to this identity.
    public let recipient: AgeX25519Recipient

    /// A fresh random identity.
    public static func generate() throws -> AgeX25519Identity {
        try AgeX25519Identity(secretKey: SecretBytes(randomCount: X25519KeyPair.secretKeyByteCount))
    }

    /// An identity from a raw 32-byte scalar.
    /// - Throws: ``CryptoError/wrongKeySize(expected:actual:)`` unless 32 bytes.
    public init(secretKey: SecretBytes) throws {
        try Sodium.ensureInitialized()
        guard secretKey.count == X25519KeyPair.secretKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: X25519KeyPair.secretKeyByteCount, actual: secretKey.count)
        }
        var publicKey = [UInt8](repeating: 0, count: X25519KeyPair.publicKeyByteCount)
        _ = secretKey.withBytePointer { crypto_scalarmult_base(&publicKey, $0) }
        self.secretKey = secretKey
        self.recipient = try AgeX25519Recipient(publicKey: publicKey)
    }

    /// Parses `AGE-SECRET-KEY-1…` (upper case only, as age writes it) without copying the
    /// key out of secure memory. Surrounding whitespace is not accepted.
    /// - Throws: ``AgeError/unsupported(_:)`` for hybrid (`AGE-SECRET-KEY-PQ-1…`) and plugin
    ///   identities; ``CryptoError/invalidEncoding`` for anything else that is not a valid
    ///   upper-case Bech32 X25519 identity.
    public init(string: SecretBytes) throws {
        let decoded = try Bech32.decode(secret: string)
        guard decoded.isUppercase else { throw CryptoError.invalidEncoding }
        if decoded.hrp == "AGE-SECRET-KEY-PQ-" { throw AgeError.unsupported("hybrid post-quantum (AGE-SECRET-KEY-PQ-) identities") }
        if decoded.hrp.hasPrefix("AGE-PLUGIN-") { throw AgeError.unsupported("plugin identities") }
        guard decoded.hrp == Self.hrp else { throw CryptoError.invalidEncoding }
        try self.init(secretKey: decoded.data)
    }

    /// The `AGE-SECRET-KEY-1…` form, in secure memory.
    public func encoded() throws -> SecretBytes {
        try Bech32.encode(hrp: Self.hrp, secret: secretKey, uppercase: true)
    }

    /// The file key from the first X25519 stanza addressed to this identity, or nil.
    /// - Throws: ``AgeError/headerFailure(_:)`` for a malformed X25519 stanza or an all-zero
    ///   shared secret (a low-order share).
    func unwrap(_ stanzas: [AgeStanza]) throws -> SecretBytes? {
        for stanza in stanzas where stanza.type == AgeX25519Recipient.stanzaType {
            try ageRequire(stanza, argumentCount: 2)
            guard let share = AgeBase64.decode(stanza.arguments[1].utf8), share.count == X25519KeyPair.publicKeyByteCount else {
                throw AgeError.headerFailure("X25519 share is not canonical base64 of 32 bytes")
            }
            let shared = try SecretBytes(zeroedCount: Int(crypto_scalarmult_bytes()))
            let rc = shared.withBytePointer { s in
                secretKey.withBytePointer { k in crypto_scalarmult(s, k, share) }
            }
            // libsodium returns -1 when the result is all zeros, which the spec says must abort.
            guard rc == 0 else { throw AgeError.headerFailure("X25519 shared secret is all zeros (low-order share)") }
            let wrapKey = try HKDFSHA256.deriveKey(ikm: shared, salt: share + recipient.publicKey, info: AgeX25519Recipient.wrapInfo)
            if let fileKey = try ChaCha20Poly1305IETF.openSecret(stanza.body, key: wrapKey, nonce: ageStanzaNonce) {
                return fileKey
            }
        }
        return nil
    }
}
