import Foundation
import VaultCrypto

/// The authenticated index: a fixed-depth Merkle map from aggregate to its latest entry.
///
/// An aggregate's name hashes (SHA-256) to one of 2^16 buckets by its first two bytes. A
/// bucket's leaf is `SHA-256(0x00 ‖ its heads sorted by name, each name ‖ seq ‖ digest)`; an
/// interior node is `SHA-256(0x01 ‖ left ‖ right)`, and any subtree with no heads hashes to 32
/// zero bytes, so only non-empty nodes are stored. Every signed entry carries the root after it;
/// the proof for one aggregate is its bucket's heads and 16 sibling hashes — O(1) reads for a
/// check, O(16) writes for an append.
package enum StateMap {
    static let depth = 16
    static let zero = [UInt8](repeating: 0, count: 32)

    static func bucket(_ key: String) -> Int {
        let h = SHA256.hash(Array(key.utf8))
        return Int(h[0]) << 8 | Int(h[1])
    }

    static func leaf(_ heads: [StateHeadRow]) -> [UInt8] {
        guard !heads.isEmpty else { return zero }
        var e = CanonicalEncoder(label: "confidant/state-bucket/v1")
        for h in heads.sorted(by: { $0.aggregate < $1.aggregate }) {
            e.append(h.aggregate)
            e.append(h.seq)
            e.append(h.digest)
        }
        return SHA256.hash(parts: [[0x00], e.bytes])
    }

    /// The keys of the nodes on `bucket`'s path to the root and of their siblings.
    package static func pathKeys(of bucket: Int) -> [StateNodeKey] {
        var keys: [StateNodeKey] = []
        var idx = bucket
        for level in 0...depth {
            keys.append(StateNodeKey(level: level, index: idx))
            if level < depth { keys.append(StateNodeKey(level: level, index: idx ^ 1)) }
            idx >>= 1
        }
        return keys
    }

    static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        left == zero && right == zero ? zero : SHA256.hash(parts: [[0x01], left, right])
    }

    /// Every non-empty node of the map over `heads` (levels 0 to 16), as an append stores them.
    static func nodes(of heads: [StateHeadRow]) -> [StateNodeKey: [UInt8]] {
        var level: [Int: [UInt8]] = [:]
        for (b, hs) in Dictionary(grouping: heads, by: { bucket($0.aggregate) }) { level[b] = leaf(hs) }
        var out: [StateNodeKey: [UInt8]] = [:]
        for d in 0...depth {
            for (idx, h) in level where h != zero { out[StateNodeKey(level: d, index: idx)] = h }
            guard d < depth else { break }
            var next: [Int: [UInt8]] = [:]
            for idx in Set(level.keys.map { $0 >> 1 }) {
                next[idx] = node(level[idx << 1] ?? zero, level[idx << 1 | 1] ?? zero)
            }
            level = next
        }
        return out
    }

    /// The root over a whole map held in memory (`log verify`).
    static func root(of heads: [StateHeadRow]) -> [UInt8] {
        nodes(of: heads)[StateNodeKey(level: depth, index: 0)] ?? zero
    }
}
