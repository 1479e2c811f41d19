import Foundation

/// One record of a ZIP central directory, as the bytes say it (no interpretation of the name).
struct ZipDirectoryRecord: Equatable {
    enum Kind: Equatable {
        case file
        case folder
        /// A symbolic link, device, FIFO or socket: what a Unix mode other than a regular file
        /// or a folder says.
        case other(mode: UInt32)
    }

    var name: [UInt8]
    var kind: Kind
    var encrypted: Bool
    var method: UInt16
}

/// Reads a ZIP file's central directory straight from its bytes.
///
/// ZIPFoundation's `Entry.type` treats any Unix mode it does not know (FIFO, device, socket) as a
/// regular file, and does not expose the mode. `export open` must refuse every entry that is not
/// a regular file or a folder, so it reads the raw external attributes here, then checks that
/// ZIPFoundation sees the same entries in the same order before extracting anything with it.
enum ZipDirectoryScanner {
    private static let eocdSize = 22
    private static let maxDirectory = 64 << 20

    static func scan(path: String) throws -> [ZipDirectoryRecord] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw VaultError.badData("the export's archive cannot be read") }
        defer { try? h.close() }
        let fileSize = try h.seekToEnd()
        let tailSize = min(fileSize, UInt64(eocdSize + 65535))
        try h.seek(toOffset: fileSize - tailSize)
        let tail = [UInt8](try h.read(upToCount: Int(tailSize)) ?? Data())
        guard tail.count == Int(tailSize), let e = findEnd(tail) else { throw damaged("it has no end-of-archive record") }
        let count = Int(le16(tail, e + 10)), cdSize = Int(le32(tail, e + 12)), cdOffset = UInt64(le32(tail, e + 16))
        let eocdOffset = fileSize - tailSize + UInt64(e)
        guard le16(tail, e + 4) == 0, le16(tail, e + 6) == 0, le16(tail, e + 8) == count, count != 0xFFFF,
              le32(tail, e + 16) != 0xFFFF_FFFF else { throw damaged("it is split in parts or uses ZIP64") }
        guard cdSize <= maxDirectory, cdOffset + UInt64(cdSize) <= eocdOffset else { throw damaged("its directory lies outside the file") }
        try h.seek(toOffset: cdOffset)
        let cd = [UInt8](try h.read(upToCount: cdSize) ?? Data())
        guard cd.count == cdSize else { throw damaged("its directory is truncated") }
        return try records(cd, count: count)
    }

    /// The last end-of-central-directory record whose comment reaches exactly to the end.
    private static func findEnd(_ tail: [UInt8]) -> Int? {
        var i = tail.count - eocdSize
        while i >= 0 {
            if le32(tail, i) == 0x0605_4b50, i + eocdSize + Int(le16(tail, i + 20)) == tail.count { return i }
            i -= 1
        }
        return nil
    }

    private static func records(_ cd: [UInt8], count: Int) throws -> [ZipDirectoryRecord] {
        var out: [ZipDirectoryRecord] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= cd.count, le32(cd, p) == 0x0201_4b50 else { throw damaged("its directory is malformed") }
            let nameLength = Int(le16(cd, p + 28)), extra = Int(le16(cd, p + 30)), comment = Int(le16(cd, p + 32))
            guard p + 46 + nameLength + extra + comment <= cd.count else { throw damaged("its directory is malformed") }
            let name = Array(cd[(p + 46)..<(p + 46 + nameLength)])
            let kind = Self.kind(madeBy: le16(cd, p + 4), external: le32(cd, p + 38), name: name)
            out.append(ZipDirectoryRecord(name: name, kind: kind, encrypted: le16(cd, p + 8) & 1 == 1, method: le16(cd, p + 10)))
            p += 46 + nameLength + extra + comment
        }
        guard p == cd.count else { throw damaged("its directory holds more than its entry count") }
        return out
    }

    /// Unix and macOS archivers store the mode in the high 16 bits of the external attributes;
    /// others mark folders with the MS-DOS directory bit or a trailing slash.
    private static func kind(madeBy: UInt16, external: UInt32, name: [UInt8]) -> ZipDirectoryRecord.Kind {
        let slash = name.last == UInt8(ascii: "/")
        let host = madeBy >> 8
        let mode = external >> 16
        if host == 3 || host == 19, mode != 0 {
            switch mode & 0o170000 {
            case 0o100000: return slash ? .other(mode: mode) : .file
            case 0o040000: return .folder
            default: return .other(mode: mode)
            }
        }
        return slash || external & 0x10 != 0 ? .folder : .file
    }

    private static func damaged(_ why: String) -> VaultError { VaultError.badData("the export's archive is damaged: \(why)") }
    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
