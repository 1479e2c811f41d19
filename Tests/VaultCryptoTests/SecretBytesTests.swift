import Testing
@testable import VaultCrypto

@Suite("SecretBytes")
struct SecretBytesTests {
    @Test("zeroed buffers hold zeros", arguments: [0, 1, 32, 4097])
    func zeroed(_ count: Int) throws {
        let secret = try SecretBytes(zeroedCount: count)
        #expect(secret.count == count)
        #expect(secret.exposedForTest == [UInt8](repeating: 0, count: count))
    }

    @Test("copying keeps the bytes exactly")
    func copying() throws {
        let bytes: [UInt8] = [0, 1, 2, 0xfe, 0xff, 0x80, 0x7f]
        #expect(try SecretBytes(copying: bytes).exposedForTest == bytes)
        #expect(try SecretBytes(copying: bytes[2..<5]).exposedForTest == [2, 0xfe, 0xff])
        #expect(try SecretBytes(copying: [UInt8]()).count == 0)
    }

    @Test("random buffers have the requested size and differ")
    func random() throws {
        let first = try SecretBytes(randomCount: 32)
        let second = try SecretBytes(randomCount: 32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(first.exposedForTest != [UInt8](repeating: 0, count: 32))
        #expect(try SecretBytes(randomCount: 0).count == 0)
    }

    @Test("writes through withUnsafeMutableBytes are visible")
    func mutableAccess() throws {
        let secret = try SecretBytes(zeroedCount: 4)
        secret.withUnsafeMutableBytes { buffer in
            buffer[0] = 0xde
            buffer[3] = 0xef
        }
        #expect(secret.exposedForTest == [0xde, 0, 0, 0xef])
    }

    @Test("equality compares contents, not identity")
    func equalContents() throws {
        let bytes = Array(0..<32) as [UInt8]
        let a = try SecretBytes(copying: bytes)
        let b = try SecretBytes(copying: bytes)
        #expect(a !== b)
        #expect(a == b)
        #expect(a.constantTimeEquals(b))
        #expect(b.constantTimeEquals(a))
        #expect(a == a)
        #expect(try SecretBytes(zeroedCount: 0) == SecretBytes(copying: [UInt8]()))
    }

    @Test("a difference in any byte makes buffers unequal", arguments: [0, 15, 31])
    func differentContents(_ index: Int) throws {
        let bytes = Array(0..<32) as [UInt8]
        let a = try SecretBytes(copying: bytes)
        let b = try SecretBytes(copying: flippingBit(ofByte: index, in: bytes))
        #expect(a != b)
        #expect(!a.constantTimeEquals(b))
    }

    @Test("buffers of different lengths are unequal, even when one is a prefix")
    func differentLengths() throws {
        let long = try SecretBytes(copying: [1, 2, 3, 4] as [UInt8])
        let short = try SecretBytes(copying: [1, 2, 3] as [UInt8])
        let empty = try SecretBytes(zeroedCount: 0)
        #expect(long != short)
        #expect(!short.constantTimeEquals(long))
        #expect(short != empty)
        // Zero bytes versus no bytes: only the length differs.
        #expect(try SecretBytes(zeroedCount: 1) != empty)
    }

    @Test("slices copy exactly the requested range")
    func slicing() throws {
        let source = try SecretBytes(copying: Array(10..<20) as [UInt8])
        #expect(try source.slice(3..<7).exposedForTest == [13, 14, 15, 16])
        #expect(try source.slice(0..<1).exposedForTest == [10])
        #expect(try source.slice(9..<10).exposedForTest == [19])
        #expect(try source.slice(5..<5).count == 0)
        #expect(try source.slice(10..<10).count == 0)
        let whole = try source.slice(0..<10)
        #expect(whole == source)
        #expect(whole !== source)
    }

    @Test("a slice is an independent copy")
    func sliceIsIndependent() throws {
        let source = try SecretBytes(copying: [1, 2, 3, 4] as [UInt8])
        let slice = try source.slice(1..<3)
        source.withUnsafeMutableBytes { $0[1] = 0xff }
        #expect(slice.exposedForTest == [2, 3])
        slice.withUnsafeMutableBytes { $0[0] = 0xee }
        #expect(source.exposedForTest == [1, 0xff, 3, 4])
    }

    @Test("appending concatenates into a new buffer")
    func appending() throws {
        let a = try SecretBytes(copying: [1, 2] as [UInt8])
        let b = try SecretBytes(copying: [3, 4, 5] as [UInt8])
        let empty = try SecretBytes(zeroedCount: 0)
        #expect(try a.appending(b).exposedForTest == [1, 2, 3, 4, 5])
        #expect(try b.appending(a).exposedForTest == [3, 4, 5, 1, 2])
        #expect(try a.appending(empty).exposedForTest == [1, 2])
        #expect(try empty.appending(b).exposedForTest == [3, 4, 5])
        #expect(try empty.appending(empty).count == 0)
        #expect(a.exposedForTest == [1, 2])
    }

    @Test("secureWipe zeroes an array in place and keeps its length")
    func wipe() {
        var bytes: [UInt8] = [1, 2, 3, 0xff]
        secureWipe(&bytes)
        #expect(bytes == [0, 0, 0, 0])
        var empty: [UInt8] = []
        secureWipe(&empty)
        #expect(empty.isEmpty)
    }
}
