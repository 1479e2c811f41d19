import Foundation
import Testing
@testable import VaultCrypto

@Suite("age tampering")
struct AgeTamperTests {
    static let size = 200_000  // three full chunks and a 3392-byte final chunk
    static let headerSize = AgeRoundTripTests.headerSize(x25519: 1)
    static let payloadStart = headerSize + 16

    let identity: AgeX25519Identity
    let plaintext = AgeTestTools.pattern(size, seed: 3)
    let file: [UInt8]

    init() throws {
        identity = try AgeX25519Identity.generate()
        file = try Age.encrypt(plaintext, to: [.x25519(identity.recipient)])
    }

    func open(_ file: [UInt8]) -> (released: [UInt8], error: AgeError?) {
        let result = AgeTestTools.decrypt(file, identities: [.x25519(identity)])
        return (result.released, result.end.error)
    }

    @Test("the untouched file opens")
    func intact() {
        let result = open(file)
        #expect(result.error == nil)
        #expect(result.released == plaintext)
    }

    @Test("a flipped bit in each chunk fails that chunk and releases only the chunks before it")
    func bitFlips() {
        for chunk in 0..<4 {
            var altered = file
            altered[Self.payloadStart + chunk * AgeRoundTripTests.sealedChunk + 100] ^= 0x01
            let result = open(altered)
            #expect(result.released == Array(plaintext[0..<(chunk * Age.chunkByteCount)]), "chunk \(chunk)")
            if case .payloadFailure? = result.error {} else { Issue.record("chunk \(chunk): \(String(describing: result.error))") }
        }
    }

    @Test("a changed MAC, or a stanza added after the MAC was computed, is an HMAC failure")
    func headerChanges() throws {
        var altered = file
        let macStart = Self.headerSize - 44
        var mac = try #require(AgeBase64.decode(file[macStart..<(macStart + 43)]))
        mac[0] ^= 0x80
        altered.replaceSubrange(macStart..<(macStart + 43), with: AgeBase64.encode(mac))
        #expect(open(altered).error == .hmacFailure)

        var grease = file
        grease.insert(contentsOf: Array("-> grease 1\nAAAA\n".utf8), at: Self.headerSize - 48)
        #expect(open(grease).error == .hmacFailure)

        var share = file
        share[22 + 12] = share[22 + 12] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(open(share).error == .noMatch)  // a different share gives a different wrap key
    }

    @Test("truncation and appended data are payload failures")
    func truncation() {
        let missingLastByte = open(Array(file.dropLast()))
        #expect(missingLastByte.error == .payloadFailure("the last chunk does not authenticate as a final chunk (truncated or altered)"))
        #expect(missingLastByte.released == Array(plaintext[0..<(3 * Age.chunkByteCount)]))

        let missingFinalChunk = open(Array(file[0..<(Self.payloadStart + 3 * AgeRoundTripTests.sealedChunk)]))
        #expect(missingFinalChunk.error == .payloadFailure("the file ends without a final chunk"))
        #expect(missingFinalChunk.released == Array(plaintext[0..<(3 * Age.chunkByteCount)]))

        let extraByte = open(file + [0])
        #expect(extraByte.error == .payloadFailure("the last chunk does not authenticate as a final chunk (truncated or altered)"))

        #expect(open(Array(file[0..<Self.payloadStart])).error == .payloadFailure("the payload has no chunks"))
        #expect(open(Array(file[0..<(Self.payloadStart - 1)])).error == .headerFailure("the payload nonce is missing or short"))
        #expect(open(Array(file[0..<(Self.headerSize - 1)])).error == .headerFailure("header ends before its MAC line"))
    }

    @Test("reordered chunks fail")
    func reordering() {
        var swapped = file
        let first = Self.payloadStart, second = first + AgeRoundTripTests.sealedChunk
        swapped.replaceSubrange(first..<second, with: file[second..<(second + AgeRoundTripTests.sealedChunk)])
        swapped.replaceSubrange(second..<(second + AgeRoundTripTests.sealedChunk), with: file[first..<second])
        let result = open(swapped)
        #expect(result.error == .payloadFailure("chunk 0 does not authenticate (altered, reordered or truncated)"))
        #expect(result.released.isEmpty)
    }

    @Test("a decryptor that has failed keeps failing, and one that has finished keeps returning nil")
    func stickyState() throws {
        var position = 0
        let truncated = Array(file.dropLast())
        let decryptor = try AgeDecryptor(identities: [.x25519(identity)]) { count in
            let end = min(truncated.count, position + count)
            defer { position = end }
            return Array(truncated[position..<end])
        }
        for _ in 0..<3 { _ = try decryptor.next() }
        #expect(throws: AgeError.self) { try decryptor.next() }
        #expect(throws: AgeError.self) { try decryptor.next() }

        position = 0
        let complete = try AgeDecryptor(identities: [.x25519(identity)]) { count in
            let end = min(file.count, position + count)
            defer { position = end }
            return Array(file[position..<end])
        }
        while try complete.next() != nil {}
        #expect(try complete.next() == nil)
    }
}
