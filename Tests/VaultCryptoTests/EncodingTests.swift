import Testing
@testable import VaultCrypto

@Suite("Encoding")
struct EncodingTests {
    // MARK: Hex

    @Test("hex is lower case, two digits per byte")
    func hexKnownValues() {
        #expect(Encoding.hex([UInt8]()) == "")
        #expect(Encoding.hex([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff] as [UInt8]) == "00017f80feff")
        #expect(Encoding.hex([0xde, 0xad, 0xbe, 0xef] as [UInt8]) == "deadbeef")
        #expect(Encoding.hex(Array("abc".utf8)) == "616263")
    }

    @Test("fromHex accepts either case")
    func fromHexKnownValues() throws {
        #expect(try Encoding.fromHex("") == [])
        #expect(try Encoding.fromHex("deadbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Encoding.fromHex("DEADBEEF") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Encoding.fromHex("DeAdBeEf") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Encoding.fromHex("00ff0a") == [0x00, 0xff, 0x0a])
    }

    @Test("hex round-trips every byte value")
    func hexRoundTrip() throws {
        let all = Array(0...255) as [UInt8]
        let text = Encoding.hex(all)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102"))
        #expect(text.hasSuffix("fdfeff"))
        #expect(try Encoding.fromHex(text) == all)
        #expect(try Encoding.fromHex(text.uppercased()) == all)
        for length in 0..<40 {
            let bytes = Self.bytes(length, seed: 0x68657821)
            #expect(try Encoding.fromHex(Encoding.hex(bytes)) == bytes)
        }
    }

    @Test("malformed hex is rejected", arguments: ["a", "abc", "zz", "0g", "g0", "0x12", " 12 ", "12 ", "-1", "+1", "é0", "１２"])
    func malformedHex(_ text: String) {
        #expect(throws: CryptoError.invalidEncoding) { try Encoding.fromHex(text) }
    }

    // MARK: Base32 (Crockford)

    /// Values from an independent bit-string implementation of Crockford Base32 (no padding).
    @Test("base32 matches Crockford's alphabet", arguments: [
        ("", ""),
        ("66", "cr"),
        ("666f", "csqg"),
        ("666f6f", "csqpy"),
        ("666f6f62", "csqpyrg"),
        ("666f6f6261", "csqpyrk1"),
        ("666f6f626172", "csqpyrk1e8"),
        ("00", "00"),
        ("ff", "zw"),
        ("00010203040506070809", "000g40r40m30e209"),
        ("ffffffffff", "zzzzzzzz"),
    ])
    func base32KnownValues(_ hex: String, _ expected: String) {
        #expect(Encoding.base32(hexBytes(hex)) == expected)
    }

    @Test("base32 never uses the ambiguous letters i, l, o, u")
    func base32Alphabet() {
        let text = Encoding.base32(Array(0...255) as [UInt8] + Array((0...255).reversed()) as [UInt8])
        #expect(Set(text).isSubset(of: Set("0123456789abcdefghjkmnpqrstvwxyz")))
        #expect(Set(text).count == 32)
    }

    @Test("base32 round-trips through a reference decoder at every length up to 40")
    func base32RoundTrip() throws {
        for length in 0...40 {
            let bytes = Self.bytes(length, seed: 0x62333221)
            let text = Encoding.base32(bytes)
            #expect(text.count == (length * 8 + 4) / 5, "length \(length)")
            #expect(try Self.decodeCrockford(text) == bytes, "length \(length)")
        }
    }

    /// A test-side Crockford decoder: VaultCrypto has no base32 decoder.
    static func decodeCrockford(_ text: String) throws -> [UInt8] {
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var out = [UInt8]()
        var buffer = 0
        var bits = 0
        for character in text {
            let value = try #require(alphabet.firstIndex(of: character))
            buffer = (buffer << 5 | value) & 0xfff
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        // Leftover bits are the zero padding of the last character.
        #expect(bits < 5)
        #expect(buffer & ((1 << bits) - 1) == 0)
        return out
    }

    // MARK: Base64

    @Test("base64 matches RFC 4648 section 10", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64KnownValues(_ plain: String, _ encoded: String) throws {
        #expect(Encoding.base64(Array(plain.utf8)) == encoded)
        #expect(try Encoding.fromBase64(encoded) == Array(plain.utf8))
    }

    @Test("base64 round-trips every byte value")
    func base64RoundTrip() throws {
        let all = Array(0...255) as [UInt8]
        #expect(try Encoding.fromBase64(Encoding.base64(all)) == all)
        #expect(Encoding.base64([0xfb, 0xff]) == "+/8=")
    }

    @Test("malformed base64 is rejected", arguments: ["!!!!", "Zm9v!", "Zg=", "Z", "Zm9v Y"])
    func malformedBase64(_ text: String) {
        #expect(throws: CryptoError.invalidEncoding) { try Encoding.fromBase64(text) }
    }

    /// `count` bytes from a fixed seed (SplitMix64), so every run checks the same inputs.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ UInt64(count)
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }
}
