import Foundation
import Testing
@testable import VaultCrypto

struct SHA256Vector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let message: Hex
    let digest: Hex

    var testDescription: String { comment }
}

struct BLAKE2bVector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let message: Hex
    /// Empty means unkeyed.
    let key: Hex
    let outputLength: Int
    let digest: Hex

    var testDescription: String { comment }
}

@Suite("SHA-256")
struct SHA256Tests {
    static func vectors() throws -> [SHA256Vector] {
        try KnownAnswers.load("sha256.json", as: SHA256Vector.self).vectors
    }

    @Test("the vector file holds the FIPS 180-2 values")
    func fipsValues() throws {
        let file = try KnownAnswers.load("sha256.json", as: SHA256Vector.self)
        #expect(file.source.contains("hashlib.sha256"))
        #expect(file.vectors.count == 7)
        let byMessage = Dictionary(file.vectors.map { ($0.message.bytes, $0.digest.bytes) }, uniquingKeysWith: { a, _ in a })
        #expect(byMessage[[]] == hexBytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        #expect(byMessage[Array("abc".utf8)] == hexBytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    @Test("hash reproduces the vector", arguments: try SHA256Tests.vectors())
    func hashMatchesVector(_ vector: SHA256Vector) {
        #expect(SHA256.byteCount == 32)
        #expect(hexString(SHA256.hash(vector.message.bytes)) == hexString(vector.digest.bytes))
        #expect(hexString(SHA256.hash(Data(vector.message.bytes))) == hexString(vector.digest.bytes))
    }

    @Test("hash(parts:) equals the hash of the concatenation, however split", arguments: try SHA256Tests.vectors())
    func partsMatchVector(_ vector: SHA256Vector) {
        let message = vector.message.bytes
        #expect(SHA256.hash(parts: [message]) == vector.digest.bytes)
        #expect(SHA256.hash(parts: [[], message, []]) == vector.digest.bytes)
        for split in Set([0, 1, message.count / 2, 63, 64, 65, message.count]) where split <= message.count {
            let parts = [Array(message[..<split]), Array(message[split...])]
            #expect(SHA256.hash(parts: parts) == vector.digest.bytes, "split at \(split)")
        }
        if message.count <= 64 {
            #expect(SHA256.hash(parts: message.map { [$0] }) == vector.digest.bytes, "byte by byte")
        }
    }

    @Test("hash(parts:) of no parts is the empty-string digest")
    func noParts() {
        #expect(hexString(SHA256.hash(parts: [])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("BLAKE2b")
struct BLAKE2bTests {
    static func vectors() throws -> [BLAKE2bVector] {
        try KnownAnswers.load("blake2b.json", as: BLAKE2bVector.self).vectors
    }

    @Test("the vector file covers keyed and unkeyed hashing at several lengths")
    func vectorFileIsComplete() throws {
        let file = try KnownAnswers.load("blake2b.json", as: BLAKE2bVector.self)
        #expect(file.source.contains("hashlib.blake2b"))
        #expect(file.vectors.count == 16)
        #expect(Set(file.vectors.map(\.outputLength)) == [16, 20, 32, 48, 64])
        #expect(file.vectors.filter { $0.key.bytes.isEmpty }.count == 9)
        #expect(Set(file.vectors.map(\.key.bytes.count)) == [0, 16, 32, 64])
        let rfc = try #require(file.vectors.first { $0.comment.hasPrefix("RFC 7693") })
        #expect(rfc.digest.bytes == hexBytes(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"))
    }

    @Test("hash reproduces the vector", arguments: try BLAKE2bTests.vectors())
    func hashMatchesVector(_ vector: BLAKE2bVector) throws {
        let key = vector.key.bytes.isEmpty ? nil : try SecretBytes(copying: vector.key.bytes)
        let digest = try BLAKE2b.hash(vector.message.bytes, outputByteCount: vector.outputLength, key: key)
        #expect(digest.count == vector.outputLength)
        #expect(hexString(digest) == hexString(vector.digest.bytes))
    }

    @Test("keys shorter than 16 bytes (including empty) are refused, not silently unkeyed", arguments: [0, 1, 15])
    func shortKeyRefused(_ length: Int) throws {
        let key = try SecretBytes(zeroedCount: length)
        #expect(throws: CryptoError.wrongKeySize(expected: 32, actual: length)) {
            try BLAKE2b.hash(Array("abc".utf8), key: key)
        }
    }

    @Test("the default length is 32 bytes")
    func defaultLength() throws {
        #expect(BLAKE2b.defaultByteCount == 32)
        let vector = try #require(try Self.vectors().first { $0.comment == "unkeyed, 32 bytes" })
        #expect(try BLAKE2b.hash(vector.message.bytes) == vector.digest.bytes)
    }

    @Test("keyed and unkeyed digests differ, and so do different keys")
    func keysMatter() throws {
        let message = Array("access-log entry".utf8)
        let unkeyed = try BLAKE2b.hash(message)
        let keyA = try BLAKE2b.hash(message, key: SecretBytes(copying: [UInt8](repeating: 1, count: 32)))
        let keyB = try BLAKE2b.hash(message, key: SecretBytes(copying: [UInt8](repeating: 2, count: 32)))
        #expect(unkeyed != keyA)
        #expect(keyA != keyB)
    }

    @Test("output lengths outside 16...64 are rejected", arguments: [0, 1, 15, 65, 128])
    func outputLengthOutOfRange(_ length: Int) {
        #expect(throws: CryptoError.invalidLength) {
            try BLAKE2b.hash([UInt8](), outputByteCount: length)
        }
    }

    @Test("a key longer than 64 bytes is rejected")
    func overlongKey() throws {
        let key = try SecretBytes(copying: [UInt8](repeating: 0x42, count: 65))
        #expect(throws: CryptoError.wrongKeySize(expected: 32, actual: 65)) {
            try BLAKE2b.hash(Array("data".utf8), key: key)
        }
    }
}
