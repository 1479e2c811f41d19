import Foundation
import VaultCrypto

/// The one-time code an admin gives a new user (`user add`, `user reset`), and the first key
/// pairs derived from it.
///
/// The code is 26 Crockford Base32 characters (130 bits) in groups of five. The user's first
/// generation of keys is derived from it — BLAKE2b-512 keyed with the code over
/// `confidant/enrolment/v1 ‖ vault id ‖ user name` gives the X25519 secret and the Ed25519
/// seed — and the admin's signed certificate names those public keys. So the certificate
/// commits to the code: a database writer cannot substitute a code or keys of its own, and
/// `user enrol` proves the code by deriving keys that match the certificate. Enrolling replaces
/// that generation at once with fresh random keys only the user ever held, certified by it, and
/// retires it: the code opens nothing afterwards. Nothing about the code is stored.
public enum EnrolmentCode {
    /// How long a code may be used after the admin issued it (72 hours).
    public static let validityMillis: Int64 = 72 * 3_600_000

    /// A new code (26 characters of Crockford Base32 in groups of five, 130 bits).
    public static func generate() throws -> SecretBytes { try ExportPassphrase.generate() }

    /// The code as typed, in its canonical form: lower case, without separators, with the
    /// letters Crockford reads as digits (`o` → 0, `i`/`l` → 1) mapped.
    /// - Throws: ``VaultError`` usage (64) when it is not 26 Base32 characters.
    static func normalize(_ typed: SecretBytes) throws -> SecretBytes {
        let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz".utf8)
        let out = try SecretBytes(zeroedCount: 26)
        let count = try typed.withUnsafeBytes { t in
            try out.withUnsafeMutableBytes { o -> Int in
                var n = 0
                for var c in t {
                    if c == UInt8(ascii: "-") || c == UInt8(ascii: " ") { continue }
                    if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c += 32 }
                    if c == UInt8(ascii: "o") { c = UInt8(ascii: "0") }
                    if c == UInt8(ascii: "i") || c == UInt8(ascii: "l") { c = UInt8(ascii: "1") }
                    guard alphabet.contains(c), n < 26 else { throw VaultError.usage("that is not an enrolment code (26 letters and digits, in groups of five)") }
                    o[n] = c
                    n += 1
                }
                return n
            }
        }
        guard count == 26 else { throw VaultError.usage("that is not an enrolment code (26 letters and digits, in groups of five)") }
        return out
    }

    /// The key pairs `code` gives user `name` of vault `vaultID`.
    static func identity(code: SecretBytes, vaultID: [UInt8], name: String) throws -> UserIdentity {
        let key = try normalize(code)
        var e = CanonicalEncoder(label: "confidant/enrolment/v1")
        e.append(vaultID)
        e.append(name)
        var derived = try BLAKE2b.hash(e.bytes, outputByteCount: 64, key: key)
        defer { secureWipe(&derived) }
        let secrets = try SecretBytes(copying: derived)
        return UserIdentity(box: try X25519KeyPair(secretKey: try secrets.slice(0..<32)),
                            signing: try Ed25519KeyPair(seed: try secrets.slice(32..<64)))
    }
}
