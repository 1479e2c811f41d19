import Foundation
import VaultCrypto

/// RFC 9162 (Certificate Transparency v2) Merkle tree hashing over SHA-256.
///
/// Leaves are `SHA-256(0x00 ‖ entry)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`, and the
/// tree over `n` leaves splits at the largest power of two smaller than `n` (RFC 9162 §2.1.1).
public enum MerkleTree {
    /// Interior node hash.
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [[0x01], left, right])
    }

    /// The hash of the empty tree: SHA-256 of no bytes.
    public static var emptyRoot: [UInt8] { SHA256.hash([UInt8]()) }

    /// MTH(D[n]) over leaf hashes (RFC 9162 §2.1.1).
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: leaves.count)
            let mid = leaves.startIndex + k
            return node(root(leaves[leaves.startIndex..<mid]), root(leaves[mid...]))
        }
    }

    public static func root(_ leaves: [[UInt8]]) -> [UInt8] { root(leaves[...]) }

    /// The largest power of two strictly smaller than `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    // MARK: proofs (RFC 9162 §2.1.3 and §2.1.4)

    /// PATH(m, D[n]): the inclusion proof of leaf `index` (0-based) in the tree over `leaves`.
    public static func inclusionProof(index: Int, leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard leaves.count > 1 else { return [] }
        let k = largestPowerOfTwo(below: leaves.count)
        let mid = leaves.startIndex + k
        if index < k {
            return inclusionProof(index: index, leaves: leaves[leaves.startIndex..<mid]) + [root(leaves[mid...])]
        }
        return inclusionProof(index: index - k, leaves: leaves[mid...]) + [root(leaves[leaves.startIndex..<mid])]
    }

    /// PROOF(m, D[n]): the consistency proof between the first `oldSize` leaves and all of them.
    public static func consistencyProof(oldSize: Int, leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard oldSize > 0, oldSize < leaves.count else { return [] }
        return subproof(oldSize, leaves, complete: true)
    }

    private static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, complete: Bool) -> [[UInt8]] {
        let n = d.count
        if m == n { return complete ? [] : [root(d)] }
        let k = largestPowerOfTwo(below: n)
        let mid = d.startIndex + k
        if m <= k {
            return subproof(m, d[d.startIndex..<mid], complete: complete) + [root(d[mid...])]
        }
        return subproof(m - k, d[mid...], complete: false) + [root(d[d.startIndex..<mid])]
    }

    /// Every level of the tree, leaves first: at each level nodes pair left to right and a last
    /// unpaired node is carried up unchanged, which yields the RFC 9162 tree. Built once in O(n),
    /// it answers any number of inclusion proofs in O(log n) each.
    public static func levels(_ leaves: [[UInt8]]) -> [[[UInt8]]] {
        var out = [leaves]
        while let last = out.last, last.count > 1 {
            var next: [[UInt8]] = []
            next.reserveCapacity((last.count + 1) / 2)
            var i = 0
            while i + 1 < last.count { next.append(node(last[i], last[i + 1])); i += 2 }
            if i < last.count { next.append(last[i]) }
            out.append(next)
        }
        return out
    }

    /// PATH(index, D[n]) from precomputed ``levels(_:)``.
    public static func inclusionProof(index: Int, levels: [[[UInt8]]]) -> [[UInt8]] {
        var proof: [[UInt8]] = []
        var i = index
        for level in levels.dropLast() {
            let sibling = i ^ 1
            if sibling < level.count { proof.append(level[sibling]) }
            i >>= 1
        }
        return proof
    }

    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(leafHash: [UInt8], index: Int, treeSize: Int, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index, sn = treeSize - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = node(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Verifies a consistency proof between (oldSize, oldRoot) and (newSize, newRoot)
    /// (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        guard oldSize > 0, oldSize < newSize, !proof.isEmpty else { return oldSize == 0 && proof.isEmpty }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }  // a power of two
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = node(c, fr)
                sr = node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = node(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// The right edge of a Merkle tree: the roots of its perfect subtrees, largest first. Enough to
/// append a leaf and compute the new root in O(log n) without reading earlier entries.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int = 0
    /// (height, hash) of each perfect subtree, left to right; heights strictly decreasing.
    public private(set) var nodes: [(height: Int, hash: [UInt8])] = []

    public init() {}

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.nodes.map(\.height) == b.nodes.map(\.height) && a.nodes.map(\.hash) == b.nodes.map(\.hash)
    }

    public mutating func append(leafHash: [UInt8]) {
        nodes.append((0, leafHash))
        size += 1
        while nodes.count >= 2, nodes[nodes.count - 1].height == nodes[nodes.count - 2].height {
            let right = nodes.removeLast(), left = nodes.removeLast()
            nodes.append((left.height + 1, MerkleTree.node(left.hash, right.hash)))
        }
    }

    /// The RFC 9162 root of the tree so far.
    public var root: [UInt8] {
        guard var r = nodes.last?.hash else { return MerkleTree.emptyRoot }
        for n in nodes.dropLast().reversed() { r = MerkleTree.node(n.hash, r) }
        return r
    }

    /// Serialised as `height(1 byte) ‖ hash(32)` per node, for storage beside the tree head.
    public func encoded() -> [UInt8] {
        nodes.flatMap { [UInt8(truncatingIfNeeded: $0.height)] + $0.hash }
    }

    /// Rebuilds a frontier from its encoding and the tree size it belongs to.
    /// - Throws: ``VaultError`` bad data when the bytes do not describe a tree of `size` leaves.
    public init(size: Int, encoded: [UInt8]) throws {
        guard encoded.count % 33 == 0 else { throw VaultError.badData("stored tree frontier is malformed") }
        var total = 0
        var out: [(Int, [UInt8])] = []
        var i = 0
        while i < encoded.count {
            let h = Int(encoded[i])
            guard h < 63 else { throw VaultError.badData("stored tree frontier is malformed") }
            out.append((h, Array(encoded[(i + 1)..<(i + 33)])))
            total += 1 << h
            i += 33
        }
        guard total == size else { throw VaultError.badData("stored tree frontier does not match the tree size") }
        self.size = size
        self.nodes = out.map { (height: $0.0, hash: $0.1) }
    }
}

/// Inclusion proofs for a few leaves of a large tree, built in one streaming pass with about
/// 32 bytes of memory per leaf pair: leaves are not kept (only the siblings the wanted proofs
/// need), and every higher level is one flat buffer. Same proofs as
/// ``MerkleTree/inclusionProof(index:levels:)``.
public struct MerkleProofBuilder {
    private let wanted: Set<Int>
    private var siblings: [Int: [UInt8]] = [:]
    private var level1: [UInt8] = []
    private var pendingLeft: [UInt8]?
    private var count = 0
    private var levels: [[UInt8]] = []  // flat levels from 1 up
    private var counts: [Int] = []

    /// - Parameter indexes: the 0-based leaves whose proofs will be asked for.
    public init(indexes: some Sequence<Int>) { wanted = Set(indexes) }

    /// Feeds the next leaf hash, in order.
    public mutating func append(_ leaf: [UInt8]) {
        let i = count
        count += 1
        if wanted.contains(i ^ 1) { siblings[i ^ 1] = leaf }
        if let left = pendingLeft {
            level1 += MerkleTree.node(left, leaf)
            pendingLeft = nil
        } else {
            pendingLeft = leaf
        }
    }

    /// Closes the tree and computes its upper levels; returns the root.
    public mutating func finish() -> [UInt8] {
        guard count > 0 else { return MerkleTree.emptyRoot }
        if let left = pendingLeft { level1 += left; pendingLeft = nil }  // carried up
        if count == 1 { return Array(level1) }
        levels = [level1]
        counts = [(count + 1) / 2]
        while let n = counts.last, n > 1, let last = levels.last {
            var next: [UInt8] = []
            next.reserveCapacity((n + 1) / 2 * 32)
            var i = 0
            while i + 1 < n {
                next += MerkleTree.node(Array(last[(i * 32)..<(i * 32 + 32)]), Array(last[((i + 1) * 32)..<((i + 1) * 32 + 32)]))
                i += 2
            }
            if i < n { next += last[(i * 32)..<(i * 32 + 32)] }
            levels.append(next)
            counts.append((n + 1) / 2)
        }
        return Array(levels[levels.count - 1][0..<32])
    }

    /// The RFC 9162 inclusion proof of a wanted leaf (after ``finish()``).
    public func proof(index: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        if let s = siblings[index] { out.append(s) }
        var i = index >> 1
        for (level, n) in zip(levels, counts).dropLast() {
            let sibling = i ^ 1
            if sibling < n { out.append(Array(level[(sibling * 32)..<(sibling * 32 + 32)])) }
            i >>= 1
        }
        return out
    }
}
