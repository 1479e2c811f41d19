import Foundation
import Testing
import VaultCrypto
@testable import VaultCore
import VaultStoreSQLite

/// The log's Merkle tree against vectors computed independently in Python (tools/rfc9162_vectors.py).
@Suite("RFC 9162 Merkle tree")
struct MerkleTreeTests {
    struct Inclusion: Decodable { var index: Int; var treeSize: Int; var path: [String] }
    struct Consistency: Decodable { var oldSize: Int; var newSize: Int; var proof: [String] }
    struct Tree: Decodable { var name: String; var leafData: [String]; var leafHashes: [String]; var roots: [String]; var inclusion: [Inclusion]; var consistency: [Consistency] }
    struct File: Decodable { var trees: [Tree] }

    static func trees() throws -> [Tree] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Keys/vectors/rfc9162.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).trees
    }

    func bytes(_ h: String) throws -> [UInt8] { try Encoding.fromHex(h) }

    @Test("leaf hashes and roots of every prefix", arguments: try trees())
    func roots(_ t: Tree) throws {
        let leaves = try t.leafData.map { AccessEntry.leafHash(try bytes($0)) }
        #expect(leaves.map { Encoding.hex($0) } == t.leafHashes)
        var frontier = MerkleFrontier()
        #expect(Encoding.hex(frontier.root) == t.roots[0])
        for n in 1...leaves.count {
            #expect(Encoding.hex(MerkleTree.root(Array(leaves[0..<n]))) == t.roots[n], "size \(n)")
            frontier.append(leafHash: leaves[n - 1])
            #expect(Encoding.hex(frontier.root) == t.roots[n], "frontier size \(n)")
            let restored = try MerkleFrontier(size: n, encoded: frontier.encoded())
            #expect(restored == frontier)
        }
    }

    @Test("inclusion proofs equal the reference and verify; altered ones do not", arguments: try trees())
    func inclusion(_ t: Tree) throws {
        let leaves = try t.leafHashes.map(bytes)
        for v in t.inclusion {
            let proof = MerkleTree.inclusionProof(index: v.index, leaves: leaves[0..<v.treeSize])
            #expect(proof.map { Encoding.hex($0) } == v.path, "index \(v.index) of \(v.treeSize)")
            let root = try bytes(t.roots[v.treeSize])
            #expect(MerkleTree.verifyInclusion(leafHash: leaves[v.index], index: v.index, treeSize: v.treeSize, proof: proof, root: root))
            if v.treeSize > 1 {
                #expect(!MerkleTree.verifyInclusion(leafHash: leaves[v.index], index: (v.index + 1) % v.treeSize, treeSize: v.treeSize, proof: proof, root: root))
                var bad = proof
                bad[0][0] ^= 1
                #expect(!MerkleTree.verifyInclusion(leafHash: leaves[v.index], index: v.index, treeSize: v.treeSize, proof: bad, root: root))
            }
        }
    }

    @Test("consistency proofs equal the reference and verify; altered ones do not", arguments: try trees())
    func consistency(_ t: Tree) throws {
        let leaves = try t.leafHashes.map(bytes)
        for v in t.consistency {
            let proof = MerkleTree.consistencyProof(oldSize: v.oldSize, leaves: leaves[0..<v.newSize])
            #expect(proof.map { Encoding.hex($0) } == v.proof, "\(v.oldSize) -> \(v.newSize)")
            let old = try bytes(t.roots[v.oldSize]), new = try bytes(t.roots[v.newSize])
            #expect(MerkleTree.verifyConsistency(oldSize: v.oldSize, newSize: v.newSize, oldRoot: old, newRoot: new, proof: proof))
            #expect(!MerkleTree.verifyConsistency(oldSize: v.oldSize, newSize: v.newSize, oldRoot: new, newRoot: new, proof: proof) || old == new)
            if !proof.isEmpty {
                var bad = proof
                bad[bad.count - 1][5] ^= 0x80
                #expect(!MerkleTree.verifyConsistency(oldSize: v.oldSize, newSize: v.newSize, oldRoot: old, newRoot: new, proof: bad))
            }
        }
    }

    @Test("the streaming proof builder gives the reference proofs and root", arguments: try trees())
    func streamingBuilder(_ t: Tree) throws {
        let leaves = try t.leafHashes.map(bytes)
        for size in 1...leaves.count {
            var b = MerkleProofBuilder(indexes: 0..<size)
            for l in leaves[0..<size] { b.append(l) }
            #expect(Encoding.hex(b.finish()) == t.roots[size])
            for v in t.inclusion where v.treeSize == size {
                #expect(b.proof(index: v.index).map { Encoding.hex($0) } == v.path, "index \(v.index) of \(size)")
            }
        }
    }

    @Test("a malformed stored frontier is refused")
    func badFrontier() {
        #expect(throws: VaultError.self) { try MerkleFrontier(size: 3, encoded: [0] + [UInt8](repeating: 1, count: 32)) }
        #expect(throws: VaultError.self) { try MerkleFrontier(size: 1, encoded: [0, 1, 2]) }
    }
}
