internal import Clibsodium

/// Secret bytes that live in `sodium_malloc`'d memory and are wiped when released.
///
/// The buffer sits between guard pages and is freed with `sodium_free`, which zeroes it.
/// The type is a final class so that it is never copied implicitly: passing it around passes a
/// reference to the one buffer. Its bytes are reachable only through
/// ``withUnsafeBytes(_:)``; equality is constant-time.
public final class SecretBytes: @unchecked Sendable {
    private let pointer: UnsafeMutableRawPointer
    /// The number of secret bytes.
    public let count: Int

    /// Allocates `count` zero bytes of secure memory.
    /// - Throws: ``CryptoError/outOfSecureMemory``.
    public init(zeroedCount count: Int) throws {
        try Sodium.ensureInitialized()
        guard count >= 0 else { throw CryptoError.invalidLength }
        // sodium_malloc(0) is allowed but yields a pointer we must not write; keep one byte.
        guard let p = sodium_malloc(max(count, 1)) else { throw CryptoError.outOfSecureMemory }
        sodium_memzero(p, max(count, 1))
        self.pointer = p
        self.count = count
    }

    /// Allocates secure memory and fills it with `count` random bytes.
    public convenience init(randomCount count: Int) throws {
        try self.init(zeroedCount: count)
        randombytes_buf(pointer, count)
    }

    /// Copies `bytes` into secure memory. The caller remains responsible for wiping its copy.
    public convenience init<C: Collection>(copying bytes: C) throws where C.Element == UInt8 {
        try self.init(zeroedCount: bytes.count)
        let dest = pointer.assumingMemoryBound(to: UInt8.self)
        var i = 0
        for b in bytes { dest[i] = b; i += 1 }
    }

    deinit {
        sodium_free(pointer)  // zeroes before unmapping
    }

    /// Gives read access to the secret bytes for the duration of `body` only.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Gives write access to the secret bytes for the duration of `body` only.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// Typed pointer access for the C calls inside VaultCrypto; never null, even when empty.
    internal func withBytePointer<R>(_ body: (UnsafeMutablePointer<UInt8>) throws -> R) rethrows -> R {
        try body(pointer.assumingMemoryBound(to: UInt8.self))
    }

    /// A new secure buffer holding `range` of these bytes.
    public func slice(_ range: Range<Int>) throws -> SecretBytes {
        guard range.lowerBound >= 0, range.upperBound <= count else { throw CryptoError.invalidLength }
        let out = try SecretBytes(zeroedCount: range.count)
        out.withUnsafeMutableBytes { dst in
            if range.count > 0, let base = dst.baseAddress {
                base.copyMemory(from: pointer.advanced(by: range.lowerBound), byteCount: range.count)
            }
        }
        return out
    }

    /// A new secure buffer holding these bytes followed by `other`.
    public func appending(_ other: SecretBytes) throws -> SecretBytes {
        let out = try SecretBytes(zeroedCount: count + other.count)
        out.withUnsafeMutableBytes { dst in
            guard let base = dst.baseAddress else { return }
            if count > 0 { base.copyMemory(from: pointer, byteCount: count) }
            other.withUnsafeBytes { src in
                if let s = src.baseAddress, src.count > 0 {
                    base.advanced(by: count).copyMemory(from: s, byteCount: src.count)
                }
            }
        }
        return out
    }

    /// Constant-time comparison (`sodium_memcmp`); different lengths compare unequal.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer, other.pointer, count) == 0
    }
}

extension SecretBytes: Equatable {
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.constantTimeEquals(rhs)
    }
}

/// Zeroes a byte array in place with `sodium_memzero`, which the optimiser cannot remove.
public func secureWipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buf in
        if let base = buf.baseAddress, buf.count > 0 { sodium_memzero(base, buf.count) }
    }
}
