import Foundation
import Testing
@testable import VaultCrypto

struct Ed25519Vector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let seed: Hex
    let publicKey: Hex
    let message: Hex
    let signature: Hex

    var testDescription: String { comment }
}

@Suite("Ed25519")
struct SigningTests {
    static func vectors() throws -> [Ed25519Vector] {
        try KnownAnswers.load("ed25519.json", as: Ed25519Vector.self).vectors
    }

    /// RFC 8032 TEST 2 (one-byte message), which the negative tests alter.
    static func rfcVector() throws -> Ed25519Vector {
        try #require(try vectors().first { $0.comment == "RFC 8032 7.1 TEST 2" })
    }

    @Test("the vector file covers the required cases")
    func vectorFileIsComplete() throws {
        let file = try KnownAnswers.load("ed25519.json", as: Ed25519Vector.self)
        #expect(file.source.contains("nacl.signing"))
        #expect(file.vectors.count == 6)
        #expect(file.vectors.filter { $0.comment.hasPrefix("RFC 8032") }.count == 3)
        #expect(file.vectors.contains { $0.message.bytes.isEmpty })
    }

    @Test("sizes match libsodium's constants")
    func sizes() {
        #expect(Ed25519KeyPair.publicKeyByteCount == 32)
        #expect(Ed25519KeyPair.secretKeyByteCount == 64)
        #expect(Ed25519KeyPair.seedByteCount == 32)
        #expect(Ed25519KeyPair.signatureByteCount == 64)
    }

    @Test("a seed determines the vector's key pair", arguments: try SigningTests.vectors())
    func keyPairFromSeed(_ vector: Ed25519Vector) throws {
        let pair = try Ed25519KeyPair(seed: SecretBytes(copying: vector.seed.bytes))
        #expect(hexString(pair.publicKey) == hexString(vector.publicKey.bytes))
        #expect(pair.secretKey.exposedForTest == vector.seed.bytes + vector.publicKey.bytes)
        #expect(try pair.seed().exposedForTest == vector.seed.bytes)
    }

    @Test("signing is deterministic and reproduces the vector", arguments: try SigningTests.vectors())
    func signMatchesVector(_ vector: Ed25519Vector) throws {
        let pair = try Ed25519KeyPair(seed: SecretBytes(copying: vector.seed.bytes))
        #expect(hexString(pair.sign(vector.message.bytes)) == hexString(vector.signature.bytes))
        #expect(pair.sign(Data(vector.message.bytes)) == vector.signature.bytes)
    }

    @Test("the vector's signature verifies", arguments: try SigningTests.vectors())
    func vectorVerifies(_ vector: Ed25519Vector) throws {
        #expect(Ed25519.isValid(signature: vector.signature.bytes, message: vector.message.bytes,
                                publicKey: vector.publicKey.bytes))
        try Ed25519.verify(signature: vector.signature.bytes, message: vector.message.bytes,
                           publicKey: vector.publicKey.bytes)
    }

    @Test("flipping any bit of the signature makes it invalid")
    func tamperedSignature() throws {
        let vector = try Self.rfcVector()
        for index in 0..<64 {
            for bit in [0, 5] {
                let bad = flippingBit(bit, ofByte: index, in: vector.signature.bytes)
                #expect(!Ed25519.isValid(signature: bad, message: vector.message.bytes, publicKey: vector.publicKey.bytes),
                        "byte \(index) bit \(bit)")
            }
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try Ed25519.verify(signature: flippingBit(ofByte: 0, in: vector.signature.bytes),
                               message: vector.message.bytes, publicKey: vector.publicKey.bytes)
        }
    }

    @Test("a changed, extended or empty message makes the signature invalid")
    func tamperedMessage() throws {
        let vector = try Self.rfcVector()
        let message = vector.message.bytes
        #expect(message == [0x72])
        for wrong in [[0x73], message + [0], [], [0x72, 0x72]] as [[UInt8]] {
            #expect(!Ed25519.isValid(signature: vector.signature.bytes, message: wrong, publicKey: vector.publicKey.bytes))
            #expect(throws: CryptoError.authenticationFailed) {
                try Ed25519.verify(signature: vector.signature.bytes, message: wrong, publicKey: vector.publicKey.bytes)
            }
        }
    }

    @Test("another signer's public key does not verify the signature")
    func wrongPublicKey() throws {
        let vectors = try Self.vectors()
        let vector = try Self.rfcVector()
        for other in vectors where other.publicKey != vector.publicKey {
            #expect(!Ed25519.isValid(signature: vector.signature.bytes, message: vector.message.bytes,
                                     publicKey: other.publicKey.bytes), "\(other.comment)")
        }
        #expect(!Ed25519.isValid(signature: vector.signature.bytes, message: vector.message.bytes,
                                 publicKey: flippingBit(ofByte: 3, in: vector.publicKey.bytes)))
    }

    @Test("signatures and public keys of the wrong length are invalid, not a crash")
    func wrongLengths() throws {
        let vector = try Self.rfcVector()
        let sig = vector.signature.bytes
        let pk = vector.publicKey.bytes
        let message = vector.message.bytes
        for badSig in [[], Array(sig.dropLast()), sig + [0], sig + sig] as [[UInt8]] {
            #expect(!Ed25519.isValid(signature: badSig, message: message, publicKey: pk), "sig length \(badSig.count)")
        }
        for badKey in [[], Array(pk.dropLast()), pk + [0]] as [[UInt8]] {
            #expect(!Ed25519.isValid(signature: sig, message: message, publicKey: badKey), "key length \(badKey.count)")
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try Ed25519.verify(signature: Array(sig.dropLast()), message: message, publicKey: pk)
        }
    }

    @Test("a malleated signature (S + L) is rejected")
    func nonCanonicalSignatureRejected() throws {
        let vector = try Self.rfcVector()
        // The group order L, little-endian.
        let order = hexBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        var malleated = vector.signature.bytes
        var carry = 0
        for index in 0..<32 {
            let sum = Int(malleated[32 + index]) + Int(order[index]) + carry
            malleated[32 + index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0)
        #expect(malleated != vector.signature.bytes)
        #expect(!Ed25519.isValid(signature: malleated, message: vector.message.bytes, publicKey: vector.publicKey.bytes))
    }

    @Test("seeds of the wrong size are rejected", arguments: [0, 31, 33, 64])
    func wrongSeedSize(_ size: Int) throws {
        #expect(throws: CryptoError.wrongKeySize(expected: 32, actual: size)) {
            try Ed25519KeyPair(seed: SecretBytes(zeroedCount: size))
        }
    }

    @Test("generated key pairs sign and verify, and are distinct")
    func generatedPairs() throws {
        let first = try Ed25519KeyPair.generate()
        let second = try Ed25519KeyPair.generate()
        #expect(first.publicKey.count == 32)
        #expect(first.secretKey.count == 64)
        #expect(first.publicKey != second.publicKey)
        let message = Array("export approved by dr.ames".utf8)
        let signature = first.sign(message)
        #expect(signature.count == 64)
        #expect(Ed25519.isValid(signature: signature, message: message, publicKey: first.publicKey))
        #expect(!Ed25519.isValid(signature: signature, message: message, publicKey: second.publicKey))
        // The seed alone rebuilds the same pair.
        let rebuilt = try Ed25519KeyPair(seed: first.seed())
        #expect(rebuilt.publicKey == first.publicKey)
        #expect(rebuilt.secretKey == first.secretKey)
    }
}
