internal import Clibsodium
import Foundation

/// XChaCha20-Poly1305-IETF authenticated encryption with associated data.
///
/// The nonce is 24 random bytes made inside ``seal(_:key:associatedData:)`` and prepended to the
/// output, so callers can never reuse one. Output layout: `nonce (24) ‖ ciphertext ‖ tag (16)`.
public enum XChaCha20Poly1305 {
    /// Key length in bytes (32).
    public static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_keybytes())
    /// Nonce length in bytes (24).
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    /// Tag length in bytes (16).
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_abytes())
    /// Bytes a sealed message grows by: nonce plus tag.
    public static var overhead: Int { nonceByteCount + tagByteCount }

    /// A fresh random key in secure memory.
    public static func generateKey() throws -> SecretBytes {
        try SecretBytes(randomCount: keyByteCount)
    }

    /// Encrypts and authenticates `plaintext`, binding `associatedData`.
    /// - Returns: `nonce ‖ ciphertext ‖ tag`.
    /// - Throws: ``CryptoError/wrongKeySize(expected:actual:)``.
    public static func seal(_ plaintext: some ContiguousBytes, key: SecretBytes, associatedData: [UInt8] = []) throws -> [UInt8] {
        try seal(plaintext, key: key, associatedData: associatedData, nonce: Random.bytes(nonceByteCount))
    }

    /// Deterministic form for known-answer tests only; production code cannot choose a nonce.
    internal static func seal(_ plaintext: some ContiguousBytes, key: SecretBytes, associatedData: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        try Sodium.ensureInitialized()
        guard key.count == keyByteCount else { throw CryptoError.wrongKeySize(expected: keyByteCount, actual: key.count) }
        guard nonce.count == nonceByteCount else { throw CryptoError.wrongKeySize(expected: nonceByteCount, actual: nonce.count) }
        return plaintext.withUnsafeBytes { m in
            var out = [UInt8](repeating: 0, count: nonceByteCount + m.count + tagByteCount)
            out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { return }
                for i in 0..<nonceByteCount { base[i] = nonce[i] }
                var clen: UInt64 = 0
                key.withBytePointer { k in
                    associatedData.withUnsafeBufferPointer { ad in
                        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                            base + nonceByteCount, &clen,
                            m.bindMemory(to: UInt8.self).baseAddress, UInt64(m.count),
                            ad.baseAddress, UInt64(ad.count),
                            nil, base, k)
                    }
                }
            }
            return out
        }
    }

    /// Verifies and decrypts a value made by ``seal(_:key:associatedData:)``.
    /// - Throws: ``CryptoError/authenticationFailed`` when the key, associated data or any byte
    ///   differs; ``CryptoError/truncatedInput`` when too short to hold a nonce and tag.
    public static func open(_ sealed: some ContiguousBytes, key: SecretBytes, associatedData: [UInt8] = []) throws -> [UInt8] {
        try Sodium.ensureInitialized()
        guard key.count == keyByteCount else { throw CryptoError.wrongKeySize(expected: keyByteCount, actual: key.count) }
        return try sealed.withUnsafeBytes { s in
            guard s.count >= overhead, let sb = s.bindMemory(to: UInt8.self).baseAddress else { throw CryptoError.truncatedInput }
            var out = [UInt8](repeating: 0, count: s.count - overhead)
            var mlen: UInt64 = 0
            let rc = out.withUnsafeMutableBufferPointer { o in
                key.withBytePointer { k in
                    associatedData.withUnsafeBufferPointer { ad in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            o.baseAddress, &mlen, nil,
                            sb + nonceByteCount, UInt64(s.count - nonceByteCount),
                            ad.baseAddress, UInt64(ad.count),
                            sb, k)
                    }
                }
            }
            guard rc == 0 else { throw CryptoError.authenticationFailed }
            return out
        }
    }

    /// Decrypts straight into secure memory, for values that are themselves secrets (keys).
    public static func openSecret(_ sealed: some ContiguousBytes, key: SecretBytes, associatedData: [UInt8] = []) throws -> SecretBytes {
        try Sodium.ensureInitialized()
        guard key.count == keyByteCount else { throw CryptoError.wrongKeySize(expected: keyByteCount, actual: key.count) }
        return try sealed.withUnsafeBytes { s in
            guard s.count >= overhead, let sb = s.bindMemory(to: UInt8.self).baseAddress else { throw CryptoError.truncatedInput }
            let out = try SecretBytes(zeroedCount: s.count - overhead)
            var mlen: UInt64 = 0
            let rc = out.withUnsafeMutableBytes { o in
                key.withBytePointer { k in
                    associatedData.withUnsafeBufferPointer { ad in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            o.bindMemory(to: UInt8.self).baseAddress, &mlen, nil,
                            sb + nonceByteCount, UInt64(s.count - nonceByteCount),
                            ad.baseAddress, UInt64(ad.count),
                            sb, k)
                    }
                }
            }
            guard rc == 0 else { throw CryptoError.authenticationFailed }
            return out
        }
    }

    /// Encrypts secret bytes (e.g. a key) without copying them out of secure memory.
    public static func sealSecret(_ secret: SecretBytes, key: SecretBytes, associatedData: [UInt8] = []) throws -> [UInt8] {
        try secret.withUnsafeBytes { raw in
            try seal(raw, key: key, associatedData: associatedData)
        }
    }
}

