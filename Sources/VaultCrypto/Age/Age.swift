/// The age v1 file format (age-encryption.org/v1, C2SP `age`): a text header that wraps a
/// random file key for each recipient, then a STREAM-encrypted payload.
///
/// Used to hand records to people and systems outside the vault: any age implementation can
/// open what ``AgeEncryptor`` writes. Native X25519 and scrypt recipients are supported;
/// ASCII armor and hybrid post-quantum keys are reported as ``AgeError/unsupported(_:)``.
public enum Age {
    /// File keys are 16 random bytes, new for every file.
    public static let fileKeyByteCount = 16
    /// Plaintext bytes per payload chunk (64 KiB); each chunk grows by a 16-byte tag.
    public static let chunkByteCount = 64 * 1024
    /// The random payload nonce that follows the header.
    public static let payloadNonceByteCount = 16

    /// Encrypts `plaintext` into a complete age file in memory.
    /// - Throws: see ``AgeEncryptor/init(recipients:sink:)``.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient]) throws -> [UInt8] {
        var file = [UInt8]()
        let encryptor = try AgeEncryptor(recipients: recipients) { file += $0 }
        try encryptor.write(plaintext)
        try encryptor.finish()
        return file
    }

    /// Decrypts a complete age file held in memory.
    /// - Throws: ``AgeError`` for a file that is not for these identities, malformed or altered.
    public static func decrypt(_ file: [UInt8], identities: [AgeIdentity]) throws -> [UInt8] {
        var position = 0
        let decryptor = try AgeDecryptor(identities: identities) { count in
            let end = min(file.count, position + count)
            defer { position = end }
            return Array(file[position..<end])
        }
        var plaintext = [UInt8]()
        while let chunk = try decryptor.next() { plaintext += chunk }
        return plaintext
    }

    /// The 12-byte STREAM nonce: an 11-byte big-endian chunk counter, then 1 for the final
    /// chunk and 0 for every other.
    static func chunkNonce(counter: UInt64, last: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: ChaCha20Poly1305IETF.nonceByteCount)
        for i in 0..<8 { nonce[10 - i] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * i)) }
        nonce[11] = last ? 1 : 0
        return nonce
    }

    static let payloadInfo = Array("payload".utf8)

    /// HKDF-SHA-256(ikm = file key, salt = payload nonce, info = "payload").
    static func payloadKey(fileKey: SecretBytes, nonce: [UInt8]) throws -> SecretBytes {
        try HKDFSHA256.deriveKey(ikm: fileKey, salt: nonce, info: payloadInfo)
    }
}

/// Someone a file is encrypted to.
public enum AgeRecipient: Sendable {
    /// An X25519 public key (`age1…`).
    case x25519(AgeX25519Recipient)
    /// A passphrase, stretched with scrypt at N = 2^workFactor. age's default is 18 (about
    /// 256 MiB and a second of work). An scrypt recipient must be the only recipient.
    case scrypt(passphrase: SecretBytes, workFactor: Int = 18)

    /// A new stanza wrapping `fileKey` for this recipient.
    func wrap(fileKey: SecretBytes) throws -> AgeStanza {
        switch self {
        case .x25519(let recipient):
            return try recipient.wrap(fileKey: fileKey)
        case .scrypt(let passphrase, let workFactor):
            return try AgeScrypt.wrap(fileKey: fileKey, passphrase: passphrase, workFactor: workFactor)
        }
    }
}

/// Something that can open a file.
public enum AgeIdentity: Sendable {
    /// An X25519 secret key (`AGE-SECRET-KEY-1…`).
    case x25519(AgeX25519Identity)
    /// A passphrase. Files asking for a work factor above `maxWorkFactor` are refused before
    /// any work is done: 22 means at most 4 GiB of memory and several seconds.
    case scrypt(passphrase: SecretBytes, maxWorkFactor: Int = 22)

    /// The file key from the stanzas addressed to this identity, or nil when none opens.
    func unwrap(_ stanzas: [AgeStanza]) throws -> SecretBytes? {
        switch self {
        case .x25519(let identity):
            return try identity.unwrap(stanzas)
        case .scrypt(let passphrase, let maxWorkFactor):
            return try AgeScrypt.unwrap(stanzas, passphrase: passphrase, maxWorkFactor: maxWorkFactor)
        }
    }
}
