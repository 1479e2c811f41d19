internal import Clibsodium
import Foundation

/// SHA-256 (`crypto_hash_sha256`).
public enum SHA256 {
    /// Digest length (32).
    public static let byteCount = Int(crypto_hash_sha256_bytes())

    /// The SHA-256 digest of `data`.
    public static func hash(_ data: some ContiguousBytes) -> [UInt8] {
        _ = try? Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: byteCount)
        data.withUnsafeBytes { d in
            _ = crypto_hash_sha256(&out, d.bindMemory(to: UInt8.self).baseAddress, UInt64(d.count))
        }
        return out
    }

    /// The SHA-256 digest of several parts, as if concatenated (no copy of the whole).
    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        _ = try? Sodium.ensureInitialized()
        let state = UnsafeMutableRawPointer.allocate(byteCount: crypto_hash_sha256_statebytes(), alignment: 64)
        defer { state.deallocate() }
        let st = state.assumingMemoryBound(to: crypto_hash_sha256_state.self)
        crypto_hash_sha256_init(st)
        for p in parts { _ = crypto_hash_sha256_update(st, p, UInt64(p.count)) }
        var out = [UInt8](repeating: 0, count: byteCount)
        crypto_hash_sha256_final(st, &out)
        return out
    }
}

/// BLAKE2b (`crypto_generichash`), optionally keyed.
public enum BLAKE2b {
    /// Default digest length (32).
    public static let defaultByteCount = Int(crypto_generichash_bytes())

    /// The BLAKE2b digest of `data`, `outputByteCount` long (16…64), keyed when `key` is given.
    public static func hash(_ data: some ContiguousBytes, outputByteCount: Int = defaultByteCount, key: SecretBytes? = nil) throws -> [UInt8] {
        try Sodium.ensureInitialized()
        guard outputByteCount >= Int(crypto_generichash_bytes_min()), outputByteCount <= Int(crypto_generichash_bytes_max()) else {
            throw CryptoError.invalidLength
        }
        if let key, key.count < Int(crypto_generichash_keybytes_min()) || key.count > Int(crypto_generichash_keybytes_max()) {
            throw CryptoError.wrongKeySize(expected: Int(crypto_generichash_keybytes()), actual: key.count)
        }
        var out = [UInt8](repeating: 0, count: outputByteCount)
        let rc = data.withUnsafeBytes { d -> Int32 in
            if let key {
                return key.withBytePointer { k in
                    crypto_generichash(&out, outputByteCount, d.bindMemory(to: UInt8.self).baseAddress, UInt64(d.count), k, key.count)
                }
            } else {
                return crypto_generichash(&out, outputByteCount, d.bindMemory(to: UInt8.self).baseAddress, UInt64(d.count), nil, 0)
            }
        }
        guard rc == 0 else { throw CryptoError.invalidLength }
        return out
    }
}
