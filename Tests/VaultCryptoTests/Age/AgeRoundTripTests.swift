import Foundation
import Testing
@testable import VaultCrypto

@Suite("age round trips")
struct AgeRoundTripTests {
    static let sizes = [0, 1, 65535, 65536, 65537, 200_000]
    static let sealedChunk = Age.chunkByteCount + 16

    /// Header bytes: version line 22, X25519 stanza 54 + 44, scrypt stanza 36 + 44, MAC line 48.
    static func headerSize(x25519 count: Int) -> Int { 22 + 98 * count + 48 }
    static let scryptHeaderSize = 22 + 36 + 44 + 48

    static func chunkCount(_ size: Int) -> Int { max(1, (size + Age.chunkByteCount - 1) / Age.chunkByteCount) }

    /// Encrypts in odd-sized writes and records every sink call.
    static func encryptStreaming(_ plaintext: [UInt8], to recipients: [AgeRecipient]) throws -> (file: [UInt8], writes: [Int]) {
        var file = [UInt8]()
        var writes = [Int]()
        let encryptor = try AgeEncryptor(recipients: recipients) { file += $0; writes.append($0.count) }
        var index = 0
        while index < plaintext.count {
            let end = min(plaintext.count, index + 7777)
            try encryptor.write(Array(plaintext[index..<end]))
            index = end
        }
        try encryptor.finish()
        return (file, writes)
    }

    /// Checks the streamed output: header + nonce first, then one sink call per sealed chunk.
    static func expectStreamShape(_ writes: [Int], size: Int, headerSize: Int) {
        let chunks = chunkCount(size)
        var expected = [headerSize + 16]
        expected += Array(repeating: sealedChunk, count: chunks - 1)
        expected.append(size - (chunks - 1) * Age.chunkByteCount + 16)
        #expect(writes == expected)
    }

    /// Decrypts with small reads, checking chunk sizes and that no read asks for more than one chunk.
    static func decryptStreaming(_ file: [UInt8], identities: [AgeIdentity], size: Int) throws -> [UInt8] {
        var position = 0
        var largestRequest = 0
        let decryptor = try AgeDecryptor(identities: identities) { count in
            largestRequest = max(largestRequest, count)
            let end = min(file.count, position + min(count, 5000))
            defer { position = end }
            return Array(file[position..<end])
        }
        var plaintext = [UInt8]()
        var chunkSizes = [Int]()
        while let chunk = try decryptor.next() {
            plaintext += chunk
            chunkSizes.append(chunk.count)
        }
        #expect(try decryptor.next() == nil)
        let chunks = chunkCount(size)
        #expect(chunkSizes == Array(repeating: Age.chunkByteCount, count: chunks - 1) + [size - (chunks - 1) * Age.chunkByteCount])
        #expect(largestRequest <= sealedChunk)
        return plaintext
    }

    @Test("one X25519 recipient", arguments: sizes)
    func x25519(size: Int) throws {
        let identity = try AgeX25519Identity.generate()
        let plaintext = AgeTestTools.pattern(size)
        let (file, writes) = try Self.encryptStreaming(plaintext, to: [.x25519(identity.recipient)])
        #expect(file.count == Self.headerSize(x25519: 1) + 16 + size + 16 * Self.chunkCount(size))
        Self.expectStreamShape(writes, size: size, headerSize: Self.headerSize(x25519: 1))
        #expect(try Self.decryptStreaming(file, identities: [.x25519(identity)], size: size) == plaintext)
        #expect(try Age.decrypt(file, identities: [.x25519(identity)]) == plaintext)
        #expect(try Age.decrypt(try Age.encrypt(plaintext, to: [.x25519(identity.recipient)]), identities: [.x25519(identity)]) == plaintext)
    }

    @Test("two X25519 recipients, each can open", arguments: sizes)
    func twoRecipients(size: Int) throws {
        let alice = try AgeX25519Identity.generate(), bob = try AgeX25519Identity.generate()
        let stranger = try AgeX25519Identity.generate()
        let plaintext = AgeTestTools.pattern(size, seed: 7)
        let (file, writes) = try Self.encryptStreaming(plaintext, to: [.x25519(alice.recipient), .x25519(bob.recipient)])
        #expect(file.count == Self.headerSize(x25519: 2) + 16 + size + 16 * Self.chunkCount(size))
        Self.expectStreamShape(writes, size: size, headerSize: Self.headerSize(x25519: 2))
        #expect(try Self.decryptStreaming(file, identities: [.x25519(alice)], size: size) == plaintext)
        #expect(try Self.decryptStreaming(file, identities: [.x25519(bob)], size: size) == plaintext)
        #expect(try Self.decryptStreaming(file, identities: [.x25519(stranger), .x25519(bob)], size: size) == plaintext)
        #expect(throws: AgeError.noMatch) { try Age.decrypt(file, identities: [.x25519(stranger)]) }
    }

    @Test("scrypt passphrase at work factor 10", arguments: sizes)
    func scrypt(size: Int) throws {
        let passphrase = try AgeTestTools.secret("correct horse battery staple")
        let plaintext = AgeTestTools.pattern(size, seed: 99)
        let (file, writes) = try Self.encryptStreaming(plaintext, to: [.scrypt(passphrase: passphrase, workFactor: 10)])
        #expect(file.count == Self.scryptHeaderSize + 16 + size + 16 * Self.chunkCount(size))
        Self.expectStreamShape(writes, size: size, headerSize: Self.scryptHeaderSize)
        #expect(try Self.decryptStreaming(file, identities: [.scrypt(passphrase: passphrase)], size: size) == plaintext)
        #expect(throws: AgeError.noMatch) {
            try Age.decrypt(file, identities: [.scrypt(passphrase: try AgeTestTools.secret("wrong"))])
        }
        #expect(throws: AgeError.headerFailure("scrypt work factor 10 exceeds the limit 9")) {
            try Age.decrypt(file, identities: [.scrypt(passphrase: passphrase, maxWorkFactor: 9)])
        }
    }

    @Test("the header has the v1 layout")
    func headerLayout() throws {
        let identity = try AgeX25519Identity.generate()
        let file = try Age.encrypt([1, 2, 3], to: [.x25519(identity.recipient)])
        let lines = file[0..<Self.headerSize(x25519: 1)].split(separator: 0x0a, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 5)  // version, arguments, body, MAC, and the empty tail after the last LF
        #expect(lines[0] == "age-encryption.org/v1")
        #expect(lines[1].hasPrefix("-> X25519 ") && lines[1].count == 53)
        #expect(lines[2].count == 43)
        #expect(lines[3].hasPrefix("--- ") && lines[3].count == 47)
        #expect(lines[4] == "")
        let scrypt = try Age.encrypt([], to: [.scrypt(passphrase: try AgeTestTools.secret("pw"), workFactor: 10)])
        let scryptArguments = String(decoding: scrypt[22..<(22 + 35)], as: UTF8.self)
        #expect(scryptArguments.hasPrefix("-> scrypt ") && scryptArguments.hasSuffix(" 10"))
    }

    @Test("stanza bodies wrap at 64 columns and always end with a short line")
    func stanzaWrapping() {
        let lines = { (count: Int) -> [Int] in
            AgeStanza(arguments: ["t"], body: [UInt8](repeating: 0xab, count: count)).encoded
                .split(separator: 0x0a, omittingEmptySubsequences: false).dropFirst().dropLast().map(\.count)
        }
        #expect(lines(0) == [0])
        #expect(lines(32) == [43])
        #expect(lines(47) == [63])
        #expect(lines(48) == [64, 0])
        #expect(lines(49) == [64, 2])
        #expect(lines(96) == [64, 64, 0])
    }

    @Test("the encryptor refuses what the format forbids")
    func encryptorRules() throws {
        let identity = try AgeX25519Identity.generate()
        let passphrase = try AgeTestTools.secret("pw")
        #expect(throws: AgeError.unsupported("an age file needs at least one recipient")) {
            try AgeEncryptor(recipients: []) { _ in }
        }
        #expect(throws: AgeError.unsupported("an scrypt recipient must be the only recipient")) {
            try AgeEncryptor(recipients: [.scrypt(passphrase: passphrase, workFactor: 10), .x25519(identity.recipient)]) { _ in }
        }
        #expect(throws: AgeError.unsupported("scrypt work factor 0 is outside 1...30")) {
            try AgeEncryptor(recipients: [.scrypt(passphrase: passphrase, workFactor: 0)]) { _ in }
        }
        #expect(throws: CryptoError.invalidKey) {
            try AgeEncryptor(recipients: [.x25519(try AgeX25519Recipient(publicKey: [UInt8](repeating: 0, count: 32)))]) { _ in }
        }
        let encryptor = try AgeEncryptor(recipients: [.x25519(identity.recipient)]) { _ in }
        try encryptor.finish()
        #expect(throws: AgeError.unsupported("the encryptor is finished (or its sink failed)")) { try encryptor.write([1]) }
        #expect(throws: AgeError.unsupported("the encryptor is finished (or its sink failed)")) { try encryptor.finish() }
    }

    @Test("two encryptions of the same plaintext differ")
    func freshness() throws {
        let identity = try AgeX25519Identity.generate()
        let a = try Age.encrypt([1, 2, 3], to: [.x25519(identity.recipient)])
        let b = try Age.encrypt([1, 2, 3], to: [.x25519(identity.recipient)])
        #expect(a.count == b.count)
        #expect(a != b)
        #expect(a[(a.count - 16 - 3 - 16)...] != b[(b.count - 16 - 3 - 16)...])  // payload nonces and ciphertexts
    }
}
