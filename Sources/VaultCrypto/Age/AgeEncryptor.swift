/// Writes an age file to a sink as the plaintext arrives.
///
/// The header and payload nonce go out in ``init(recipients:sink:)``; each 64 KiB chunk goes
/// out as soon as the next byte shows it is not the last. At most one chunk of plaintext is
/// held, in secure memory, so memory use does not grow with the file.
///
/// ```swift
/// let encryptor = try AgeEncryptor(recipients: [.x25519(recipient)]) { try handle.write(contentsOf: $0) }
/// try encryptor.write(part1)
/// try encryptor.write(part2)
/// try encryptor.finish()   // without this the file has no final chunk and will not open
/// ```
public final class AgeEncryptor {
    private let sink: ([UInt8]) throws -> Void
    private let payloadKey: SecretBytes
    private let chunk: SecretBytes
    private var filled = 0
    private var counter: UInt64 = 0
    private var finished = false

    /// Starts a file for `recipients` and writes its header.
    /// - Parameters:
    ///   - recipients: at least one; an scrypt recipient must be alone.
    ///   - sink: receives the file bytes in order; its errors stop the encryption.
    /// - Throws: ``AgeError/unsupported(_:)`` for no recipients, scrypt mixed with others or a
    ///   work factor outside 1…30; ``CryptoError/invalidKey`` for a low-order X25519
    ///   recipient; ``CryptoError/keyDerivationFailed`` when scrypt runs out of memory.
    public init(recipients: [AgeRecipient], sink: @escaping ([UInt8]) throws -> Void) throws {
        guard !recipients.isEmpty else { throw AgeError.unsupported("an age file needs at least one recipient") }
        let hasScrypt = recipients.contains { if case .scrypt = $0 { return true } else { return false } }
        guard !hasScrypt || recipients.count == 1 else {
            throw AgeError.unsupported("an scrypt recipient must be the only recipient")
        }
        let fileKey = try SecretBytes(randomCount: Age.fileKeyByteCount)
        let stanzas = try recipients.map { try $0.wrap(fileKey: fileKey) }
        let nonce = Random.bytes(Age.payloadNonceByteCount)
        self.payloadKey = try Age.payloadKey(fileKey: fileKey, nonce: nonce)
        self.chunk = try SecretBytes(zeroedCount: Age.chunkByteCount)
        self.sink = sink
        try sink(AgeHeader.encode(stanzas: stanzas, fileKey: fileKey) + nonce)
    }

    /// Adds plaintext, writing every chunk that fills up and is followed by more data.
    /// - Throws: the sink's errors; ``AgeError/unsupported(_:)`` after ``finish()`` or after
    ///   the sink has thrown (the output is then incomplete and must be discarded).
    public func write(_ bytes: [UInt8]) throws {
        guard !finished else { throw AgeError.unsupported("the encryptor is finished (or its sink failed)") }
        var index = 0
        while index < bytes.count {
            if filled == Age.chunkByteCount { try flush(last: false) }
            let n = min(Age.chunkByteCount - filled, bytes.count - index)
            chunk.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    guard let to = dst.baseAddress, let from = src.baseAddress else { return }
                    to.advanced(by: filled).copyMemory(from: from.advanced(by: index), byteCount: n)
                }
            }
            filled += n
            index += n
        }
    }

    /// Writes the final chunk. The file is incomplete (and will not decrypt) until this
    /// returns; afterwards the encryptor accepts nothing more.
    public func finish() throws {
        guard !finished else { throw AgeError.unsupported("the encryptor is finished (or its sink failed)") }
        finished = true
        try flush(last: true)
    }

    private func flush(last: Bool) throws {
        let nonce = Age.chunkNonce(counter: counter, last: last)
        let sealed = try chunk.withUnsafeBytes { all in
            try ChaCha20Poly1305IETF.seal(UnsafeRawBufferPointer(rebasing: all[0..<filled]), key: payloadKey, nonce: nonce)
        }
        filled = 0
        counter += 1
        do {
            try sink(sealed)
        } catch {
            finished = true
            throw error
        }
    }
}
