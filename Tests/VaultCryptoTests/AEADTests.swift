import Foundation
import Testing
@testable import VaultCrypto

struct AEADVector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let key: Hex
    let nonce: Hex
    let ad: Hex
    let plaintext: Hex
    /// libsodium's combined form: ciphertext ‖ tag, without the nonce.
    let ciphertext: Hex

    var testDescription: String { comment }
    /// What ``XChaCha20Poly1305/seal(_:key:associatedData:)`` produces: nonce ‖ ciphertext ‖ tag.
    var sealed: [UInt8] { nonce.bytes + ciphertext.bytes }
}

@Suite("XChaCha20-Poly1305")
struct AEADTests {
    static func vectors() throws -> [AEADVector] {
        try KnownAnswers.load("xchacha20poly1305.json", as: AEADVector.self).vectors
    }

    /// The draft-irtf-cfrg-xchacha A.3.1 case, which every negative test tampers with.
    static func draftVector() throws -> AEADVector {
        let all = try vectors()
        return try #require(all.first { $0.comment.hasPrefix("draft-irtf-cfrg-xchacha") })
    }

    @Test("the vector file covers the required cases")
    func vectorFileIsComplete() throws {
        let file = try KnownAnswers.load("xchacha20poly1305.json", as: AEADVector.self)
        #expect(file.source.contains("crypto_aead_xchacha20poly1305_ietf_encrypt"))
        #expect(file.vectors.count == 8)
        #expect(file.vectors.contains { $0.plaintext.bytes.isEmpty && $0.ad.bytes.isEmpty })
        #expect(file.vectors.contains { $0.plaintext.bytes.isEmpty && !$0.ad.bytes.isEmpty })
        #expect(file.vectors.contains { !$0.plaintext.bytes.isEmpty && $0.ad.bytes.isEmpty })
    }

    @Test("sizes match libsodium's constants")
    func sizes() {
        #expect(XChaCha20Poly1305.keyByteCount == 32)
        #expect(XChaCha20Poly1305.nonceByteCount == 24)
        #expect(XChaCha20Poly1305.tagByteCount == 16)
        #expect(XChaCha20Poly1305.overhead == 40)
    }

    @Test("seal with a fixed nonce reproduces the vector", arguments: try AEADTests.vectors())
    func sealMatchesVector(_ vector: AEADVector) throws {
        let key = try SecretBytes(copying: vector.key.bytes)
        let sealed = try XChaCha20Poly1305.seal(vector.plaintext.bytes, key: key,
                                                associatedData: vector.ad.bytes, nonce: vector.nonce.bytes)
        #expect(hexString(sealed) == hexString(vector.sealed))
    }

    @Test("open and openSecret recover the vector's plaintext", arguments: try AEADTests.vectors())
    func openMatchesVector(_ vector: AEADVector) throws {
        let key = try SecretBytes(copying: vector.key.bytes)
        let opened = try XChaCha20Poly1305.open(vector.sealed, key: key, associatedData: vector.ad.bytes)
        #expect(hexString(opened) == hexString(vector.plaintext.bytes))
        let secret = try XChaCha20Poly1305.openSecret(vector.sealed, key: key, associatedData: vector.ad.bytes)
        #expect(hexString(secret.exposedForTest) == hexString(vector.plaintext.bytes))
        #expect(secret.count == vector.plaintext.bytes.count)
    }

    @Test("open accepts Data and array slices as well as arrays")
    func openAcceptsOtherContiguousBytes() throws {
        let vector = try Self.draftVector()
        let key = try SecretBytes(copying: vector.key.bytes)
        #expect(try XChaCha20Poly1305.open(Data(vector.sealed), key: key, associatedData: vector.ad.bytes) == vector.plaintext.bytes)
        let padded = [0xAA] + vector.sealed + [0xBB]
        let slice = padded[1..<(padded.count - 1)]
        #expect(try XChaCha20Poly1305.open(slice, key: key, associatedData: vector.ad.bytes) == vector.plaintext.bytes)
    }

    @Test("seal picks a fresh nonce each time, and both results open")
    func sealUsesFreshNonces() throws {
        let key = try XChaCha20Poly1305.generateKey()
        #expect(key.count == 32)
        let message = Array("intake form, page 1".utf8)
        let ad = Array("record:7".utf8)
        let first = try XChaCha20Poly1305.seal(message, key: key, associatedData: ad)
        let second = try XChaCha20Poly1305.seal(message, key: key, associatedData: ad)
        #expect(first.count == message.count + 40)
        #expect(second.count == message.count + 40)
        #expect(first.prefix(24) != second.prefix(24))
        #expect(first != second)
        #expect(try XChaCha20Poly1305.open(first, key: key, associatedData: ad) == message)
        #expect(try XChaCha20Poly1305.open(second, key: key, associatedData: ad) == message)
    }

    @Test("an empty message seals to exactly nonce and tag and opens to empty")
    func emptyRoundTrip() throws {
        let key = try XChaCha20Poly1305.generateKey()
        let sealed = try XChaCha20Poly1305.seal([UInt8](), key: key)
        #expect(sealed.count == 40)
        #expect(try XChaCha20Poly1305.open(sealed, key: key) == [])
        #expect(try XChaCha20Poly1305.openSecret(sealed, key: key).count == 0)
    }

    @Test("sealSecret and openSecret round-trip a key without leaving secure memory")
    func secretRoundTrip() throws {
        let wrappingKey = try XChaCha20Poly1305.generateKey()
        let dataKey = try SecretBytes(copying: Array(0..<32) as [UInt8])
        let ad = Array("wrap:data-key".utf8)
        let sealed = try XChaCha20Poly1305.sealSecret(dataKey, key: wrappingKey, associatedData: ad)
        #expect(sealed.count == 32 + 40)
        let unwrapped = try XChaCha20Poly1305.openSecret(sealed, key: wrappingKey, associatedData: ad)
        #expect(unwrapped == dataKey)
        #expect(unwrapped.exposedForTest == Array(0..<32))
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.openSecret(sealed, key: wrappingKey, associatedData: [])
        }
    }

    @Test("flipping any bit of nonce, ciphertext or tag fails authentication")
    func tamperedBytesFail() throws {
        let vector = try Self.draftVector()
        let key = try SecretBytes(copying: vector.key.bytes)
        let sealed = vector.sealed
        #expect(sealed.count == 24 + 114 + 16)
        for index in sealed.indices {
            for bit in [0, 7] {
                let tampered = flippingBit(bit, ofByte: index, in: sealed)
                #expect(throws: CryptoError.authenticationFailed, "byte \(index) bit \(bit)") {
                    try XChaCha20Poly1305.open(tampered, key: key, associatedData: vector.ad.bytes)
                }
            }
        }
        let lastTagByte = sealed.count - 1
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.openSecret(flippingBit(ofByte: lastTagByte, in: sealed), key: key,
                                             associatedData: vector.ad.bytes)
        }
    }

    @Test("appending or dropping a byte fails authentication")
    func lengthChangesFail() throws {
        let vector = try Self.draftVector()
        let key = try SecretBytes(copying: vector.key.bytes)
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(vector.sealed + [0], key: key, associatedData: vector.ad.bytes)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(Array(vector.sealed.dropLast()), key: key, associatedData: vector.ad.bytes)
        }
    }

    @Test("changed, extended, truncated or missing associated data fails authentication")
    func wrongAssociatedDataFails() throws {
        let vector = try Self.draftVector()
        let key = try SecretBytes(copying: vector.key.bytes)
        let ad = vector.ad.bytes
        let wrongADs: [[UInt8]] = [[], ad + [0], Array(ad.dropLast()), flippingBit(ofByte: 0, in: ad),
                                   flippingBit(7, ofByte: ad.count - 1, in: ad)]
        for wrong in wrongADs {
            #expect(throws: CryptoError.authenticationFailed, "ad \(hexString(wrong))") {
                try XChaCha20Poly1305.open(vector.sealed, key: key, associatedData: wrong)
            }
        }
        // The reverse: a value sealed without associated data does not open with some.
        let plain = try #require(try Self.vectors().first { $0.ad.bytes.isEmpty && !$0.plaintext.bytes.isEmpty })
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(plain.sealed, key: SecretBytes(copying: plain.key.bytes), associatedData: [0])
        }
    }

    @Test("a different key of the right size fails authentication")
    func wrongKeyFails() throws {
        let vector = try Self.draftVector()
        let wrongKey = try SecretBytes(copying: flippingBit(ofByte: 31, in: vector.key.bytes))
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(vector.sealed, key: wrongKey, associatedData: vector.ad.bytes)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(vector.sealed, key: XChaCha20Poly1305.generateKey(), associatedData: vector.ad.bytes)
        }
    }

    @Test("keys of the wrong size are rejected before any work", arguments: [0, 16, 31, 33, 64])
    func wrongKeySize(_ size: Int) throws {
        let key = try SecretBytes(zeroedCount: size)
        let vector = try Self.draftVector()
        let expected = CryptoError.wrongKeySize(expected: 32, actual: size)
        #expect(throws: expected) { try XChaCha20Poly1305.seal([1, 2, 3], key: key) }
        #expect(throws: expected) { try XChaCha20Poly1305.sealSecret(SecretBytes(zeroedCount: 4), key: key) }
        #expect(throws: expected) { try XChaCha20Poly1305.open(vector.sealed, key: key, associatedData: vector.ad.bytes) }
        #expect(throws: expected) { try XChaCha20Poly1305.openSecret(vector.sealed, key: key, associatedData: vector.ad.bytes) }
        // Key size is checked before length, so even a truncated input reports the key.
        #expect(throws: expected) { try XChaCha20Poly1305.open([UInt8](), key: key) }
    }

    @Test("the deterministic seal rejects nonces that are not 24 bytes", arguments: [0, 12, 23, 25])
    func wrongNonceSize(_ size: Int) throws {
        let key = try SecretBytes(zeroedCount: 32)
        #expect(throws: CryptoError.wrongKeySize(expected: 24, actual: size)) {
            try XChaCha20Poly1305.seal([1], key: key, associatedData: [], nonce: [UInt8](repeating: 0, count: size))
        }
    }

    @Test("inputs shorter than nonce plus tag are truncated, not forged")
    func truncatedInput() throws {
        let vector = try Self.draftVector()
        let key = try SecretBytes(copying: vector.key.bytes)
        for length in 0..<40 {
            let short = Array(vector.sealed.prefix(length))
            #expect(throws: CryptoError.truncatedInput, "length \(length)") {
                try XChaCha20Poly1305.open(short, key: key, associatedData: vector.ad.bytes)
            }
            #expect(throws: CryptoError.truncatedInput, "length \(length)") {
                try XChaCha20Poly1305.openSecret(short, key: key, associatedData: vector.ad.bytes)
            }
        }
        // Exactly nonce plus tag is long enough to try, and then fails to verify.
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open(Array(vector.sealed.prefix(40)), key: key, associatedData: vector.ad.bytes)
        }
    }
}
