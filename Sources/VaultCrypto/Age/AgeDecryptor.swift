/// Reads an age file from a source, one authenticated 64 KiB chunk at a time.
///
/// The header is parsed, the file key unwrapped and the header MAC verified before
/// ``init(identities:source:)`` returns, so a file for someone else or with a forged header
/// never yields a byte. Each chunk ``next()`` returns has been authenticated; the end of the
/// file is trusted only when ``next()`` returns nil. Plaintext already returned before an
/// error is authentic but incomplete: callers that must not act on partial data should
/// buffer until nil.
public final class AgeDecryptor {
    private enum State {
        case reading
        case done
        case failed(any Error)
    }

    private let reader: AgeSourceReader
    private let payloadKey: SecretBytes
    private var counter: UInt64 = 0
    private var state = State.reading

    /// Reads the header and unwraps the file key with the first identity that can.
    /// - Parameters:
    ///   - identities: tried in order; one X25519 identity, or passphrase, per entry.
    ///   - source: returns up to the number of bytes asked for, and an empty array only at
    ///     end of file.
    /// - Throws: ``AgeError/headerFailure(_:)`` for a malformed header or a malformed stanza
    ///   addressed to an identity; ``AgeError/noMatch`` when no identity opens any stanza;
    ///   ``AgeError/hmacFailure`` when the header was altered; ``AgeError/unsupported(_:)``
    ///   for an ASCII-armored file; the source's own errors.
    public init(identities: [AgeIdentity], source: @escaping (Int) throws -> [UInt8]) throws {
        reader = AgeSourceReader(source: source)
        let header = try AgeHeader.read(from: reader)
        if header.stanzas.contains(where: { $0.type == AgeScrypt.stanzaType }), header.stanzas.count != 1 {
            throw AgeError.headerFailure("an scrypt stanza must be the only stanza")
        }
        var unwrapped: SecretBytes?
        for identity in identities {
            if let key = try identity.unwrap(header.stanzas) { unwrapped = key; break }
        }
        guard let fileKey = unwrapped else { throw AgeError.noMatch }
        guard try header.verifyMAC(fileKey: fileKey) else { throw AgeError.hmacFailure }
        let nonce = try reader.read(upTo: Age.payloadNonceByteCount)
        guard nonce.count == Age.payloadNonceByteCount else {
            throw AgeError.headerFailure("the payload nonce is missing or short")
        }
        payloadKey = try Age.payloadKey(fileKey: fileKey, nonce: nonce)
    }

    /// The next chunk of plaintext (at most 64 KiB), or nil after the verified final chunk.
    ///
    /// Every chunk returned has been authenticated, including a final chunk that turns out
    /// to be followed by stray data: that error comes from the following call.
    /// - Throws: ``AgeError/payloadFailure(_:)`` for a chunk that does not authenticate, a
    ///   truncated file, a missing final chunk, data after the final chunk, or an empty final
    ///   chunk after other chunks; the source's own errors. Once it has thrown it throws
    ///   the same error again.
    public func next() throws -> [UInt8]? {
        switch state {
        case .done: return nil
        case .failed(let error): throw error
        case .reading: break
        }
        do {
            return try readChunk()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private func readChunk() throws -> [UInt8] {
        let tag = ChaCha20Poly1305IETF.tagByteCount
        let fullSize = Age.chunkByteCount + tag
        let sealed = try reader.read(upTo: fullSize)
        if sealed.isEmpty {
            throw AgeError.payloadFailure(counter == 0 ? "the payload has no chunks" : "the file ends without a final chunk")
        }
        guard sealed.count >= tag else { throw AgeError.payloadFailure("truncated chunk") }
        func open(last: Bool) -> [UInt8]? {
            sealed.withUnsafeBytes { s in
                ChaCha20Poly1305IETF.open(s, key: payloadKey, nonce: Age.chunkNonce(counter: counter, last: last))
            }
        }

        guard sealed.count == fullSize else {
            // A short read means end of file: this must be the final chunk.
            guard let plaintext = open(last: true) else {
                throw AgeError.payloadFailure("the last chunk does not authenticate as a final chunk (truncated or altered)")
            }
            guard !plaintext.isEmpty || counter == 0 else {
                throw AgeError.payloadFailure("the final chunk is empty, which only an empty file may have")
            }
            counter += 1
            state = .done
            return plaintext
        }
        // A full chunk is either a middle chunk or a full final one; its flag says which.
        if let plaintext = open(last: false) {
            counter += 1
            return plaintext
        }
        guard let plaintext = open(last: true) else {
            throw AgeError.payloadFailure("chunk \(counter) does not authenticate (altered, reordered or truncated)")
        }
        counter += 1
        // The final chunk is authentic and is returned; anything after it fails the next call.
        state = try reader.hasMore() ? .failed(AgeError.payloadFailure("data follows the final chunk")) : .done
        return plaintext
    }
}
