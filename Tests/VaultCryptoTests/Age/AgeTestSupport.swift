import Foundation
import Testing
@testable import VaultCrypto

/// One file of the C2SP age test suite (`Keys/vectors/age/`): `key: value` lines, a blank
/// line, then the age file (possibly zlib-compressed).
struct AgeTestVector: Sendable {
    let name: String
    let expect: String
    /// SHA-256 of all plaintext released, when the vector says.
    let payloadHash: [UInt8]?
    let identities: [String]
    let passphrases: [String]
    let armored: Bool
    let compressed: Bool
    /// The file exactly as stored (still compressed when `compressed`).
    let stored: [UInt8]

    static let knownKeys: Set<String> = ["expect", "payload", "identity", "passphrase", "armored", "compressed", "file key", "comment"]

    static var directory: URL { KnownAnswers.directory.appendingPathComponent("age", isDirectory: true) }

    /// Every vector, sorted by name; files with unknown header keys are left out, as the suite's
    /// README asks.
    static func loadAll() throws -> [AgeTestVector] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0 != "README.md" && !$0.hasPrefix(".") }
            .sorted()
        return try names.compactMap { try load($0) }
    }

    static func load(_ name: String) throws -> AgeTestVector? {
        let data = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        guard let split = (0..<(data.count - 1)).first(where: { data[$0] == 0x0a && data[$0 + 1] == 0x0a }) else {
            throw AgeTestError("\(name): no blank line after the vector header")
        }
        var fields: [(String, String)] = []
        for line in String(decoding: data[0..<split], as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { throw AgeTestError("\(name): bad header line \(line)") }
            let key = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            guard knownKeys.contains(key) else { return nil }
            fields.append((key, value))
        }
        func all(_ key: String) -> [String] { fields.filter { $0.0 == key }.map(\.1) }
        guard let expect = all("expect").first else { throw AgeTestError("\(name): no expect line") }
        let payload = try all("payload").first.map { text -> [UInt8] in
            guard let bytes = Hex.parse(text), bytes.count == 32 else { throw AgeTestError("\(name): bad payload hash") }
            return bytes
        }
        return AgeTestVector(
            name: name, expect: expect, payloadHash: payload,
            identities: all("identity"), passphrases: all("passphrase"),
            armored: all("armored").first == "yes", compressed: all("compressed").first == "zlib",
            stored: Array(data[(split + 2)...]))
    }

    /// The age file, decompressed through Python's zlib when needed (Foundation on Linux
    /// has no zlib API).
    func ageFile() throws -> [UInt8] {
        guard compressed else { return stored }
        let result = try AgeTestTools.run("/usr/bin/env",
                                          ["python3", "-c", "import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))"],
                                          stdin: stored)
        guard result.status == 0 else { throw AgeTestError("\(name): zlib decompression failed: \(result.stderr)") }
        return result.stdout
    }
}

struct AgeTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The outcome classes of the test suite, plus what this implementation reports for armor
/// and hybrid keys.
enum AgeOutcome: String, Sendable {
    case success = "success"
    case noMatch = "no match"
    case hmacFailure = "HMAC failure"
    case headerFailure = "header failure"
    case payloadFailure = "payload failure"
    case unsupported = "unsupported"

    init(_ error: any Error) throws {
        switch error as? AgeError {
        case .noMatch?: self = .noMatch
        case .hmacFailure?: self = .hmacFailure
        case .headerFailure?: self = .headerFailure
        case .payloadFailure?: self = .payloadFailure
        case .unsupported?: self = .unsupported
        case nil: throw error
        }
    }
}

enum AgeTestTools {
    struct Result {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
    }

    /// A fresh empty directory, removed by the caller with ``removeTemporaryDirectory(_:)``.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("confidant-age-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeTemporaryDirectory(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs `executable` with `stdin` fed from a file and stdout/stderr captured in files, so
    /// large inputs and outputs cannot deadlock on pipe buffers.
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8] = []) throws -> Result {
        let dir = try makeTemporaryDirectory()
        defer { removeTemporaryDirectory(dir) }
        let inURL = dir.appendingPathComponent("stdin"), outURL = dir.appendingPathComponent("stdout"),
            errURL = dir.appendingPathComponent("stderr")
        try Data(stdin).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let input = try FileHandle(forReadingFrom: inURL)
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        defer { try? input.close(); try? output.close(); try? errors.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: [UInt8](try Data(contentsOf: outURL)),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a whole decryption, collecting what ``AgeDecryptor/next()`` released even when it
    /// later throws.
    static func decrypt(_ file: [UInt8], identities: [AgeIdentity], readSize: Int? = nil) -> (released: [UInt8], chunks: [Int], end: DecryptionEnd) {
        var position = 0
        var released = [UInt8]()
        var chunks = [Int]()
        do {
            let decryptor = try AgeDecryptor(identities: identities) { count in
                let end = min(file.count, position + min(count, readSize ?? count))
                defer { position = end }
                return Array(file[position..<end])
            }
            while let chunk = try decryptor.next() {
                released += chunk
                chunks.append(chunk.count)
            }
            return (released, chunks, .success)
        } catch {
            return (released, chunks, .failure(error))
        }
    }

    enum DecryptionEnd {
        case success
        case failure(any Error)

        var outcome: AgeOutcome? {
            switch self {
            case .success: return .success
            case .failure(let error): return try? AgeOutcome(error)
            }
        }

        var error: AgeError? {
            if case .failure(let error) = self { return error as? AgeError }
            return nil
        }
    }

    /// Deterministic test data (not random, so failures reproduce).
    static func pattern(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8 &+ Int(seed)) }
    }

    static func secret(_ text: String) throws -> SecretBytes {
        try SecretBytes(copying: Array(text.utf8))
    }
}
