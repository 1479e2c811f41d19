internal import Clibsodium
import Foundation

/// An X25519 key pair for `crypto_box` and sealed boxes. The secret half lives in secure memory.
public struct X25519KeyPair: Sendable {
    /// Public key length (32).
    public static let publicKeyByteCount = Int(crypto_box_publickeybytes())
    /// Secret key length (32).
    public static let secretKeyByteCount = Int(crypto_box_secretkeybytes())

    public let publicKey: [UInt8]
    public let secretKey: SecretBytes

    /// A fresh random key pair.
    public static func generate() throws -> X25519KeyPair {
        try Sodium.ensureInitialized()
        var pk = [UInt8](repeating: 0, count: publicKeyByteCount)
        let sk = try SecretBytes(zeroedCount: secretKeyByteCount)
        sk.withBytePointer { s in
            _ = crypto_box_keypair(&pk, s)
        }
        return X25519KeyPair(checkedPublicKey: pk, secretKey: sk)
    }

    /// Rebuilds the pair from a stored secret key (public key = X25519 base-point multiple).
    public init(secretKey: SecretBytes) throws {
        try Sodium.ensureInitialized()
        guard secretKey.count == Self.secretKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: Self.secretKeyByteCount, actual: secretKey.count)
        }
        var pk = [UInt8](repeating: 0, count: Self.publicKeyByteCount)
        secretKey.withBytePointer { s in
            _ = crypto_scalarmult_base(&pk, s)
        }
        self.publicKey = pk
        self.secretKey = secretKey
    }

    /// Pairs a public and a secret key of the right sizes (they are not checked to match).
    /// - Throws: ``CryptoError/wrongKeySize(expected:actual:)``.
    public init(publicKey: [UInt8], secretKey: SecretBytes) throws {
        guard publicKey.count == Self.publicKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: Self.publicKeyByteCount, actual: publicKey.count)
        }
        guard secretKey.count == Self.secretKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: Self.secretKeyByteCount, actual: secretKey.count)
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private init(checkedPublicKey: [UInt8], secretKey: SecretBytes) {
        self.publicKey = checkedPublicKey
        self.secretKey = secretKey
    }
}

/// Anonymous sealed boxes (`crypto_box_seal`): anyone with the public key can seal, only the
/// secret key holder can open. Used to wrap data keys to users and to the recovery key.
public enum SealedBox {
    /// Bytes a sealed message grows by (ephemeral public key plus MAC: 48).
    public static let overhead = Int(crypto_box_sealbytes())

    /// Seals `message` to `publicKey`.
    public static func seal(_ message: some ContiguousBytes, to publicKey: [UInt8]) throws -> [UInt8] {
        try Sodium.ensureInitialized()
        guard publicKey.count == X25519KeyPair.publicKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: X25519KeyPair.publicKeyByteCount, actual: publicKey.count)
        }
        return try message.withUnsafeBytes { m in
            var out = [UInt8](repeating: 0, count: m.count + overhead)
            let rc = crypto_box_seal(&out, m.bindMemory(to: UInt8.self).baseAddress, UInt64(m.count), publicKey)
            guard rc == 0 else { throw CryptoError.invalidKey }
            return out
        }
    }

    /// Seals secret bytes without copying them out of secure memory.
    public static func seal(secret: SecretBytes, to publicKey: [UInt8]) throws -> [UInt8] {
        try secret.withUnsafeBytes { try seal($0, to: publicKey) }
    }

    /// Opens a sealed box into ordinary memory.
    public static func open(_ sealed: some ContiguousBytes, keyPair: X25519KeyPair) throws -> [UInt8] {
        let secret = try openSecret(sealed, keyPair: keyPair)
        return secret.withUnsafeBytes { Array($0) }
    }

    /// Opens a sealed box straight into secure memory (for wrapped keys).
    /// - Throws: ``CryptoError/authenticationFailed`` when not sealed to this key pair or altered.
    public static func openSecret(_ sealed: some ContiguousBytes, keyPair: X25519KeyPair) throws -> SecretBytes {
        try Sodium.ensureInitialized()
        guard keyPair.publicKey.count == X25519KeyPair.publicKeyByteCount, keyPair.secretKey.count == X25519KeyPair.secretKeyByteCount else {
            throw CryptoError.wrongKeySize(expected: X25519KeyPair.secretKeyByteCount, actual: keyPair.secretKey.count)
        }
        return try sealed.withUnsafeBytes { c in
            guard c.count >= overhead, let cb = c.bindMemory(to: UInt8.self).baseAddress else { throw CryptoError.truncatedInput }
            let out = try SecretBytes(zeroedCount: c.count - overhead)
            let rc = out.withUnsafeMutableBytes { o in
                keyPair.secretKey.withBytePointer { sk in
                    crypto_box_seal_open(o.bindMemory(to: UInt8.self).baseAddress, cb, UInt64(c.count),
                                         keyPair.publicKey, sk)
                }
            }
            guard rc == 0 else { throw CryptoError.authenticationFailed }
            return out
        }
    }
}
