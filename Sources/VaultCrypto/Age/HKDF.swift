internal import Clibsodium

/// HMAC-SHA-256 over libsodium's multi-part `crypto_auth_hmacsha256_*` API, which accepts
/// keys of any length (HKDF needs an empty salt and a 64-byte one).
internal enum HMACSHA256 {
    /// Tag length (32).
    static let byteCount = Int(crypto_auth_hmacsha256_bytes())

    /// Runs `body` with a zeroed, 64-byte-aligned HMAC state that is wiped afterwards: the
    /// state holds key-derived pads.
    private static func withState<R>(_ body: (UnsafeMutablePointer<crypto_auth_hmacsha256_state>) throws -> R) rethrows -> R {
        let size = crypto_auth_hmacsha256_statebytes()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        sodium_memzero(raw, size)
        defer {
            sodium_memzero(raw, size)
            raw.deallocate()
        }
        return try body(raw.bindMemory(to: crypto_auth_hmacsha256_state.self, capacity: 1))
    }

    /// The tag of the concatenated `parts` under `key`, written to `out` (32 bytes).
    static func authenticate(key: UnsafeRawBufferPointer, parts: [UnsafeRawBufferPointer], into out: UnsafeMutablePointer<UInt8>) {
        withState { st in
            if let k = key.bindMemory(to: UInt8.self).baseAddress, key.count > 0 {
                _ = crypto_auth_hmacsha256_init(st, k, key.count)
            } else {
                var empty: UInt8 = 0  // the C API wants a pointer even for an empty key
                _ = crypto_auth_hmacsha256_init(st, &empty, 0)
            }
            for p in parts where p.count > 0 {
                _ = crypto_auth_hmacsha256_update(st, p.bindMemory(to: UInt8.self).baseAddress, UInt64(p.count))
            }
            _ = crypto_auth_hmacsha256_final(st, out)
        }
    }

    /// The tag of `message` under a secret key (public output, e.g. the age header MAC).
    static func tag(_ message: [UInt8], key: SecretBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBufferPointer { o in
                    if let base = o.baseAddress { authenticate(key: k, parts: [m], into: base) }
                }
            }
        }
        return out
    }
}

/// HKDF-SHA-256 (RFC 5869): HKDF-Extract followed by HKDF-Expand, built on ``HMACSHA256``.
/// Every intermediate value (the PRK and each T(i)) stays in secure memory.
internal enum HKDFSHA256 {
    /// Derives `length` bytes (at most 255 × 32) from `ikm` into secure memory.
    /// - Throws: ``CryptoError/invalidLength`` for an impossible length.
    static func deriveKey(ikm: SecretBytes, salt: [UInt8], info: [UInt8], length: Int = 32) throws -> SecretBytes {
        let hashLength = HMACSHA256.byteCount
        guard length > 0, length <= 255 * hashLength else { throw CryptoError.invalidLength }
        // Extract: PRK = HMAC(key = salt, message = IKM).
        let prk = try SecretBytes(zeroedCount: hashLength)
        salt.withUnsafeBytes { s in
            ikm.withUnsafeBytes { i in
                prk.withBytePointer { HMACSHA256.authenticate(key: s, parts: [i], into: $0) }
            }
        }
        // Expand: T(n) = HMAC(PRK, T(n-1) ‖ info ‖ n), output = T(1) ‖ T(2) ‖ … truncated.
        let blocks = (length + hashLength - 1) / hashLength
        let stream = try SecretBytes(zeroedCount: blocks * hashLength)
        try prk.withUnsafeBytes { key in
            try stream.withUnsafeMutableBytes { all in
                for n in 1...blocks {
                    var counter = UInt8(n)
                    let previous = n == 1
                        ? UnsafeRawBufferPointer(start: nil, count: 0)
                        : UnsafeRawBufferPointer(rebasing: all[((n - 2) * hashLength)..<((n - 1) * hashLength)])
                    guard let out = all.baseAddress?.advanced(by: (n - 1) * hashLength) else { throw CryptoError.invalidLength }
                    info.withUnsafeBytes { infoBytes in
                        withUnsafeBytes(of: &counter) { c in
                            HMACSHA256.authenticate(key: key, parts: [previous, infoBytes, c],
                                                    into: out.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
        }
        return length == stream.count ? stream : try stream.slice(0..<length)
    }
}
