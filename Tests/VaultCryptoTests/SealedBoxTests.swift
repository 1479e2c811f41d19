import Foundation
import Testing
@testable import VaultCrypto

struct SealedBoxVector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let recipientSecretKey: Hex
    let recipientPublicKey: Hex
    let message: Hex
    let sealed: Hex

    var testDescription: String { comment }

    func keyPair() throws -> X25519KeyPair {
        try X25519KeyPair(secretKey: SecretBytes(copying: recipientSecretKey.bytes))
    }
}

@Suite("Sealed boxes")
struct SealedBoxTests {
    static func vectors() throws -> [SealedBoxVector] {
        try KnownAnswers.load("sealedbox.json", as: SealedBoxVector.self).vectors
    }

    static func textVector() throws -> SealedBoxVector {
        try #require(try vectors().first { $0.comment == "text message" })
    }

    @Test("the vector file covers the required cases")
    func vectorFileIsComplete() throws {
        let file = try KnownAnswers.load("sealedbox.json", as: SealedBoxVector.self)
        #expect(file.source.contains("nacl.public.SealedBox"))
        #expect(file.vectors.count == 4)
        #expect(file.vectors.contains { $0.message.bytes.isEmpty })
        for vector in file.vectors {
            #expect(vector.sealed.bytes.count == vector.message.bytes.count + 48, "\(vector.comment)")
        }
    }

    @Test("sizes match libsodium's constants")
    func sizes() {
        #expect(SealedBox.overhead == 48)
        #expect(X25519KeyPair.publicKeyByteCount == 32)
        #expect(X25519KeyPair.secretKeyByteCount == 32)
    }

    @Test("the secret key determines the vector's public key", arguments: try SealedBoxTests.vectors())
    func publicKeyFromSecret(_ vector: SealedBoxVector) throws {
        let pair = try vector.keyPair()
        #expect(hexString(pair.publicKey) == hexString(vector.recipientPublicKey.bytes))
        #expect(pair.secretKey.exposedForTest == vector.recipientSecretKey.bytes)
    }

    @Test("a box sealed by PyNaCl opens to the vector's message", arguments: try SealedBoxTests.vectors())
    func opensVector(_ vector: SealedBoxVector) throws {
        let pair = try vector.keyPair()
        let opened = try SealedBox.open(vector.sealed.bytes, keyPair: pair)
        #expect(hexString(opened) == hexString(vector.message.bytes))
        let secret = try SealedBox.openSecret(Data(vector.sealed.bytes), keyPair: pair)
        #expect(hexString(secret.exposedForTest) == hexString(vector.message.bytes))
    }

    @Test("a box sealed here opens in the vector's key pair", arguments: try SealedBoxTests.vectors())
    func sealToVectorKey(_ vector: SealedBoxVector) throws {
        let sealed = try SealedBox.seal(vector.message.bytes, to: vector.recipientPublicKey.bytes)
        #expect(sealed.count == vector.message.bytes.count + 48)
        #expect(sealed != vector.sealed.bytes)  // fresh ephemeral key every time
        #expect(try SealedBox.open(sealed, keyPair: vector.keyPair()) == vector.message.bytes)
    }

    @Test("round trip with a generated key pair, including secrets and empty messages")
    func roundTrip() throws {
        let pair = try X25519KeyPair.generate()
        #expect(pair.publicKey.count == 32)
        #expect(pair.secretKey.count == 32)
        #expect(try X25519KeyPair(secretKey: pair.secretKey).publicKey == pair.publicKey)

        let message = Array("data key for record 17".utf8)
        let first = try SealedBox.seal(message, to: pair.publicKey)
        let second = try SealedBox.seal(message, to: pair.publicKey)
        #expect(first.count == message.count + 48)
        #expect(first.prefix(32) != second.prefix(32))
        #expect(try SealedBox.open(first, keyPair: pair) == message)
        #expect(try SealedBox.open(second, keyPair: pair) == message)

        let empty = try SealedBox.seal([UInt8](), to: pair.publicKey)
        #expect(empty.count == 48)
        #expect(try SealedBox.open(empty, keyPair: pair) == [])

        let dataKey = try SecretBytes(copying: Array(100..<132) as [UInt8])
        let wrapped = try SealedBox.seal(secret: dataKey, to: pair.publicKey)
        #expect(wrapped.count == 32 + 48)
        #expect(try SealedBox.openSecret(wrapped, keyPair: pair) == dataKey)
    }

    @Test("a box does not open for another recipient")
    func wrongRecipient() throws {
        let vectors = try Self.vectors()
        let vector = try Self.textVector()
        for other in vectors where other.recipientSecretKey != vector.recipientSecretKey {
            let otherPair = try other.keyPair()
            #expect(throws: CryptoError.authenticationFailed, "\(other.comment)") {
                try SealedBox.open(vector.sealed.bytes, keyPair: otherPair)
            }
        }
        let stranger = try X25519KeyPair.generate()
        #expect(throws: CryptoError.authenticationFailed) {
            try SealedBox.openSecret(vector.sealed.bytes, keyPair: stranger)
        }
        // The right secret key with a wrong public key also fails: the nonce binds both.
        let right = try vector.keyPair()
        let mismatched = try X25519KeyPair(publicKey: stranger.publicKey, secretKey: right.secretKey)
        #expect(throws: CryptoError.authenticationFailed) {
            try SealedBox.open(vector.sealed.bytes, keyPair: mismatched)
        }
    }

    @Test("flipping any bit of a sealed box fails authentication")
    func tampered() throws {
        let vector = try Self.textVector()
        let pair = try vector.keyPair()
        let sealed = vector.sealed.bytes
        for index in sealed.indices {
            #expect(throws: CryptoError.authenticationFailed, "byte \(index)") {
                try SealedBox.open(flippingBit(ofByte: index, in: sealed), keyPair: pair)
            }
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try SealedBox.open(sealed + [0], keyPair: pair)
        }
    }

    @Test("inputs shorter than the 48-byte overhead are truncated")
    func truncated() throws {
        let vector = try Self.textVector()
        let pair = try vector.keyPair()
        for length in 0..<48 {
            let short = Array(vector.sealed.bytes.prefix(length))
            #expect(throws: CryptoError.truncatedInput, "length \(length)") { try SealedBox.open(short, keyPair: pair) }
            #expect(throws: CryptoError.truncatedInput, "length \(length)") { try SealedBox.openSecret(short, keyPair: pair) }
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try SealedBox.open(Array(vector.sealed.bytes.prefix(48)), keyPair: pair)
        }
    }

    @Test("public and secret keys of the wrong size are rejected", arguments: [0, 31, 33, 64])
    func wrongKeySizes(_ size: Int) throws {
        let expected = CryptoError.wrongKeySize(expected: 32, actual: size)
        let key = [UInt8](repeating: 9, count: size)
        #expect(throws: expected) { try SealedBox.seal([1, 2, 3], to: key) }
        #expect(throws: expected) { try SealedBox.seal(secret: SecretBytes(zeroedCount: 4), to: key) }
        #expect(throws: expected) { try X25519KeyPair(secretKey: SecretBytes(zeroedCount: size)) }
    }

    @Test("sealing to a low-order public key is refused")
    func lowOrderPublicKey() throws {
        // The shared secret with the all-zero point is zero; libsodium refuses and so must we.
        #expect(throws: CryptoError.invalidKey) {
            try SealedBox.seal(Array("data key".utf8), to: [UInt8](repeating: 0, count: 32))
        }
    }
}
