import Foundation
import VaultCrypto

/// A signed tree head of the access log, in the C2SP `tlog-checkpoint` text format carried in a
/// C2SP `signed-note`:
///
/// ```
/// confidant/<vault id hex>
/// <tree size, decimal>
/// <root hash, base64>
/// time <ISO 8601 UTC>
///
/// — confidant-log/<vault id hex> <base64(key hash (4 bytes) ‖ Ed25519 signature (64 bytes))>
/// ```
///
/// The signature covers the note text: every line above the blank line, each ending in `\n`.
/// The key hash is the first 4 bytes of SHA-256(key name ‖ `\n` ‖ 0x01 ‖ public key), as the
/// signed-note format defines for Ed25519. Plain text, so it can be printed, e-mailed or kept in
/// a safe, and checked with any Ed25519 implementation.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: Int
    public var root: [UInt8]
    public var time: String
    public var keyName: String
    public var signature: [UInt8]

    static func origin(vaultID: [UInt8]) -> String { "confidant/\(Encoding.hex(vaultID))" }
    static func keyName(vaultID: [UInt8]) -> String { "confidant-log/\(Encoding.hex(vaultID))" }

    /// The signed text (the note body).
    public var body: String { "\(origin)\n\(size)\n\(Encoding.base64(root))\ntime \(time)\n" }

    /// Signed-note key hash of an Ed25519 public key.
    public static func keyHash(name: String, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(Array(name.utf8) + [0x0a, 0x01] + publicKey).prefix(4))
    }

    /// Makes and signs a checkpoint.
    static func sign(vaultID: [UInt8], size: Int, root: [UInt8], time: Date, key: Ed25519KeyPair) -> Checkpoint {
        var c = Checkpoint(origin: origin(vaultID: vaultID), size: size, root: root, time: isoSeconds(time),
                           keyName: keyName(vaultID: vaultID), signature: [])
        c.signature = key.sign(Array(c.body.utf8))
        return c
    }

    /// The whole file: body, blank line, signature line.
    public func text(publicKey: [UInt8]) -> String {
        body + "\n— \(keyName) \(Encoding.base64(Checkpoint.keyHash(name: keyName, publicKey: publicKey) + signature))\n"
    }

    /// Parses a checkpoint file and verifies its signature with `publicKey`.
    /// - Throws: ``VaultError`` bad data (65) naming what is wrong.
    public static func parse(_ text: String, publicKey: [UInt8], vaultID: [UInt8]) throws -> Checkpoint {
        let parts = text.components(separatedBy: "\n\n")
        guard parts.count == 2 else { throw VaultError.badData("the checkpoint file is not a signed note (no blank line before the signature)") }
        let lines = parts[0].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == 4, lines[3].hasPrefix("time "),
              let size = Int(lines[1]), size >= 0, String(size) == lines[1],
              let root = try? Encoding.fromBase64(lines[2]), root.count == 32 else {
            throw VaultError.badData("the checkpoint file's body is malformed (want origin, size, root, time lines)")
        }
        guard lines[0] == origin(vaultID: vaultID) else {
            throw VaultError.badData("the checkpoint is for '\(lines[0])', not this vault (\(origin(vaultID: vaultID)))")
        }
        let name = keyName(vaultID: vaultID)
        var sig: [UInt8]?
        for line in parts[1].split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "—", fields[1] == name,
                  let raw = try? Encoding.fromBase64(String(fields[2])), raw.count == 68,
                  Array(raw.prefix(4)) == keyHash(name: name, publicKey: publicKey) else { continue }
            sig = Array(raw.dropFirst(4))
        }
        guard let sig else { throw VaultError.badData("the checkpoint carries no signature by this vault's log key") }
        let c = Checkpoint(origin: lines[0], size: size, root: root, time: String(lines[3].dropFirst(5)), keyName: name, signature: sig)
        guard Ed25519.isValid(signature: sig, message: Array(c.body.utf8), publicKey: publicKey) else {
            throw VaultError.badData("the checkpoint's signature does not verify with this vault's log key")
        }
        return c
    }

    static func isoSeconds(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
