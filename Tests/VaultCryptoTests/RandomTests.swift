import Testing
@testable import VaultCrypto

@Suite("Random and initialisation")
struct RandomTests {
    @Test("libsodium initialises and reports a 1.0.x version")
    func initialises() throws {
        try Sodium.ensureInitialized()
        let parts = Sodium.versionString.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.first == "1")
        #expect(parts.dropFirst().first == "0")
    }

    @Test("bytes returns exactly the requested count", arguments: [0, 1, 24, 1000])
    func byteCounts(_ count: Int) {
        #expect(Random.bytes(count).count == count)
    }

    @Test("two draws of 32 bytes differ")
    func bytesDiffer() {
        #expect(Random.bytes(32) != Random.bytes(32))
    }

    @Test("uniform stays below its bound and reaches every value")
    func uniform() {
        var seen = Set<UInt32>()
        for _ in 0..<2000 {
            let value = Random.uniform(10)
            #expect(value < 10)
            seen.insert(value)
        }
        #expect(seen == Set(0..<10))
        #expect(Random.uniform(1) == 0)
    }
}
