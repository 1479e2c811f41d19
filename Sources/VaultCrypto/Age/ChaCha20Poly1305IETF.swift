internal import Clibsodium

/// ChaCha20-Poly1305 as in RFC 7539 (`crypto_aead_chacha20poly1305_ietf_*`), with a
/// caller-chosen 12-byte nonce and no associated data.
///
/// Internal on purpose: age fixes its nonces by construction (an all-zero nonce under a
/// single-use wrap key, and the STREAM counter under a per-file payload key), so only the age
/// code may pick one. Everyone else uses ``XChaCha20Poly1305``.
internal enum ChaCha20Poly1305IETF {
    static let keyByteCount = Int(crypto_aead_chacha20poly1305_ietf_keybytes())
    static let nonceByteCount = Int(crypto_aead_chacha20poly1305_ietf_npubbytes())
    static let tagByteCount = Int(crypto_aead_chacha20poly1305_ietf_abytes())

    /// `ciphertext ‖ tag` of `plaintext`.
    static func seal(_ plaintext: UnsafeRawBufferPointer, key: SecretBytes, nonce: [UInt8]) throws -> [UInt8] {
        try Sodium.ensureInitialized()
        guard key.count == keyByteCount else { throw CryptoError.wrongKeySize(expected: keyByteCount, actual: key.count) }
        guard nonce.count == nonceByteCount else { throw CryptoError.wrongKeySize(expected: nonceByteCount, actual: nonce.count) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var written: UInt64 = 0
        let rc = out.withUnsafeMutableBufferPointer { o -> Int32 in
            guard let base = o.baseAddress else { return -1 }  // never: the tag alone is 16 bytes
            return key.withBytePointer { k in
                crypto_aead_chacha20poly1305_ietf_encrypt(
                    base, &written,
                    plaintext.bindMemory(to: UInt8.self).baseAddress, UInt64(plaintext.count),
                    nil, 0, nil, nonce, k)
            }
        }
        guard rc == 0 else { throw CryptoError.invalidLength }
        return out
    }

    /// Seals secret bytes (a file key) without copying them out of secure memory.
    static func seal(secret: SecretBytes, key: SecretBytes, nonce: [UInt8]) throws -> [UInt8] {
        try secret.withUnsafeBytes { try seal($0, key: key, nonce: nonce) }
    }

    /// Decrypts `ciphertext ‖ tag` into `out` (room for `ciphertext.count - 16` bytes).
    /// - Returns: false when the input is shorter than a tag or does not verify.
    static func open(_ sealed: UnsafeRawBufferPointer, key: SecretBytes, nonce: [UInt8], into out: UnsafeMutableRawPointer) -> Bool {
        guard sealed.count >= tagByteCount, key.count == keyByteCount, nonce.count == nonceByteCount,
              let s = sealed.bindMemory(to: UInt8.self).baseAddress else { return false }
        var written: UInt64 = 0
        let rc = key.withBytePointer { k in
            crypto_aead_chacha20poly1305_ietf_decrypt(
                out.assumingMemoryBound(to: UInt8.self), &written, nil,
                s, UInt64(sealed.count), nil, 0, nonce, k)
        }
        return rc == 0
    }

    /// Decrypts into ordinary memory (payload chunks). Returns nil when it does not verify.
    static func open(_ sealed: UnsafeRawBufferPointer, key: SecretBytes, nonce: [UInt8]) -> [UInt8]? {
        guard sealed.count >= tagByteCount else { return nil }
        var out = [UInt8](repeating: 0, count: sealed.count - tagByteCount + 1)  // never empty
        let ok = out.withUnsafeMutableBytes { o in
            guard let base = o.baseAddress else { return false }
            return open(sealed, key: key, nonce: nonce, into: base)
        }
        guard ok else { return nil }
        out.removeLast()
        return out
    }

    /// Decrypts straight into secure memory (wrapped file keys). Returns nil when it does not verify.
    static func openSecret(_ sealed: [UInt8], key: SecretBytes, nonce: [UInt8]) throws -> SecretBytes? {
        guard sealed.count >= tagByteCount else { return nil }
        let out = try SecretBytes(zeroedCount: sealed.count - tagByteCount)
        let ok = sealed.withUnsafeBytes { s in
            out.withBytePointer { open(s, key: key, nonce: nonce, into: UnsafeMutableRawPointer($0)) }
        }
        return ok ? out : nil
    }
}
