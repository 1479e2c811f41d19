import Foundation
import Testing
@testable import VaultCrypto

/// Loads the JSON known-answer files that `tools/make_vectors.py` writes to `Keys/vectors/`.
///
/// The files are found from this source file's own path (`Tests/VaultCryptoTests/` is two
/// folders below the repository root), so the tests need no resources in the package manifest
/// and read exactly the files that are committed.
enum KnownAnswers {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/VaultCryptoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("Keys", isDirectory: true)
        .appendingPathComponent("vectors", isDirectory: true)

    /// The top level of every vector file: how it was produced, and the cases.
    struct File<Vector: Decodable & Sendable>: Decodable, Sendable {
        let source: String
        let vectors: [Vector]
    }

    static func load<Vector: Decodable & Sendable>(_ name: String, as _: Vector.Type = Vector.self) throws -> File<Vector> {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(File<Vector>.self, from: data)
    }
}

/// A hex field of a vector file, parsed by the tests' own decoder rather than by
/// ``Encoding/fromHex(_:)``, so that a bug in the code under test cannot mask itself.
struct Hex: Decodable, Sendable, Equatable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = Hex.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not hex: \(text)"))
        }
        self.bytes = bytes
    }

    /// Strict lower- or upper-case hex, or nil.
    static func parse(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = UInt8(String(UnicodeScalar(digits[index])), radix: 16),
                  let low = UInt8(String(UnicodeScalar(digits[index + 1])), radix: 16) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// Parses a hex literal written in a test; an invalid literal is a bug in the test itself.
func hexBytes(_ text: String) -> [UInt8] {
    guard let bytes = Hex.parse(text) else {
        Issue.record("invalid hex literal in test: \(text)")
        return []
    }
    return bytes
}

extension SecretBytes {
    /// A plain copy of the secret bytes, for comparing against expected values in tests.
    var exposedForTest: [UInt8] { withUnsafeBytes { Array($0) } }
}

/// `bytes` with bit `bit` of byte `index` flipped.
func flippingBit(_ bit: Int = 0, ofByte index: Int, in bytes: [UInt8]) -> [UInt8] {
    var copy = bytes
    copy[index] ^= UInt8(1 << bit)
    return copy
}

/// Lower-case hex for readable failure messages, independent of ``Encoding/hex(_:)``.
func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
}
