import Foundation
import Testing
@testable import VaultCrypto

@Suite("age test vectors (C2SP CCTV)")
struct AgeVectorTests {
    /// Expected counts for the 143 vectors copied into `Keys/vectors/age/`.
    static let expectedRunCounts: [AgeOutcome: Int] = [
        .success: 15, .noMatch: 7, .hmacFailure: 1, .headerFailure: 51, .payloadFailure: 18,
    ]

    @Test("every non-armored, non-hybrid vector gives its class and payload hash")
    func vectors() throws {
        let vectors = try AgeTestVector.loadAll()
        #expect(vectors.count == 143)
        var run: [AgeOutcome: Int] = [:]
        var skippedArmor: [String: Int] = [:]
        var skippedHybrid: [String: Int] = [:]

        for vector in vectors {
            let expected = try #require(AgeOutcome(rawValue: vector.expect) ?? (vector.expect == "armor failure" ? .unsupported : nil),
                                        "\(vector.name): unknown expect \(vector.expect)")
            if vector.armored {
                skippedArmor[vector.expect, default: 0] += 1
                // A well-formed armored file must be reported as unsupported, never misread.
                if expected == .success {
                    let result = AgeTestTools.decrypt(try vector.ageFile(), identities: [])
                    #expect(result.end.outcome == .unsupported, "\(vector.name)")
                }
                continue
            }
            var identities: [AgeIdentity] = []
            var hybrid = false
            for text in vector.identities {
                do {
                    identities.append(.x25519(try AgeX25519Identity(string: AgeTestTools.secret(text))))
                } catch AgeError.unsupported {
                    hybrid = true
                }
            }
            if hybrid {
                skippedHybrid[vector.expect, default: 0] += 1
                continue
            }
            identities += try vector.passphrases.map { .scrypt(passphrase: try AgeTestTools.secret($0)) }

            let result = AgeTestTools.decrypt(try vector.ageFile(), identities: identities)
            run[expected, default: 0] += 1
            #expect(result.end.outcome == expected, "\(vector.name): expected \(vector.expect), got \(String(describing: result.end))")
            if let hash = vector.payloadHash {
                #expect(SHA256.hash(result.released) == hash,
                        "\(vector.name): SHA-256 of the \(result.released.count) bytes released differs from the vector's")
            } else {
                #expect(result.released.isEmpty, "\(vector.name): released plaintext although the vector has no payload")
            }
        }

        let runTotal = run.values.reduce(0, +)
        let armorTotal = skippedArmor.values.reduce(0, +)
        let hybridTotal = skippedHybrid.values.reduce(0, +)
        print("age vectors: ran \(runTotal) \(run.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }); "
              + "skipped \(armorTotal + hybridTotal): armored \(armorTotal) \(skippedArmor.sorted { $0.key < $1.key }), "
              + "hybrid \(hybridTotal) \(skippedHybrid.sorted { $0.key < $1.key })")
        #expect(runTotal >= 90)
        #expect(run == Self.expectedRunCounts)
        #expect(armorTotal == 33)
        #expect(hybridTotal == 18)
    }

    @Test("the stream vectors decrypt the same when the source returns one byte at a time")
    func byteAtATime() throws {
        for name in ["stream_two_chunks", "stream_last_chunk_full", "stream_trailing_garbage_long", "stream_no_final_full"] {
            let vector = try #require(try AgeTestVector.load(name))
            let identity = try AgeX25519Identity(string: AgeTestTools.secret(try #require(vector.identities.first)))
            let file = try vector.ageFile()
            let whole = AgeTestTools.decrypt(file, identities: [.x25519(identity)])
            let trickle = AgeTestTools.decrypt(file, identities: [.x25519(identity)], readSize: 1)
            #expect(whole.released == trickle.released, "\(name)")
            #expect(whole.end.outcome == trickle.end.outcome, "\(name)")
            #expect(SHA256.hash(trickle.released) == vector.payloadHash, "\(name)")
        }
    }
}
