internal import Clibsodium
import Foundation

/// Ed25519 signatures (`crypto_sign_detached`). The secret key lives in secure memory.
public struct Ed25519KeyPair: Sendable {
    /// Public key length (32).
    public static let publicKeyByteCount = Int(crypto_sign_publickeybytes())
    /// Secret key length as libsodium stores it (64: seed ‖ public key).
    public static let secretKeyByteCount = Int(crypto_sign_secretkeybytes())
    /// Seed length (32).
    public static let seedByteCount = Int(crypto_sign_seedbytes())
    /// Signature length (64).
    public static let signatureByteCount = Int(crypto_sign_bytes())

    public let publicKey: [UInt8]
    public let secretKey: SecretBytes

    /// A fresh random key pair.
    public static func generate() throws -> Ed25519KeyPair {
        let seed = try SecretBytes(randomCount: seedByteCount)
        return try Ed25519KeyPair(seed: seed)
    }

    /// The key pair a 32-byte seed determines (`crypto_sign_seed_keypair`).
    public init(seed: SecretBytes) throws {
        try Sodium.ensureInitialized()
        guard seed.count == Self.seedByteCount else {
            throw CryptoError.wrongKeySize(expected: Self.seedByteCount, actual: seed.count)
        }
        var pk = [UInt8](repeating: 0, count: Self.publicKeyByteCount)
        let sk = try SecretBytes(zeroedCount: Self.secretKeyByteCount)
        sk.withBytePointer { s in
            seed.withBytePointer { sd in
                _ = crypto_sign_seed_keypair(&pk, s, sd)
            }
        }
        self.publicKey = pk
        self.secretKey = sk
    }

    /// The 32-byte seed (first half of libsodium's secret key), in secure memory.
    public func seed() throws -> SecretBytes { try secretKey.slice(0..<Self.seedByteCount) }

    /// A detached signature over `message`.
    public func sign(_ message: some ContiguousBytes) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: Self.signatureByteCount)
        message.withUnsafeBytes { m in
            secretKey.withBytePointer { sk in
                _ = crypto_sign_detached(&sig, nil, m.bindMemory(to: UInt8.self).baseAddress, UInt64(m.count),
                                         sk)
            }
        }
        return sig
    }
}

/// Verification of Ed25519 signatures.
public enum Ed25519 {
    /// True when `signature` is `publicKey`'s signature over `message`.
    public static func isValid(signature: [UInt8], message: some ContiguousBytes, publicKey: [UInt8]) -> Bool {
        guard (try? Sodium.ensureInitialized()) != nil,
              signature.count == Ed25519KeyPair.signatureByteCount,
              publicKey.count == Ed25519KeyPair.publicKeyByteCount else { return false }
        return message.withUnsafeBytes { m in
            crypto_sign_verify_detached(signature, m.bindMemory(to: UInt8.self).baseAddress, UInt64(m.count), publicKey) == 0
        }
    }

    /// Throws ``CryptoError/authenticationFailed`` unless the signature verifies.
    public static func verify(signature: [UInt8], message: some ContiguousBytes, publicKey: [UInt8]) throws {
        guard isValid(signature: signature, message: message, publicKey: publicKey) else {
            throw CryptoError.authenticationFailed
        }
    }
}
