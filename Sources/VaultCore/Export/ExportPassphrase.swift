import Foundation
import VaultCrypto

/// The one-time export passphrase: Crockford Base32 in groups of five.
public enum ExportPassphrase {
    /// scrypt work factor an export is sealed with (2^15), and the most `export open` accepts
    /// (2^22, age's own ceiling for interactive use).
    public static let workFactor = 15
    public static let maxWorkFactor = 22

    /// A new passphrase: 26 Crockford Base32 characters (130 bits), in groups of 5 for reading aloud.
    public static func generate() throws -> SecretBytes { try make(from: try SecretBytes(randomCount: 17)) }

    /// The age recipient that seals an export to `passphrase`.
    public static func recipient(_ passphrase: SecretBytes) -> AgeRecipient { .scrypt(passphrase: passphrase, workFactor: workFactor) }

    /// The age identity that opens an export sealed to `passphrase`.
    public static func identity(_ passphrase: SecretBytes) -> AgeIdentity { .scrypt(passphrase: passphrase, maxWorkFactor: maxWorkFactor) }

    static func make(from raw: SecretBytes) throws -> SecretBytes {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        let out = try SecretBytes(zeroedCount: 26 + 5)
        try raw.withUnsafeBytes { r in
            try out.withUnsafeMutableBytes { o in
                var acc: UInt32 = 0, bits = 0, n = 0, i = 0
                while n < 26 {
                    if bits < 5 {
                        guard i < r.count else { throw VaultError(.internal, "not enough randomness") }
                        acc = acc << 8 | UInt32(r[i]); i += 1; bits += 8
                    }
                    let v = Int((acc >> UInt32(bits - 5)) & 31)
                    bits -= 5
                    if n > 0 && n % 5 == 0 { o[n + n / 5 - 1] = UInt8(ascii: "-") }
                    o[n + n / 5] = alphabet[v]
                    n += 1
                }
                acc = 0
            }
        }
        return try out.slice(0..<(26 + 5))
    }
}

