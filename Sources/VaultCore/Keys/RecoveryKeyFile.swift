import Foundation
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// The offline recovery key file written once by `init` (and by `key rotate --recovery`).
///
/// Text, so it can be printed and kept in a safe:
/// ```
/// confidant-recovery-key-v1
/// vault: <vault id, hex>
/// public: <X25519 public key, base64>
/// secret: <X25519 secret key, base64>
/// ```
/// The secret line is written from and read into `sodium_malloc`'d memory only.
public enum RecoveryKeyFile {
    static let header = "confidant-recovery-key-v1"

    /// Writes the file with mode 0600, refusing to overwrite anything.
    /// - Throws: ``VaultError`` cannot-create (73).
    static func write(path: String, vaultID: [UInt8], keyPair: X25519KeyPair) throws {
        let fd = try PrivateFile.create(path, what: "recovery key file")
        defer { Glibc.close(fd) }
        let head = """
        \(header)
        # Confidant practice recovery key. Anyone holding this file can read every record:
        # keep it offline (printed, or on a removable drive in a safe). Never email it.
        vault: \(Encoding.hex(vaultID))
        public: \(Encoding.base64(keyPair.publicKey))
        secret: 
        """
        do {
            try SecretBytes(copying: Array(head.utf8)).write(to: fd)
            try keyPair.secretKey.base64Encoded().write(to: fd)
            try SecretBytes(copying: Array("\n".utf8)).write(to: fd)
            guard fsync(fd) == 0 else { throw CryptoError.truncatedInput }
        } catch {
            _ = unlink(path)
            throw VaultError(.cannotCreate, "cannot write recovery key file \(path)")
        }
    }

    /// Reads a recovery key file and checks it belongs to this vault.
    /// - Throws: ``VaultError`` not found (66), bad data (65), or not permitted (77) when it is
    ///   the key of another vault or a retired recovery key.
    static func read(path: String, vaultID: [UInt8], expectedPublicKey: [UInt8]) throws -> X25519KeyPair {
        let content: SecretBytes
        do {
            guard let c = try SecretBytes.read(path: path, maxBytes: 8192) else {
                throw VaultError.notFound("no recovery key file at \(path)")
            }
            content = c
        } catch let e as VaultError { throw e } catch {
            throw VaultError.badData("\(path) is too large to be a recovery key file")
        }
        guard try content.line(startingWith: header) != nil else {
            throw VaultError.badData("\(path) is not a Confidant recovery key file")
        }
        guard let vaultLine = try content.line(startingWith: "vault: "),
              vaultLine.withUnsafeBytes({ String(decoding: $0, as: UTF8.self) }) == Encoding.hex(vaultID) else {
            throw VaultError.notPermitted("\(path) is the recovery key of another vault")
        }
        guard let secretB64 = try content.line(startingWith: "secret: ") else {
            throw VaultError.badData("\(path) has no secret line")
        }
        let secret: SecretBytes
        do { secret = try secretB64.base64Decoded() } catch { throw VaultError.badData("\(path) has a malformed secret line") }
        guard secret.count == X25519KeyPair.secretKeyByteCount else { throw VaultError.badData("\(path) has a secret of the wrong size") }
        let pair = try X25519KeyPair(secretKey: secret)
        guard pair.publicKey == expectedPublicKey else {
            throw VaultError.notPermitted("\(path) is not the vault's current recovery key (it may have been rotated)")
        }
        return pair
    }
}
