/// The textual age v1 header: version line, stanzas, and the MAC line.
internal struct AgeHeader {
    static let versionLine = Array("age-encryption.org/v1".utf8)
    static let versionPrefix = Array("age-encryption.org/".utf8)
    static let stanzaPrefix = Array("-> ".utf8)
    static let macPrefix = Array("---".utf8)
    static let armorPrefix = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
    static let macInfo = Array("header".utf8)
    /// Body lines are wrapped at 64 columns.
    static let columnCount = 64
    /// A header larger than this is refused rather than buffered (a native header is well
    /// under 4 KiB; hybrid stanzas add about 1.5 KiB each).
    static let maxByteCount = 1 << 20

    var stanzas: [AgeStanza]
    /// The header bytes the MAC covers: everything up to and including `---`.
    var macInput: [UInt8]
    /// The 32-byte MAC from the last line.
    var mac: [UInt8]

    /// The HMAC key: HKDF-SHA-256(ikm = file key, salt = empty, info = "header").
    static func macKey(fileKey: SecretBytes) throws -> SecretBytes {
        try HKDFSHA256.deriveKey(ikm: fileKey, salt: [], info: macInfo)
    }

    /// The complete header for `stanzas`, MAC line included, ready to write.
    static func encode(stanzas: [AgeStanza], fileKey: SecretBytes) throws -> [UInt8] {
        var out = versionLine + [0x0a]
        for stanza in stanzas { out += stanza.encoded }
        out += macPrefix
        let mac = HMACSHA256.tag(out, key: try macKey(fileKey: fileKey))
        out.append(UInt8(ascii: " "))
        out += AgeBase64.encode(mac)
        out.append(0x0a)
        return out
    }

    /// True when `mac` is the header MAC under `fileKey` (constant-time comparison).
    func verifyMAC(fileKey: SecretBytes) throws -> Bool {
        let expected = try SecretBytes(copying: HMACSHA256.tag(macInput, key: Self.macKey(fileKey: fileKey)))
        return expected.constantTimeEquals(try SecretBytes(copying: mac))
    }

    /// Reads and checks the header syntax, leaving `reader` at the first payload byte.
    /// - Throws: ``AgeError/headerFailure(_:)`` for anything that breaks the v1 grammar;
    ///   ``AgeError/unsupported(_:)`` for an ASCII-armored file.
    static func read(from reader: AgeSourceReader) throws -> AgeHeader {
        var macInput = [UInt8]()
        func nextLine() throws -> [UInt8] {
            let budget = maxByteCount - macInput.count
            guard let line = try reader.readLine(maxLength: budget, tooLong: AgeError.headerFailure("header is longer than 1 MiB")) else {
                throw AgeError.headerFailure("header ends before its MAC line")
            }
            return line
        }

        let start = try reader.peek(armorPrefix.count + 64)
        if start.drop(while: { [0x20, 0x09, 0x0a, 0x0d].contains($0) }).starts(with: armorPrefix) {
            throw AgeError.unsupported("ASCII-armored age files")
        }
        let version = try nextLine()
        guard version == versionLine else {
            throw AgeError.headerFailure(version.starts(with: versionPrefix) ? "unsupported age version" : "not an age file")
        }
        macInput += version + [0x0a]

        var stanzas = [AgeStanza]()
        while true {
            let line = try nextLine()
            if line.starts(with: macPrefix) {
                // "--- " then exactly 43 base64 characters: the canonical encoding of 32 bytes.
                guard line.count == macPrefix.count + 1 + 43, line[macPrefix.count] == UInt8(ascii: " "),
                      let mac = AgeBase64.decode(line[(macPrefix.count + 1)...]), mac.count == HMACSHA256.byteCount else {
                    throw AgeError.headerFailure("malformed MAC line")
                }
                guard !stanzas.isEmpty else { throw AgeError.headerFailure("header has no recipient stanzas") }
                macInput += macPrefix
                return AgeHeader(stanzas: stanzas, macInput: macInput, mac: mac)
            }
            guard line.starts(with: stanzaPrefix) else { throw AgeError.headerFailure("unexpected header line") }
            let arguments = line[stanzaPrefix.count...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard arguments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x21...0x7e).contains($0) } }) else {
                throw AgeError.headerFailure("stanza argument is empty or not printable ASCII")
            }
            macInput += line + [0x0a]
            var body = [UInt8]()
            while true {
                let bodyLine = try nextLine()
                guard bodyLine.count <= columnCount, bodyLine.allSatisfy(AgeBase64.isBase64Character) else {
                    throw AgeError.headerFailure("stanza body line is too long or not base64")
                }
                macInput += bodyLine + [0x0a]
                body += bodyLine
                if bodyLine.count < columnCount { break }
            }
            guard let decoded = AgeBase64.decode(body) else {
                throw AgeError.headerFailure("stanza body is not canonical base64")
            }
            stanzas.append(AgeStanza(arguments: arguments.map { String(decoding: $0, as: UTF8.self) }, body: decoded))
        }
    }
}
