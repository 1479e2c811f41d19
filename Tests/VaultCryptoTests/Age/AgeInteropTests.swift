import Foundation
import Testing
@testable import VaultCrypto

/// Cross-checks with the reference implementation (Debian's `age` 1.1.x): files go both ways.
@Suite("age interoperability with /usr/bin/age",
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/age")
                && FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen")))
struct AgeInteropTests {
    static let sizes = [0, 1, 65536, 200_000]

    /// Drives age's terminal passphrase prompt through pexpect (age reads it from the tty,
    /// not stdin). The passphrase travels in the environment, never on a command line.
    static let passphraseDriver = """
    import os, sys, pexpect
    pw = os.environ["AGE_TEST_PASSPHRASE"]
    mode, src, dst = sys.argv[1:4]
    args = ["-d", "-o", dst, src] if mode == "decrypt" else ["-e", "-p", "-o", dst, src]
    child = pexpect.spawn("/usr/bin/age", args, timeout=300)
    child.expect("(?i)passphrase[^\\n]*: ")
    child.sendline(pw)
    if mode == "encrypt":
        child.expect("(?i)confirm[^\\n]*: ")
        child.sendline(pw)
    child.expect(pexpect.EOF)
    child.close()
    sys.exit(child.exitstatus if child.exitstatus is not None else 1)
    """

    /// A key made by age-keygen: the key file and what it says.
    struct KeygenKey {
        let file: URL
        let recipient: String
        let identityLine: String
    }

    static func keygen(in dir: URL) throws -> KeygenKey {
        let file = dir.appendingPathComponent("key.txt")
        let result = try AgeTestTools.run("/usr/bin/age-keygen", ["-o", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let recipient = try #require(lines.first { $0.hasPrefix("# public key: ") }).dropFirst("# public key: ".count)
        let identity = try #require(lines.first { $0.hasPrefix("AGE-SECRET-KEY-1") })
        return KeygenKey(file: file, recipient: String(recipient), identityLine: identity)
    }

    @Test("an age-keygen key parses, re-encodes and derives the same recipient")
    func keygenKey() throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let key = try Self.keygen(in: dir)
        let identity = try AgeX25519Identity(string: AgeTestTools.secret(key.identityLine))
        #expect(identity.recipient.string == key.recipient)
        #expect(try identity.encoded() == AgeTestTools.secret(key.identityLine))
        #expect(try AgeX25519Recipient(string: key.recipient).publicKey == identity.recipient.publicKey)
    }

    @Test("our identity encoding is accepted by age-keygen -y")
    func ourKeyfile() throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let identity = try AgeX25519Identity.generate()
        let keyFile = dir.appendingPathComponent("ours.txt")
        let encoded = try identity.encoded()
        try encoded.withUnsafeBytes { try Data($0).write(to: keyFile) }
        let derived = try AgeTestTools.run("/usr/bin/age-keygen", ["-y", keyFile.path])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(String(decoding: derived.stdout, as: UTF8.self) == identity.recipient.string + "\n")
    }

    @Test("age -e -r → AgeDecryptor", arguments: sizes)
    func ageEncryptsWeDecrypt(size: Int) throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let key = try Self.keygen(in: dir)
        let plaintext = AgeTestTools.pattern(size, seed: 11)
        let encrypted = try AgeTestTools.run("/usr/bin/age", ["-e", "-r", key.recipient], stdin: plaintext)
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        let identity = try AgeX25519Identity(string: AgeTestTools.secret(key.identityLine))
        #expect(try Age.decrypt(encrypted.stdout, identities: [.x25519(identity)]) == plaintext)
    }

    @Test("AgeEncryptor → age -d -i (two recipients, one from age-keygen)", arguments: sizes)
    func weEncryptAgeDecrypts(size: Int) throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let key = try Self.keygen(in: dir)
        let plaintext = AgeTestTools.pattern(size, seed: 12)
        let other = try AgeX25519Identity.generate()
        let file = try Age.encrypt(plaintext, to: [.x25519(other.recipient), .x25519(try AgeX25519Recipient(string: key.recipient))])
        let decrypted = try AgeTestTools.run("/usr/bin/age", ["-d", "-i", key.file.path], stdin: file)
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(decrypted.stdout == plaintext)

        // The same file with its final byte removed must be refused by age as well.
        let truncated = try AgeTestTools.run("/usr/bin/age", ["-d", "-i", key.file.path], stdin: Array(file.dropLast()))
        #expect(truncated.status != 0)
    }

    @Test("a key we generate opens with age -d -i")
    func ourIdentityWithAge() throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let identity = try AgeX25519Identity.generate()
        let keyFile = dir.appendingPathComponent("ours.txt")
        try identity.encoded().withUnsafeBytes { try (Data($0) + Data("\n".utf8)).write(to: keyFile) }
        let plaintext = AgeTestTools.pattern(70_000, seed: 13)
        let decrypted = try AgeTestTools.run("/usr/bin/age", ["-d", "-i", keyFile.path],
                                             stdin: try Age.encrypt(plaintext, to: [.x25519(identity.recipient)]))
        #expect(decrypted.status == 0, "\(decrypted.stderr)")
        #expect(decrypted.stdout == plaintext)
    }

    @Test("damaged age-made files: payload bit flip, truncation, changed MAC")
    func damagedAgeFiles() throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let key = try Self.keygen(in: dir)
        let identity = try AgeX25519Identity(string: AgeTestTools.secret(key.identityLine))
        let plaintext = AgeTestTools.pattern(150_000, seed: 14)
        let file = try AgeTestTools.run("/usr/bin/age", ["-e", "-r", key.recipient], stdin: plaintext).stdout
        let headerEnd = try #require((0..<file.count).first { i in file[i...].starts(with: Array("\n--- ".utf8)) }) + 5 + 43 + 1
        let payloadStart = headerEnd + 16

        var flipped = file
        flipped[payloadStart + 65552 + 5] ^= 0x10  // inside the second chunk
        let flippedResult = AgeTestTools.decrypt(flipped, identities: [.x25519(identity)])
        #expect(flippedResult.end.error == .payloadFailure("chunk 1 does not authenticate (altered, reordered or truncated)"))
        #expect(flippedResult.released == Array(plaintext[0..<65536]))

        let truncated = AgeTestTools.decrypt(Array(file.dropLast(1000)), identities: [.x25519(identity)])
        #expect(truncated.end.error == .payloadFailure("the last chunk does not authenticate as a final chunk (truncated or altered)"))
        #expect(truncated.released == Array(plaintext[0..<131072]))

        var mac = try #require(AgeBase64.decode(file[(headerEnd - 44)..<(headerEnd - 1)]))
        mac[31] ^= 0x01
        var forged = file
        forged.replaceSubrange((headerEnd - 44)..<(headerEnd - 1), with: AgeBase64.encode(mac))
        #expect(AgeTestTools.decrypt(forged, identities: [.x25519(identity)]).end.error == .hmacFailure)
    }

    @Test("passphrase files both ways (age's prompt driven through pexpect)",
          .enabled(if: (try? AgeTestTools.run("/usr/bin/env", ["python3", "-c", "import pexpect"]).status) == 0))
    func passphrase() throws {
        let dir = try AgeTestTools.makeTemporaryDirectory()
        defer { AgeTestTools.removeTemporaryDirectory(dir) }
        let passphraseText = "interop passphrase 🔑"
        let passphrase = try AgeTestTools.secret(passphraseText)
        let driver = dir.appendingPathComponent("drive.py")
        try Self.passphraseDriver.write(to: driver, atomically: true, encoding: .utf8)
        func drive(_ mode: String, _ source: URL, _ destination: URL) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")  // the python3 on PATH, as in the enabling check
            process.arguments = ["python3", driver.path, mode, source.path, destination.path]
            process.environment = ProcessInfo.processInfo.environment.merging(["AGE_TEST_PASSPHRASE": passphraseText]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        let plaintext = AgeTestTools.pattern(100_000, seed: 15)

        // Ours (work factor 10) → age -d.
        let ours = dir.appendingPathComponent("ours.age"), oursOut = dir.appendingPathComponent("ours.out")
        try Data(try Age.encrypt(plaintext, to: [.scrypt(passphrase: passphrase, workFactor: 10)])).write(to: ours)
        #expect(try drive("decrypt", ours, oursOut) == 0)
        #expect([UInt8](try Data(contentsOf: oursOut)) == plaintext)

        // age -e -p (its default work factor, 18) → ours.
        let input = dir.appendingPathComponent("plain"), theirs = dir.appendingPathComponent("theirs.age")
        try Data(plaintext).write(to: input)
        #expect(try drive("encrypt", input, theirs) == 0)
        let theirFile = [UInt8](try Data(contentsOf: theirs))
        #expect(String(decoding: theirFile.prefix(32), as: UTF8.self).hasPrefix("age-encryption.org/v1\n-> scrypt "))
        #expect(try Age.decrypt(theirFile, identities: [.scrypt(passphrase: passphrase)]) == plaintext)
        #expect(throws: AgeError.noMatch) {
            try Age.decrypt(theirFile, identities: [.scrypt(passphrase: try AgeTestTools.secret("not it"))])
        }
    }
}
