import Foundation

/// Hex and Base32 helpers for ids and fingerprints (public data only; secrets use
/// ``SecretBytes`` and never pass through here).
public enum Encoding {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        for b in bytes { out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hex (either case). - Throws: ``CryptoError/invalidEncoding``.
    public static func fromHex(_ text: String) throws -> [UInt8] {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { throw CryptoError.invalidEncoding }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw CryptoError.invalidEncoding
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count { out.append(try nibble(chars[i]) << 4 | nibble(chars[i + 1])); i += 2 }
        return out
    }

    private static let base32Alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)  // Crockford, lower case

    /// Crockford Base32 (lower case, no padding): easy to read aloud and type.
    public static func base32(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(base32Alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(base32Alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Standard Base64 of public bytes.
    public static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Parses standard Base64. - Throws: ``CryptoError/invalidEncoding``.
    public static func fromBase64(_ text: String) throws -> [UInt8] {
        guard let d = Data(base64Encoded: text) else { throw CryptoError.invalidEncoding }
        return [UInt8](d)
    }
}
