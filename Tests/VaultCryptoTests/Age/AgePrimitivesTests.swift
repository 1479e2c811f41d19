import Foundation
import Testing
@testable import VaultCrypto

@Suite("age building blocks")
struct AgePrimitivesTests {
    // MARK: Bech32

    @Test("BIP 173 valid strings decode, and re-encode to themselves")
    func bech32Valid() throws {
        for text in ["A12UEL5L", "a12uel5l",
                     "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
                     "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                     "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"] {
            let decoded = try Bech32.decode(text)
            #expect(try Bech32.encode(hrp: decoded.hrp, data: decoded.data, uppercase: decoded.isUppercase) == text, "\(text)")
        }
        // The data of "abcdef1qpzry…": the 32 values 0…31 packed into 20 bytes.
        #expect(Encoding.hex(try Bech32.decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw").data)
                == "00443214c74254b635cf84653a56d7c675be77df")
    }

    @Test("BIP 173 invalid strings and mixed case are refused")
    func bech32Invalid() {
        for text in ["pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee",
                     "de1lg7wt\u{ff}", "A12uEL5L", "a12uel5m", "a12 uel5l"] {
            #expect(throws: CryptoError.invalidEncoding, "\(text)") { try Bech32.decode(text) }
        }
    }

    @Test("Bech32 round trips for every length 0…80 (public and secure-memory paths)")
    func bech32RoundTrip() throws {
        for length in 0...80 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + length) }
            let text = try Bech32.encode(hrp: "test", data: data)
            #expect(text.count == 4 + 1 + (length * 8 + 4) / 5 + 6)
            let decoded = try Bech32.decode(text)
            #expect(decoded.hrp == "test" && !decoded.isUppercase && decoded.data == data)
            let secret = try Bech32.encode(hrp: "TEST", secret: SecretBytes(copying: data), uppercase: true)
            #expect(secret == (try SecretBytes(copying: Array(text.uppercased().utf8))))
            let back = try Bech32.decode(secret: secret)
            let expected = try SecretBytes(copying: data)
            #expect(back.hrp == "TEST" && back.isUppercase && back.data == expected)
        }
    }

    // MARK: Keys

    /// The identity of most vectors; its recipient as `age-keygen -y` prints it (checked live below).
    static let vectorIdentity = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
    static let vectorRecipient = "age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef"

    @Test("the vector identity gives the recipient age-keygen -y derives")
    func knownPair() throws {
        let identity = try AgeX25519Identity(string: AgeTestTools.secret(Self.vectorIdentity))
        #expect(identity.recipient.string == Self.vectorRecipient)
        #expect(try identity.encoded() == AgeTestTools.secret(Self.vectorIdentity))
        let recipient = try AgeX25519Recipient(string: Self.vectorRecipient)
        #expect(recipient == identity.recipient)
        #expect(recipient.publicKey.count == 32)

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen") {
            let derived = try AgeTestTools.run("/usr/bin/age-keygen", ["-y"], stdin: Array((Self.vectorIdentity + "\n").utf8))
            #expect(derived.status == 0)
            #expect(String(decoding: derived.stdout, as: UTF8.self) == Self.vectorRecipient + "\n")
        }
    }

    @Test("the example key pair of the age specification")
    func specExample() throws {
        let identity = try AgeX25519Identity(string: AgeTestTools.secret(
            "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"))
        #expect(identity.recipient.string == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        #expect(identity.secretKey == (try SecretBytes(copying: [UInt8](repeating: 0x42, count: 32))))
    }

    @Test("keys must have the right case, prefix and length")
    func keyParsingRules() throws {
        #expect(throws: CryptoError.invalidEncoding) {
            try AgeX25519Identity(string: AgeTestTools.secret(Self.vectorIdentity.lowercased()))
        }
        #expect(throws: CryptoError.invalidEncoding) { try AgeX25519Recipient(string: Self.vectorRecipient.uppercased()) }
        #expect(throws: CryptoError.invalidEncoding) { try AgeX25519Recipient(string: Self.vectorRecipient + "q") }
        #expect(throws: CryptoError.invalidEncoding) {
            try AgeX25519Identity(string: AgeTestTools.secret(" " + Self.vectorIdentity))
        }
        #expect(throws: CryptoError.wrongKeySize(expected: 32, actual: 31)) {
            try AgeX25519Recipient(string: Bech32.encode(hrp: "age", data: [UInt8](repeating: 1, count: 31)))
        }
        #expect(throws: CryptoError.invalidEncoding) {
            try AgeX25519Recipient(string: Bech32.encode(hrp: "agf", data: [UInt8](repeating: 1, count: 32)))
        }
        #expect(throws: AgeError.unsupported("hybrid post-quantum (AGE-SECRET-KEY-PQ-) identities")) {
            try AgeX25519Identity(string: AgeTestTools.secret(
                "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"))
        }
        #expect(throws: AgeError.unsupported("hybrid post-quantum (age1pq) recipients")) {
            try AgeX25519Recipient(string: Bech32.encode(hrp: "age1pq", data: [UInt8](repeating: 1, count: 40)))
        }
        #expect(throws: AgeError.unsupported("age1tag plugin recipients")) {
            try AgeX25519Recipient(string: "age1tag1qt8lw0ual6avlwmwatk888yqnmdamm7xfd0wak53ut6elz5c4swx2yqdj4e")
        }
    }

    @Test("generated identities round-trip through their encoding")
    func generatedIdentity() throws {
        let identity = try AgeX25519Identity.generate()
        let encoded = try identity.encoded()
        #expect(encoded.count == 74)
        let parsed = try AgeX25519Identity(string: encoded)
        #expect(parsed.recipient == identity.recipient)
        #expect(parsed.secretKey == identity.secretKey)
        #expect(identity.recipient.string.hasPrefix("age1") && identity.recipient.string.count == 62)
    }

    // MARK: Base64, HKDF, STREAM nonce

    @Test("base64 is unpadded and canonical")
    func base64() {
        #expect(AgeBase64.encodeString([]) == "")
        #expect(AgeBase64.encodeString([0xff]) == "/w")
        #expect(AgeBase64.encodeString([0xff, 0xfe]) == "//4")
        #expect(AgeBase64.encodeString(Array("age".utf8)) == "YWdl")
        #expect(AgeBase64.decode(Array("/w".utf8)) == [0xff])
        #expect(AgeBase64.decode(Array("//4".utf8)) == [0xff, 0xfe])
        #expect(AgeBase64.decode(Array("".utf8)) == [])
        for bad in ["/x", "//5", "/w==", "YWdl=", "Y", "YW dl", "YW\ndl", "YW-l", "YW_l"] {
            #expect(AgeBase64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test("HKDF-SHA-256 matches RFC 5869 A.1, A.2 and A.3")
    func hkdf() throws {
        let a1 = try HKDFSHA256.deriveKey(ikm: SecretBytes(copying: [UInt8](repeating: 0x0b, count: 22)),
                                          salt: Array(0x00...0x0c), info: Array(0xf0...0xf9), length: 42)
        #expect(a1 == (try SecretBytes(copying: try Encoding.fromHex(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))))
        let a2 = try HKDFSHA256.deriveKey(ikm: SecretBytes(copying: Array(0x00...0x4f)),
                                          salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82)
        #expect(a2 == (try SecretBytes(copying: try Encoding.fromHex(
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
            + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"))))
        let a3 = try HKDFSHA256.deriveKey(ikm: SecretBytes(copying: [UInt8](repeating: 0x0b, count: 22)),
                                          salt: [], info: [], length: 42)
        #expect(a3 == (try SecretBytes(copying: try Encoding.fromHex(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))))
    }

    @Test("STREAM nonces are an 11-byte big-endian counter and a final flag")
    func streamNonce() {
        #expect(Age.chunkNonce(counter: 0, last: false) == [UInt8](repeating: 0, count: 12))
        #expect(Age.chunkNonce(counter: 0, last: true) == [UInt8](repeating: 0, count: 11) + [1])
        #expect(Age.chunkNonce(counter: 258, last: false) == [UInt8](repeating: 0, count: 9) + [1, 2, 0])
        #expect(Age.chunkNonce(counter: UInt64.max, last: true)
                == [0, 0, 0] + [UInt8](repeating: 0xff, count: 8) + [1])
    }

    @Test("scrypt work factors are decimal without sign or leading zeros")
    func workFactorSyntax() throws {
        #expect(try AgeScrypt.parseWorkFactor("1") == 1)
        #expect(try AgeScrypt.parseWorkFactor("18") == 18)
        #expect(try AgeScrypt.parseWorkFactor("99") == 99)
        for bad in ["", "0", "018", "+18", "-1", "0x12", "18 ", "1e1", "100", "99999999999999999999"] {
            #expect(throws: AgeError.self, "\(bad)") { try AgeScrypt.parseWorkFactor(bad) }
        }
    }

    @Test("ASCII armor is reported as unsupported")
    func armor() {
        let armored = Array("-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n".utf8)
        #expect(throws: AgeError.unsupported("ASCII-armored age files")) { try Age.decrypt(armored, identities: []) }
        #expect(throws: AgeError.unsupported("ASCII-armored age files")) { try Age.decrypt(Array("\n  ".utf8) + armored, identities: []) }
    }
}
