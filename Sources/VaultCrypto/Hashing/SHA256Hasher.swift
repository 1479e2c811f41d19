internal import Clibsodium
import Foundation

/// SHA-256 computed piece by piece (`crypto_hash_sha256_init/update/final`), for data that is
/// streamed and never held whole, such as the files of an export archive.
///
/// A hasher is used once: ``finish()`` returns the digest, again on later calls, and updates
/// after it are ignored.
public final class SHA256Hasher {
    private let state: UnsafeMutableRawPointer
    private var digest: [UInt8]?

    public init() {
        _ = try? Sodium.ensureInitialized()
        // The state struct is declared with 64-byte alignment; allocate it by size.
        state = UnsafeMutableRawPointer.allocate(byteCount: crypto_hash_sha256_statebytes(), alignment: 64)
        crypto_hash_sha256_init(state.assumingMemoryBound(to: crypto_hash_sha256_state.self))
    }

    deinit { state.deallocate() }

    /// Adds `data` to the digest.
    public func update(_ data: some ContiguousBytes) {
        guard digest == nil else { return }
        data.withUnsafeBytes { d in
            _ = crypto_hash_sha256_update(state.assumingMemoryBound(to: crypto_hash_sha256_state.self),
                                          d.bindMemory(to: UInt8.self).baseAddress, UInt64(d.count))
        }
    }

    /// The digest of everything added (32 bytes).
    public func finish() -> [UInt8] {
        if let digest { return digest }
        var out = [UInt8](repeating: 0, count: SHA256.byteCount)
        crypto_hash_sha256_final(state.assumingMemoryBound(to: crypto_hash_sha256_state.self), &out)
        digest = out
        return out
    }
}
