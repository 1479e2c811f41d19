/// SHA-1, only because FHIR's `Attachment.hash` is defined as the SHA-1 of the data. It is a
/// format field for FHIR consumers, not a security measure: the export's integrity rests on the
/// SHA-256 hashes, Ed25519 signatures and Merkle proofs in proof.json (all libsodium).
struct SHA1 {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    mutating func update(_ bytes: [UInt8]) {
        length += UInt64(bytes.count)
        buffer += bytes
        var offset = 0
        while buffer.count - offset >= 64 { block(buffer, offset); offset += 64 }
        buffer.removeFirst(offset)
    }

    mutating func finish() -> [UInt8] {
        let bits = length * 8
        var pad: [UInt8] = [0x80]
        while (buffer.count + pad.count) % 64 != 56 { pad.append(0) }
        pad += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bits >> (UInt64($0) * 8)) }
        let saved = length
        update(pad)
        length = saved
        return [h.0, h.1, h.2, h.3, h.4].flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (UInt32($0) * 8)) } }
    }

    private mutating func block(_ b: [UInt8], _ o: Int) {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = UInt32(b[o + 4 * i]) << 24 | UInt32(b[o + 4 * i + 1]) << 16 | UInt32(b[o + 4 * i + 2]) << 8 | UInt32(b[o + 4 * i + 3])
        }
        for i in 16..<80 { let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]; w[i] = x << 1 | x >> 31 }
        var (a, bb, c, d, e) = h
        for i in 0..<80 {
            let (f, k): (UInt32, UInt32) = switch i {
            case 0..<20: ((bb & c) | (~bb & d), 0x5A82_7999)
            case 20..<40: (bb ^ c ^ d, 0x6ED9_EBA1)
            case 40..<60: ((bb & c) | (bb & d) | (c & d), 0x8F1B_BCDC)
            default: (bb ^ c ^ d, 0xCA62_C1D6)
            }
            let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
            e = d; d = c; c = bb << 30 | bb >> 2; bb = a; a = t
        }
        h = (h.0 &+ a, h.1 &+ bb, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }
}
