import Foundation
import VaultCrypto

/// What `log verify` established.
public struct LogVerification: Sendable, Codable, Equatable {
    public var size: Int
    /// Root hash (base64) of the RFC 9162 tree over every entry.
    public var root: String
    public var signedEntries: Int
    public var unsignedEntries: Int
    /// How many aggregates (clients and vault-wide parts) the stored state was checked for.
    public var aggregates: Int = 0
    /// The checkpoint size the log was proven to extend, when one was given.
    public var checkpointSize: Int?
    public var checkpointTime: String?
    /// Records that entries before a `vault.restore` created and that neither copy holds: lost
    /// in the restore (reported, not tampering). Empty without a restore.
    public var lostInRestore: [String] = []
}

/// Recomputes and checks the whole access log.
///
/// For each entry in sequence order: the sequence number is the next one (nothing removed or
/// inserted); the stored canonical bytes equal the bytes rebuilt from the queryable columns (no
/// column edited on its own); the leaf hash is SHA-256(0x00 ‖ bytes); the signature verifies
/// under the actor's enrolled key (not re-signed by someone else); the tree head stored after
/// the entry equals the recomputed root. With a checkpoint: the log is at least as long and the
/// checkpoint's tree is a prefix, proven with an RFC 9162 consistency proof.
enum LogVerifier {
    static let batch = 8192

    static func verify(_ guarded: any VaultStore, meta: VaultMetaRow, checkpoint: Checkpoint?) throws -> LogVerification {
        guard let store = guarded as? GuardedStore else { throw VaultError.internalError("log verify needs the guarded store") }
        var walk = LogWalk(keys: try signingKeys(store, meta: meta), certifiedRoles: try certifiedRoles(store, meta: meta),
                           checkpoint: checkpoint)
        if try store.readRaw({ try $0.logRowsBeforeFirst() }) > 0 {
            throw VaultError.badData("the access log holds rows numbered 0 or below; entries start at 1 — they were inserted outside confidant")
        }
        while true {
            let (rows, heads) = try store.readRaw { tx in
                (try tx.logEntries(after: walk.expected - 1, limit: batch), try tx.treeHeads(from: walk.expected, limit: batch))
            }
            if rows.isEmpty { break }
            let headBySize = Dictionary(heads.map { ($0.size, $0.root) }, uniquingKeysWith: { a, _ in a })
            // Signatures are the expensive part: check a batch on every core.
            let generation = verifySignatures(rows, keys: walk.keys)
            for (i, row) in rows.enumerated() {
                try walk.check(row, generation: generation[i], headBySize: headBySize)
            }
        }
        let size = Int(walk.expected - 1)
        let extraHeads = try store.readRaw { try $0.treeHeadCount(above: Int64(size)) }
        if extraHeads > 0 {
            throw VaultError.badData("entry \(size + 1) is missing: tree heads exist for \(extraHeads) entries after the last one (the log was truncated)")
        }
        var result = LogVerification(size: size, root: Encoding.base64(walk.frontier.root), signedEntries: walk.signed,
                                     unsignedEntries: walk.unsigned)
        if let checkpoint {
            try walk.checkExtends(checkpoint, size: size)
            result.checkpointSize = checkpoint.size
            result.checkpointTime = checkpoint.time
        }
        // The log itself checks out; now the state must be exactly what it made.
        result.aggregates = try store.readRaw { tx in try walk.replay.checkProjection(tx) }
        return result
    }

    /// Every signing key each user has had (entries made before a key rotation verify under
    /// the key of their time).
    private static func signingKeys(_ store: GuardedStore, meta: VaultMetaRow) throws -> [String: [[UInt8]?]] {
        try store.readRaw { tx in
            var out: [String: [[UInt8]?]] = [:]
            for u in try tx.users() { out[u.name] = try UserCertificate.signingGenerations(tx, meta: meta, name: u.name) }
            return out
        }
    }

    /// Certified roles of each generation of each user's keys, oldest first as in
    /// ``signingKeys(_:meta:)`` (empty where a generation's chain does not verify), for the
    /// action-role check: an entry is judged by the roles of the key that signed it, so a user
    /// removed later (no roles now) still verifies for what it did before.
    private static func certifiedRoles(_ store: GuardedStore, meta: VaultMetaRow) throws -> [String: [Set<Role>]] {
        try store.readRaw { tx in
            var out: [String: [Set<Role>]] = [:]
            for live in try tx.users() {
                out[live.name] = try ((try tx.userHistory(name: live.name)).reversed() + [live]).map { u in
                    // A generation from an enrolment code (certified by an admin) holds no role:
                    // it signs only its own `user.enrol`.
                    (try? UserCertificate.verifyChain(of: u, meta: meta, lookup: { try tx.user(named: $0) },
                                                      history: { try tx.userHistory(name: $0) })) != nil && !u.isPending ? u.roleSet : []
                }
            }
            return out
        }
    }

    /// Ed25519 verification of a batch, split across the machine's cores: for each entry, the
    /// index of the signer's key generation that verifies it (oldest first), or -1.
    static func verifySignatures(_ rows: [LogRow], keys: [String: [[UInt8]?]]) -> [Int] {
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: rows.count)
        defer { results.deallocate() }
        results.initialize(repeating: -1)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (rows.count + workers - 1) / workers
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk, hi = min(rows.count, lo + chunk)
            guard lo < hi else { return }
            for i in lo..<hi {
                let r = rows[i]
                guard !r.signer.isEmpty, let pks = keys[r.signer] else { continue }
                // Newest first: an entry verifies under exactly one generation.
                for g in pks.indices.reversed() {
                    if let pk = pks[g], Ed25519.isValid(signature: r.signature, message: r.entry, publicKey: pk) { out[i] = g; break }
                }
            }
        }
        return Array(results)
    }
}

/// One pass over the log in sequence order: the state every next entry is checked against.
private struct LogWalk {
    let keys: [String: [[UInt8]?]]
    let certifiedRoles: [String: [Set<Role>]]
    let checkpoint: Checkpoint?
    /// How many times each user's key was replaced so far: earlier generations are retired.
    var rotations: [String: Int] = [:]
    var frontier = MerkleFrontier()
    var leaves: [[UInt8]] = []
    var expected: Int64 = 1
    var signed = 0, unsigned = 0
    var checkpointRoot: [UInt8]?
    var lastTime: Int64 = .min
    var replay = StateReplay()

    /// Checks the next entry, `generation` being the index of the signer's key that verifies
    /// it (or -1), and adds it to the tree.
    mutating func check(_ row: LogRow, generation: Int, headBySize: [Int64: [UInt8]]) throws {
        let (decoded, leaf) = try checkPlace(row)
        if row.signer.isEmpty {
            guard row.signature.isEmpty, row.outcome == Outcome.denied.rawValue, row.action == "session.unlock",
                  decoded.clientID.isEmpty, decoded.recordID.isEmpty, decoded.state.isEmpty else {
                throw VaultError.badData("entry \(row.seq) is unsigned but is not a refused unlock naming no client (only those may be unsigned)")
            }
            unsigned += 1
        } else {
            try checkSigner(row, generation: generation)
            signed += 1
            try replay.apply(decoded, leaves: leaves)
        }
        frontier.append(leafHash: leaf)
        leaves.append(leaf)
        // Every append stores the tree head after it: a missing one was removed.
        guard let stored = headBySize[row.seq] else {
            throw VaultError.badData("entry \(row.seq): the tree head stored after it is missing (removed)")
        }
        guard stored == frontier.root else {
            throw VaultError.badData("entry \(row.seq): the stored tree head differs from the recomputed root")
        }
        if let checkpoint, checkpoint.size == Int(row.seq) { checkpointRoot = frontier.root }
        expected += 1
    }

    /// The entry is the next one, its columns match its bytes, its leaf hash is right, it
    /// chains to the previous entry and is not dated before it. Returns the decoded entry and
    /// its leaf hash.
    private mutating func checkPlace(_ row: LogRow) throws -> (AccessEntry, [UInt8]) {
        guard row.seq == expected else {
            throw VaultError.badData(row.seq > expected
                ? "entry \(expected) is missing: the log jumps from \(expected - 1) to \(row.seq) (entries were removed)"
                : "entry \(row.seq) is out of order (expected \(expected))")
        }
        guard let decoded = try? AccessEntry.decode(row.entry), decoded.matchesColumns(of: row) else {
            throw VaultError.badData("entry \(row.seq) was modified: its fields no longer match its signed bytes")
        }
        let leaf = AccessEntry.leafHash(row.entry)
        guard leaf == row.leafHash else { throw VaultError.badData("entry \(row.seq) has a wrong leaf hash") }
        guard decoded.prevHash == (leaves.last ?? []) else {
            throw VaultError.badData("entry \(row.seq) does not chain to entry \(row.seq - 1) (an entry was replaced or removed)")
        }
        guard decoded.time >= lastTime else {
            throw VaultError.badData("entry \(row.seq) is dated before entry \(row.seq - 1): entry times never go back")
        }
        lastTime = decoded.time
        return (decoded, leaf)
    }

    private static func roles(_ generations: [Set<Role>]?, _ index: Int) -> Set<Role> {
        guard let generations, generations.indices.contains(index) else { return [] }
        return generations[index]
    }

    /// A signed entry: signed by its actor, with a key of the actor that was current, for an
    /// action the actor's certified roles allow. Counts a key replacement it records.
    private mutating func checkSigner(_ row: LogRow, generation: Int) throws {
        guard row.signer == row.actor else {
            throw VaultError.badData("entry \(row.seq) by '\(row.actor)' was signed by '\(row.signer)'")
        }
        guard generation >= 0 else {
            throw VaultError.badData("entry \(row.seq): signature does not verify with the key of '\(row.actor)' (modified or re-signed)")
        }
        guard generation >= rotations[row.actor, default: 0] else {
            throw VaultError.badData("entry \(row.seq) is signed by a key of '\(row.actor)' that an earlier rotation retired")
        }
        let roles = Self.roles(certifiedRoles[row.actor], generation)
        if roles.isEmpty, row.action != "user.enrol" {
            throw VaultError.badData("entry \(row.seq) by '\(row.actor)' is signed by keys that hold no role (an enrolment code's, or a removed user's)")
        }
        if let why = ActionRolePolicy.refusal(action: row.action, outcome: row.outcome, roles: roles) {
            throw VaultError.badData("entry \(row.seq) by '\(row.actor)': \(why), which '\(row.actor)' does not hold")
        }
        if let replaced = UserCertificate.replacesKey(action: row.action, recordID: row.recordID, outcome: row.outcome) {
            rotations[replaced, default: 0] += 1
        }
    }

    /// With a checkpoint: the log is at least as long, and the checkpoint's tree is a prefix
    /// of it (its root, then an RFC 9162 consistency proof).
    func checkExtends(_ checkpoint: Checkpoint, size: Int) throws {
        guard checkpoint.size <= size else {
            throw VaultError.badData("entry \(size + 1) is missing: the log has \(size) entries but the checkpoint of \(checkpoint.time) pinned \(checkpoint.size) (truncated)")
        }
        if checkpoint.size == 0 {
            guard checkpoint.root == MerkleTree.emptyRoot else { throw VaultError.badData("the checkpoint's empty-tree root is wrong") }
        } else {
            guard checkpointRoot == checkpoint.root else {
                throw VaultError.badData("entries 1-\(checkpoint.size) no longer hash to the checkpoint's root: the log was rewritten before \(checkpoint.time)")
            }
        }
        let proof = MerkleTree.consistencyProof(oldSize: checkpoint.size, leaves: leaves[...])
        guard MerkleTree.verifyConsistency(oldSize: checkpoint.size, newSize: size, oldRoot: checkpoint.root,
                                           newRoot: frontier.root, proof: proof) || checkpoint.size == 0 else {
            throw VaultError.badData("the consistency proof from the checkpoint to the current log does not verify")
        }
    }
}
