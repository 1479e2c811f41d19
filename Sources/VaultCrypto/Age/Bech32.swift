/// Bech32 (BIP 173) as age uses it: no length limit, all-lower or all-upper case, the
/// checksum always computed over the lower-case form.
///
/// The core works on raw pointers and never builds an intermediate array of data values, so
/// a secret key can be decoded from and encoded into ``SecretBytes`` without a copy on the
/// heap. Bech32m (BIP 350) is not accepted.
internal enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let checksumLength = 6

    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 128)
        for (value, char) in charset.enumerated() { table[Int(char)] = UInt8(value) }
        return table
    }()

    private static func polymodStep(_ checksum: UInt32, _ value: UInt8) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        let top = checksum >> 25
        var next = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
        for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { next ^= generator[i] }
        return next
    }

    private static func lowercased(_ c: UInt8) -> UInt8 { (65...90).contains(c) ? c + 32 : c }
    private static func uppercased(_ c: UInt8) -> UInt8 { (97...122).contains(c) ? c - 32 : c }

    /// The checksum state after the expanded human-readable part (given in lower case).
    private static func checksumState(hrp: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for c in hrp { checksum = polymodStep(checksum, c >> 5) }
        checksum = polymodStep(checksum, 0)
        for c in hrp { checksum = polymodStep(checksum, c & 31) }
        return checksum
    }

    /// Length of the encoding of `dataCount` bytes under a `hrpCount`-character prefix.
    static func encodedCount(hrpCount: Int, dataCount: Int) -> Int {
        hrpCount + 1 + (dataCount * 8 + 4) / 5 + checksumLength
    }

    /// Writes the encoding of `data` to `out`, which must have room for ``encodedCount(hrpCount:dataCount:)``.
    /// - Throws: ``CryptoError/invalidEncoding`` when `hrp` is empty or not printable ASCII.
    static func encode(hrp: String, data: UnsafeRawBufferPointer, uppercase: Bool, into out: UnsafeMutablePointer<UInt8>) throws {
        let lowerHRP = Array(hrp.utf8).map(lowercased)
        guard !lowerHRP.isEmpty, lowerHRP.allSatisfy({ (33...126).contains($0) }) else { throw CryptoError.invalidEncoding }
        var position = 0
        func emit(_ c: UInt8) { out[position] = uppercase ? uppercased(c) : c; position += 1 }
        var checksum = checksumState(hrp: lowerHRP)
        for c in lowerHRP { emit(c) }
        emit(UInt8(ascii: "1"))
        var accumulator: UInt32 = 0
        var bits = 0
        func emitValue(_ value: UInt8) { checksum = polymodStep(checksum, value); emit(charset[Int(value)]) }
        for byte in data {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                emitValue(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)) & 31)
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { emitValue(UInt8(truncatingIfNeeded: accumulator << UInt32(5 - bits)) & 31) }
        for _ in 0..<checksumLength { checksum = polymodStep(checksum, 0) }
        checksum ^= 1
        for i in 0..<checksumLength {
            emit(charset[Int((checksum >> UInt32(5 * (checksumLength - 1 - i))) & 31)])
        }
    }

    /// Encodes public data as a lower-case (or upper-case) string.
    static func encode(hrp: String, data: [UInt8], uppercase: Bool = false) throws -> String {
        var out = [UInt8](repeating: 0, count: encodedCount(hrpCount: hrp.utf8.count, dataCount: data.count))
        try data.withUnsafeBytes { d in
            try out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { throw CryptoError.invalidEncoding }
                try encode(hrp: hrp, data: d, uppercase: uppercase, into: base)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of room ``decode(_:into:)`` needs for a `textCount`-character string.
    static func decodedCapacity(textCount: Int) -> Int { max(textCount * 5 / 8, 1) }

    /// What ``decode(_:into:)`` found.
    struct Decoded: Equatable {
        /// The human-readable part as written (its case is the string's case).
        var hrp: String
        /// True when the string is upper case.
        var isUppercase: Bool
        /// Data bytes written to the output.
        var count: Int
    }

    /// Validates `text` and writes its data bytes to `out` (room for ``decodedCapacity(textCount:)``).
    /// - Throws: ``CryptoError/invalidEncoding`` for mixed case, a character outside the
    ///   alphabet, a bad checksum or non-zero padding bits.
    static func decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) throws -> Decoded {
        var hasLower = false, hasUpper = false
        var separator = -1
        for (i, c) in text.enumerated() {
            guard (33...126).contains(c) else { throw CryptoError.invalidEncoding }
            if (97...122).contains(c) { hasLower = true }
            if (65...90).contains(c) { hasUpper = true }
            if c == UInt8(ascii: "1") { separator = i }
        }
        guard !(hasLower && hasUpper) else { throw CryptoError.invalidEncoding }
        guard separator >= 1, text.count - separator - 1 >= checksumLength else { throw CryptoError.invalidEncoding }
        let hrpBytes = Array(text[0..<separator])
        var checksum = checksumState(hrp: hrpBytes.map(lowercased))
        for c in text[(separator + 1)...] {
            let value = reverse[Int(lowercased(c))]
            guard value != 0xff else { throw CryptoError.invalidEncoding }
            checksum = polymodStep(checksum, value)
        }
        guard checksum == 1 else { throw CryptoError.invalidEncoding }
        var accumulator: UInt32 = 0
        var bits = 0
        var written = 0
        for c in text[(separator + 1)..<(text.count - checksumLength)] {
            accumulator = accumulator << 5 | UInt32(reverse[Int(lowercased(c))])
            bits += 5
            if bits >= 8 {
                bits -= 8
                out[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                written += 1
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // BIP 173 conversion without padding: fewer than 5 leftover bits, all zero.
        guard bits < 5, accumulator == 0 else { throw CryptoError.invalidEncoding }
        return Decoded(hrp: String(decoding: hrpBytes, as: UTF8.self), isUppercase: hasUpper, count: written)
    }

    /// Decodes a string holding public data.
    static func decode(_ string: String) throws -> (hrp: String, isUppercase: Bool, data: [UInt8]) {
        let text = Array(string.utf8)
        var out = [UInt8](repeating: 0, count: decodedCapacity(textCount: text.count))
        let decoded = try text.withUnsafeBytes { t in
            try out.withUnsafeMutableBufferPointer { o in
                guard let base = o.baseAddress else { throw CryptoError.invalidEncoding }
                return try decode(t, into: base)
            }
        }
        return (decoded.hrp, decoded.isUppercase, Array(out[0..<decoded.count]))
    }

    /// Decodes a string held in secure memory into secure memory (secret keys).
    static func decode(secret text: SecretBytes) throws -> (hrp: String, isUppercase: Bool, data: SecretBytes) {
        let out = try SecretBytes(zeroedCount: decodedCapacity(textCount: text.count))
        let decoded = try text.withUnsafeBytes { t in
            try out.withBytePointer { try decode(t, into: $0) }
        }
        return (decoded.hrp, decoded.isUppercase, try out.slice(0..<decoded.count))
    }

    /// Encodes secret bytes into secure memory.
    static func encode(hrp: String, secret data: SecretBytes, uppercase: Bool) throws -> SecretBytes {
        let out = try SecretBytes(zeroedCount: encodedCount(hrpCount: hrp.utf8.count, dataCount: data.count))
        try data.withUnsafeBytes { d in
            try out.withBytePointer { try encode(hrp: hrp, data: d, uppercase: uppercase, into: $0) }
        }
        return out
    }
}
