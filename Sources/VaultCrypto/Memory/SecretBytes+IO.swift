internal import Clibsodium
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SecretBytes {
    /// Reads everything from `fd` until end of file straight into secure memory.
    ///
    /// Used for passphrases and the recovery key file, so their bytes never sit in an ordinary
    /// heap buffer. Trailing `\n` / `\r\n` is removed when `trimTrailingNewline` is set.
    /// - Throws: ``CryptoError/truncatedInput`` when the input exceeds `maxBytes`.
    public static func read(fileDescriptor fd: Int32, maxBytes: Int = 4096, trimTrailingNewline: Bool = true) throws -> SecretBytes {
        let buffer = try SecretBytes(zeroedCount: maxBytes)
        var used = 0
        try buffer.withBytePointer { base in
            while true {
                if used == maxBytes {
                    // One more byte means the input is too long.
                    var probe: UInt8 = 0
                    let extra = Glibc.read(fd, &probe, 1)
                    sodium_memzero(&probe, 1)
                    if extra > 0 { throw CryptoError.truncatedInput }
                    break
                }
                let n = Glibc.read(fd, base + used, maxBytes - used)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CryptoError.truncatedInput
                }
                if n == 0 { break }
                used += n
            }
        }
        var end = used
        if trimTrailingNewline {
            buffer.withBytePointer { base in
                while end > 0, base[end - 1] == 0x0a || base[end - 1] == 0x0d { end -= 1 }
            }
        }
        return try buffer.slice(0..<end)
    }

    /// Reads a file straight into secure memory (see ``read(fileDescriptor:maxBytes:trimTrailingNewline:)``).
    public static func read(path: String, maxBytes: Int = 4096, trimTrailingNewline: Bool = true) throws -> SecretBytes? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        return try read(fileDescriptor: fd, maxBytes: maxBytes, trimTrailingNewline: trimTrailingNewline)
    }

    /// Standard Base64 of these secret bytes, itself in secure memory (no terminating NUL).
    public func base64Encoded() throws -> SecretBytes {
        let len = sodium_base64_encoded_len(count, sodium_base64_VARIANT_ORIGINAL)
        let out = try SecretBytes(zeroedCount: len)
        out.withBytePointer { o in
            withBytePointer { i in
                o.withMemoryRebound(to: CChar.self, capacity: len) { oc in
                    _ = sodium_bin2base64(oc, len, i, count, sodium_base64_VARIANT_ORIGINAL)
                }
            }
        }
        return try out.slice(0..<(len - 1))
    }

    /// Decodes standard Base64 held in secure memory into secure memory.
    /// - Throws: ``CryptoError/invalidEncoding``.
    public func base64Decoded() throws -> SecretBytes {
        let out = try SecretBytes(zeroedCount: count)
        var binLen = 0
        let rc = out.withBytePointer { o in
            withBytePointer { i in
                i.withMemoryRebound(to: CChar.self, capacity: max(count, 1)) { ic in
                    sodium_base642bin(o, count, ic, count, nil, &binLen, nil, sodium_base64_VARIANT_ORIGINAL)
                }
            }
        }
        guard rc == 0 else { throw CryptoError.invalidEncoding }
        return try out.slice(0..<binLen)
    }

    /// The bytes of the first line that starts with `prefix`, after the prefix, in secure
    /// memory. Lets a key file be parsed without copying its secret line into the heap.
    public func line(startingWith prefix: String) throws -> SecretBytes? {
        let p = Array(prefix.utf8)
        return try withBytePointer { base -> SecretBytes? in
            var lineStart = 0
            while lineStart < count {
                var lineEnd = lineStart
                while lineEnd < count, base[lineEnd] != 0x0a { lineEnd += 1 }
                var trimmedEnd = lineEnd
                if trimmedEnd > lineStart, base[trimmedEnd - 1] == 0x0d { trimmedEnd -= 1 }
                if trimmedEnd - lineStart >= p.count {
                    var match = true
                    for i in 0..<p.count where base[lineStart + i] != p[i] { match = false; break }
                    if match { return try slice((lineStart + p.count)..<trimmedEnd) }
                }
                lineStart = lineEnd + 1
            }
            return nil
        }
    }

    /// Writes these bytes to `fd` (all of them, retrying short writes).
    public func write(to fd: Int32) throws {
        try withBytePointer { base in
            var done = 0
            while done < count {
                let n = Glibc.write(fd, base + done, count - done)
                if n < 0 { if errno == EINTR { continue }; throw CryptoError.truncatedInput }
                done += n
            }
        }
    }
}
