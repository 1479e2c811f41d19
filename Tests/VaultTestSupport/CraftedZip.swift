import Foundation

/// Raw ZIP bytes for tests that play an attacker: any name, any Unix mode, symlinks included.
/// STORE only, "version made by" Unix, the mode in the high 16 bits of the external attributes.
public enum CraftedZip {
    public struct Entry: Sendable {
        public var name: String
        public var data: [UInt8]
        public var mode: UInt32

        /// An entry with any Unix mode (type bits included).
        public init(name: String, data: [UInt8], mode: UInt32) {
            self.name = name; self.data = data; self.mode = mode
        }

        /// A regular file, mode 0600.
        public static func file(_ name: String, _ text: String) -> Entry { Entry(name: name, data: Array(text.utf8), mode: 0o100600) }
        /// A symbolic link: its target is its content, mode 0120777.
        public static func symlink(_ name: String, target: String) -> Entry { Entry(name: name, data: Array(target.utf8), mode: 0o120777) }
    }

    public static func bytes(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for e in entries {
            let name = Array(e.name.utf8)
            let crc = crc32(e.data)
            let offset = UInt32(out.count)
            let common = le16(20) + le16(0x0800) + le16(0) + le16(0) + le16(0x5C21) + le32(crc) + le32(UInt32(e.data.count))
                + le32(UInt32(e.data.count)) + le16(UInt16(name.count)) + le16(0)
            out += le32(0x0403_4b50) + common + name + e.data
            central += le32(0x0201_4b50) + le16(3 << 8 | 20) + common + le16(0) + le16(0) + le16(0) + le32(e.mode << 16)
                + le32(offset) + name
        }
        let cdOffset = UInt32(out.count)
        out += central
        out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
            + le32(UInt32(central.count)) + le32(cdOffset) + le16(0)
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
}
