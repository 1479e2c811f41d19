import Foundation
import VaultCrypto

/// A ZIP writer that streams: entries are written with the STORE method and trailing data
/// descriptors, so no seek is ever needed and only one chunk is held in memory.
///
/// Why not ZIPFoundation here: its `Archive` needs a seekable file or an in-memory `Data`. An
/// export must never exist as plaintext on disk, and must not be held whole in memory, so the
/// archive is written straight into the age encryptor. ZIPFoundation reads the result
/// (`export open`), and `unzip` or any other tool can too. Entries and the archive must stay
/// under 4 GiB (no ZIP64).
///
/// Each entry's SHA-256 and size are computed as it streams; ``files`` lists them for the
/// export's manifest.
final class ZipStreamWriter {
    private let sink: ([UInt8]) throws -> Void
    private var offset: UInt32 = 0
    private var central: [UInt8] = []
    private var count: UInt16 = 0
    // The entry being written.
    private var name: [UInt8] = []
    private var headerOffset: UInt32 = 0
    private var path = ""
    private var crc = CRC32()
    private var sha = SHA256Hasher()
    private var size: UInt64 = 0
    private var open = false
    /// Every finished entry: name, size and SHA-256, in archive order.
    private(set) var files: [ExportManifestFile] = []

    init(sink: @escaping ([UInt8]) throws -> Void) { self.sink = sink }

    private func emit(_ bytes: [UInt8]) throws {
        guard UInt64(offset) + UInt64(bytes.count) < UInt64(UInt32.max) else {
            throw VaultError(.cannotCreate, "the export would exceed 4 GiB, which this archive format does not support")
        }
        try sink(bytes)
        offset += UInt32(bytes.count)
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }

    // 2026-01-01 00:00 in DOS format; real times would leak nothing useful and vary the bytes.
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = UInt16((2026 - 1980) << 9 | 1 << 5 | 1)
    private static let flags: UInt16 = 0x0008 | 0x0800  // data descriptor, UTF-8 names

    func begin(_ path: String) throws {
        if open { try end() }
        guard count < UInt16.max - 1 else {
            throw VaultError(.cannotCreate, "the export would hold more than 65,534 files, which this archive format does not support")
        }
        self.path = path
        name = Array(path.utf8)
        headerOffset = offset
        crc = CRC32()
        sha = SHA256Hasher()
        size = 0
        open = true
        try emit(Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(Self.flags) + Self.le16(0) + Self.le16(Self.dosTime)
                 + Self.le16(Self.dosDate) + Self.le32(0) + Self.le32(0) + Self.le32(0) + Self.le16(UInt16(name.count)) + Self.le16(0) + name)
    }

    func write(_ bytes: [UInt8]) throws {
        crc.update(bytes)
        sha.update(bytes)
        size += UInt64(bytes.count)
        try emit(bytes)
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func end() throws {
        guard open else { return }
        open = false
        let s = UInt32(truncatingIfNeeded: size)
        try emit(Self.le32(0x0807_4b50) + Self.le32(crc.value) + Self.le32(s) + Self.le32(s))
        central += Self.le32(0x0201_4b50) + Self.le16(3 << 8 | 20) + Self.le16(20) + Self.le16(Self.flags) + Self.le16(0)
            + Self.le16(Self.dosTime) + Self.le16(Self.dosDate) + Self.le32(crc.value) + Self.le32(s) + Self.le32(s)
            + Self.le16(UInt16(name.count)) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0)
            + Self.le32(UInt32(0o100600) << 16) + Self.le32(headerOffset) + name
        count += 1
        files.append(ExportManifestFile(name: path, size: Int64(size), sha256: Encoding.hex(sha.finish())))
    }

    /// Writes the central directory. Call once, after the last entry.
    func finish() throws {
        try end()
        let cdOffset = offset
        try emit(central)
        try emit(Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(count) + Self.le16(count)
                 + Self.le32(UInt32(central.count)) + Self.le32(cdOffset) + Self.le16(0))
    }
}

/// CRC-32 (IEEE), as ZIP requires. A checksum for the archive format, not a security measure.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    private var state: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        var c = state
        Self.table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        }
        state = c
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}
