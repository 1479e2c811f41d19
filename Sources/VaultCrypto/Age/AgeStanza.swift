/// One recipient stanza of an age header: `-> ARG ARG…`, then a base64 body.
///
/// The first argument names the recipient type. Identities read only the stanzas whose type
/// they recognise and ignore the rest (which is how grease and plugin stanzas pass).
internal struct AgeStanza: Equatable {
    /// The arguments after `->`, each one or more printable ASCII characters.
    var arguments: [String]
    /// The decoded body.
    var body: [UInt8]

    /// The recipient type: the first argument.
    var type: String { arguments.first ?? "" }

    /// The header lines of this stanza, each ending in LF; the body is wrapped at 64 columns
    /// and always ends with a line shorter than 64 (empty when the body fills whole lines).
    var encoded: [UInt8] {
        var out = Array("->".utf8)
        for argument in arguments { out.append(UInt8(ascii: " ")); out += Array(argument.utf8) }
        out.append(0x0a)
        let body = AgeBase64.encode(self.body)
        var start = 0
        while true {
            let end = min(start + AgeHeader.columnCount, body.count)
            out += body[start..<end]
            out.append(0x0a)
            if end - start < AgeHeader.columnCount { break }
            start = end
        }
        return out
    }
}

/// The fixed ChaCha20-Poly1305 nonce of stanza bodies (12 zero bytes): every wrap key is used
/// for one encryption only.
internal let ageStanzaNonce = [UInt8](repeating: 0, count: 12)

/// Checks that `stanza` has exactly `count` arguments (type included) and a 32-byte body:
/// a 16-byte file key and its tag. Checking the length before decrypting blocks
/// partitioning-oracle attacks.
internal func ageRequire(_ stanza: AgeStanza, argumentCount count: Int) throws {
    guard stanza.arguments.count == count else {
        throw AgeError.headerFailure("\(stanza.type) stanza has \(stanza.arguments.count - 1) arguments, expected \(count - 1)")
    }
    guard stanza.body.count == Age.fileKeyByteCount + ChaCha20Poly1305IETF.tagByteCount else {
        throw AgeError.headerFailure("\(stanza.type) stanza body is \(stanza.body.count) bytes, expected 32")
    }
}
