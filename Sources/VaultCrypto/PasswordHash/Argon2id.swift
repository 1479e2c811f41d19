internal import Clibsodium
import Foundation

/// Argon2id key derivation (`crypto_pwhash` with `crypto_pwhash_ALG_ARGON2ID13`).
///
/// The limits are stored beside every sealed secret, so a vault made with one setting still
/// opens after the default changes.
public enum Argon2id {
    /// Salt length (16).
    public static let saltByteCount = Int(crypto_pwhash_saltbytes())

    /// Work limits for one derivation.
    public struct Limits: Sendable, Equatable, Codable {
        public var opsLimit: UInt64
        public var memLimit: Int

        public init(opsLimit: UInt64, memLimit: Int) {
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }

        /// libsodium's INTERACTIVE limits (2 passes, 64 MiB): for tests and the demo.
        public static var interactive: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_interactive()), memLimit: crypto_pwhash_memlimit_interactive())
        }
        /// libsodium's MODERATE limits (3 passes, 256 MiB): the default for real vaults.
        public static var moderate: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_moderate()), memLimit: crypto_pwhash_memlimit_moderate())
        }
        /// libsodium's SENSITIVE limits (4 passes, 1 GiB).
        public static var sensitive: Limits {
            Limits(opsLimit: UInt64(crypto_pwhash_opslimit_sensitive()), memLimit: crypto_pwhash_memlimit_sensitive())
        }

        /// True when between INTERACTIVE and twice SENSITIVE: a tampered record can neither
        /// weaken the derivation below the floor nor make an unlock hang or exhaust memory.
        public var isAcceptable: Bool {
            opsLimit >= UInt64(crypto_pwhash_opslimit_interactive()) &&
            opsLimit <= 2 * UInt64(crypto_pwhash_opslimit_sensitive()) &&
            memLimit >= crypto_pwhash_memlimit_interactive() &&
            memLimit <= crypto_pwhash_memlimit_sensitive()
        }
    }

    /// A fresh random salt.
    public static func generateSalt() -> [UInt8] { Random.bytes(saltByteCount) }

    /// Derives `outputByteCount` bytes from `passphrase` into secure memory.
    /// - Throws: ``CryptoError/keyDerivationFailed`` (e.g. not enough memory),
    ///   ``CryptoError/wrongKeySize(expected:actual:)`` for a bad salt.
    public static func deriveKey(passphrase: SecretBytes, salt: [UInt8], limits: Limits, outputByteCount: Int = 32) throws -> SecretBytes {
        try Sodium.ensureInitialized()
        guard salt.count == saltByteCount else { throw CryptoError.wrongKeySize(expected: saltByteCount, actual: salt.count) }
        guard limits.isAcceptable else { throw CryptoError.keyDerivationFailed }
        guard outputByteCount >= 16 else { throw CryptoError.invalidLength }
        let out = try SecretBytes(zeroedCount: outputByteCount)
        let rc = out.withBytePointer { o in
            passphrase.withBytePointer { p in
                p.withMemoryRebound(to: CChar.self, capacity: max(passphrase.count, 1)) { pc in
                    crypto_pwhash(o, UInt64(outputByteCount), pc, UInt64(passphrase.count), salt,
                                  limits.opsLimit, limits.memLimit, crypto_pwhash_alg_argon2id13())
                }
            }
        }
        guard rc == 0 else { throw CryptoError.keyDerivationFailed }
        return out
    }
}
