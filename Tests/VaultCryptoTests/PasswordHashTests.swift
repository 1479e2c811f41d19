import Foundation
import Testing
@testable import VaultCrypto

struct Argon2idVector: Decodable, Sendable, CustomTestStringConvertible {
    let comment: String
    let passphrase: Hex
    let salt: Hex
    let opslimit: UInt64
    let memlimit: Int
    let outputLength: Int
    let output: Hex

    var testDescription: String { comment }
    var limits: Argon2id.Limits { Argon2id.Limits(opsLimit: opslimit, memLimit: memlimit) }
}

@Suite("Argon2id")
struct PasswordHashTests {
    static func vectors() throws -> [Argon2idVector] {
        try KnownAnswers.load("argon2id.json", as: Argon2idVector.self).vectors
    }

    @Test("the vector file uses libsodium's INTERACTIVE limits and 32-byte outputs")
    func vectorFileIsComplete() throws {
        let file = try KnownAnswers.load("argon2id.json", as: Argon2idVector.self)
        #expect(file.source.contains("nacl.pwhash.argon2id.kdf"))
        #expect(file.vectors.count == 5)
        for vector in file.vectors {
            #expect(vector.opslimit == 2)
            #expect(vector.memlimit == 67_108_864)
            #expect(vector.outputLength == 32)
            #expect(vector.salt.bytes.count == 16)
        }
        #expect(file.vectors.contains { $0.passphrase.bytes.isEmpty })
    }

    @Test("deriveKey reproduces the vector", arguments: try PasswordHashTests.vectors())
    func deriveMatchesVector(_ vector: Argon2idVector) throws {
        #expect(vector.limits == .interactive)
        let key = try Argon2id.deriveKey(passphrase: SecretBytes(copying: vector.passphrase.bytes), salt: vector.salt.bytes,
                                         limits: vector.limits, outputByteCount: vector.outputLength)
        #expect(key.count == 32)
        #expect(hexString(key.exposedForTest) == hexString(vector.output.bytes))
    }

    @Test("the default output length is 32 bytes")
    func defaultOutputLength() throws {
        let vector = try #require(try Self.vectors().first)
        let key = try Argon2id.deriveKey(passphrase: SecretBytes(copying: vector.passphrase.bytes), salt: vector.salt.bytes,
                                         limits: .interactive)
        #expect(key.exposedForTest == vector.output.bytes)
    }

    @Test("the named limits are libsodium's")
    func namedLimits() {
        #expect(Argon2id.saltByteCount == 16)
        #expect(Argon2id.Limits.interactive == Argon2id.Limits(opsLimit: 2, memLimit: 67_108_864))
        #expect(Argon2id.Limits.moderate == Argon2id.Limits(opsLimit: 3, memLimit: 268_435_456))
        #expect(Argon2id.Limits.sensitive == Argon2id.Limits(opsLimit: 4, memLimit: 1_073_741_824))
    }

    @Test("limits below INTERACTIVE or above the ceiling are not acceptable")
    func acceptableLimits() {
        #expect(Argon2id.Limits.interactive.isAcceptable)
        #expect(Argon2id.Limits.moderate.isAcceptable)
        #expect(Argon2id.Limits.sensitive.isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: 1, memLimit: 67_108_864).isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: 2, memLimit: 67_108_863).isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: 0, memLimit: 0).isAcceptable)
        // Ceiling: SENSITIVE memory, twice SENSITIVE passes (a tampered row cannot hang an unlock).
        #expect(Argon2id.Limits(opsLimit: 8, memLimit: 1 << 30).isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: 2, memLimit: (1 << 30) + 1).isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: 9, memLimit: 67_108_864).isAcceptable)
        #expect(!Argon2id.Limits(opsLimit: UInt64.max, memLimit: 67_108_864).isAcceptable)
    }

    @Test("weakened limits from a tampered record are refused", arguments: [
        Argon2id.Limits(opsLimit: 1, memLimit: 67_108_864),
        Argon2id.Limits(opsLimit: 2, memLimit: 8192),
        Argon2id.Limits(opsLimit: 0, memLimit: 0),
    ])
    func weakLimitsRefused(_ limits: Argon2id.Limits) throws {
        let passphrase = try SecretBytes(copying: Array("pw".utf8))
        #expect(throws: CryptoError.keyDerivationFailed) {
            try Argon2id.deriveKey(passphrase: passphrase, salt: [UInt8](repeating: 0, count: 16), limits: limits)
        }
    }

    @Test("salts that are not 16 bytes are rejected", arguments: [0, 8, 15, 17, 32])
    func wrongSaltSize(_ size: Int) throws {
        let passphrase = try SecretBytes(copying: Array("pw".utf8))
        #expect(throws: CryptoError.wrongKeySize(expected: 16, actual: size)) {
            try Argon2id.deriveKey(passphrase: passphrase, salt: [UInt8](repeating: 0, count: size), limits: .interactive)
        }
    }

    @Test("an output shorter than libsodium's 16-byte minimum fails")
    func outputTooShort() throws {
        let passphrase = try SecretBytes(copying: Array("pw".utf8))
        #expect(throws: CryptoError.invalidLength) {
            try Argon2id.deriveKey(passphrase: passphrase, salt: [UInt8](repeating: 0, count: 16),
                                   limits: .interactive, outputByteCount: 15)
        }
    }

    @Test("limits survive a JSON round trip with stable field names")
    func limitsCodable() throws {
        let data = try JSONEncoder().encode(Argon2id.Limits.moderate)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["opsLimit", "memLimit"])
        #expect(object["opsLimit"] as? Int == 3)
        #expect(object["memLimit"] as? Int == 268_435_456)
        #expect(try JSONDecoder().decode(Argon2id.Limits.self, from: data) == .moderate)
    }

    @Test("generated salts are 16 bytes and differ")
    func generatedSalts() {
        let first = Argon2id.generateSalt()
        let second = Argon2id.generateSalt()
        #expect(first.count == 16)
        #expect(second.count == 16)
        #expect(first != second)
    }
}
