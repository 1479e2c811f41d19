import Foundation
import VaultCrypto

/// A transaction that acts only on state the signed log vouches for.
///
/// Before it returns or changes any row of an aggregate (a client, the users, the settings,
/// the exceptions), it checks once per transaction that the aggregate's rows hash to the digest
/// that the authenticated index holds for it, and that the index's path hashes to the map root
/// carried by the newest signed entry — whose signature verifies under a certified user's key.
/// A row a keyless writer added, changed, removed or rolled back therefore fails the check
/// (``VaultError`` bad data, exit 65) before any decision reads it. Writes mark their
/// aggregates; the next signed entry commits their new digests (``commitState(seq:clientID:)``).
final class GuardedTransaction {
    let inner: any StoreTransaction & StateStorage
    /// The vault's root signing key as this machine pinned it (nil while creating a vault).
    let pinnedRootKey: [UInt8]?
    private var root: [UInt8]?
    private var verified: Set<StateAggregate> = []
    private(set) var touched: Set<StateAggregate> = []
    private var verifiedAll = false
    /// The last entry this transaction appended (seq, leaf hash), for the rollback pin.
    var appended: (Int64, [UInt8])? {
        didSet { if let a = appended { leafCache[a.0] = a.1 } }
    }
    /// Nodes of the map read or written in this transaction (this transaction is the only
    /// writer while it runs), so a batch of appends does not re-read its own path.
    /// The last entry this transaction appended and signed itself, with its map root: trusted
    /// by the next transaction of this process without re-verifying its signature.
    var selfSigned: (row: LogRow, root: [UInt8])?
    private var nodeCache: [StateNodeKey: [UInt8]] = [:]
    private var leafCache: [Int64: [UInt8]] = [:]

    /// The newest signed entry this process already verified, and its map root.
    let trustCache: TrustCache?

    init(inner: any StoreTransaction & StateStorage, pinnedRootKey: [UInt8]?, trustCache: TrustCache? = nil) {
        self.inner = inner
        self.pinnedRootKey = pinnedRootKey
        self.trustCache = trustCache
    }

    static func tampered(_ what: String) -> VaultError {
        VaultError.badData("\(what); the vault file was changed outside confidant — run 'confidant log verify' and restore from a backup")
    }

    /// The map root of the newest signed entry, whose signer's certificate chains to the root key.
    func trustedRoot() throws -> [UInt8] {
        if let root { return root }
        guard let tail = try inner.lastSignedLog() else {
            guard try inner.lastLog() == nil else { throw Self.tampered("the access log has entries but none is signed") }
            root = StateMap.zero
            return StateMap.zero
        }
        try checkUnsignedTail(after: tail.seq)
        if let known = trustCache?.root(for: tail) {
            // The same signed bytes this process verified before: the same root. The rows are
            // still checked below and per aggregate.
            root = known
            try ensure(.users)
            try ensure(.settings)
            return known
        }
        guard let meta = try inner.meta() else { throw Self.tampered("the vault settings are missing") }
        if let pinnedRootKey, meta.rootSigningKey != pinnedRootKey {
            throw Self.tampered("the vault's root key is not the one this machine pinned")
        }
        let entry = try AccessEntry.decode(tail.entry)
        guard entry.seq == tail.seq, entry.actor == tail.signer else {
            throw Self.tampered("the newest signed entry (\(tail.seq)) does not match its signed bytes")
        }
        let changed = entry.state.filter { !$0.tables.isEmpty }.map {
            (aggregate: $0.aggregate, rows: $0.tables.reduce(0) { $0 + $1.rows }, isNew: $0.prevSeq == 0)
        }
        if let why = ActionRolePolicy.changeRefusal(action: entry.action, outcome: entry.outcome.rawValue, changed: changed) {
            throw Self.tampered("the newest signed entry (\(tail.seq)) states a change its action cannot make (\(why))")
        }
        // Only the current generation signs new entries; the entry that retires a key is the last
        // its previous generation signs.
        // A pending user's keys (from an enrolment code) sign no entry but the `user.enrol` that
        // replaces them (after which the user is no longer pending).
        if let live = try inner.user(named: entry.actor), live.isPending {
            throw Self.tampered("the newest signed entry (\(tail.seq)) is signed by '\(entry.actor)', who has not enrolled")
        }
        let generations = try UserCertificate.signingGenerations(inner, meta: meta, name: entry.actor)
        let retiresOwn = UserCertificate.replacesKey(action: entry.action, recordID: entry.recordID, outcome: entry.outcome.rawValue) == entry.actor
        let allowed = generations.suffix(retiresOwn ? 2 : 1).compactMap { $0 }
        guard allowed.contains(where: { Ed25519.isValid(signature: tail.signature, message: tail.entry, publicKey: $0) }) else {
            throw Self.tampered("the signature of entry \(tail.seq) does not verify under the current key of '\(entry.actor)'")
        }
        root = entry.mapRoot
        trustCache?.remember(tail, root: entry.mapRoot)
        // The keys just used came from the users and settings rows: they must be the signed ones.
        try ensure(.users)
        try ensure(.settings)
        return entry.mapRoot
    }

    /// The entries after the newest signed one must be genuine refused unlocks: a signed entry
    /// whose signer column was blanked (to make an older entry the trusted one) is refused.
    private func checkUnsignedTail(after seq: Int64) throws {
        var after = seq
        while true {
            let rows = try inner.logEntries(after: after, limit: 1024)
            guard !rows.isEmpty else { return }
            for r in rows {
                guard r.signer.isEmpty, r.signature.isEmpty, let e = try? AccessEntry.decode(r.entry), e.matchesColumns(of: r),
                      e.seq == r.seq, e.action == "session.unlock", e.outcome == .denied, e.clientID.isEmpty, e.recordID.isEmpty,
                      e.state.isEmpty else {
                    throw Self.tampered("entry \(r.seq) after the newest signed entry is not a refused unlock (a signature was removed)")
                }
                after = r.seq
            }
        }
    }

    /// The index's head for `a`, after checking its bucket and path against `root`.
    func provenHead(_ a: StateAggregate, root: [UInt8]) throws -> StateHeadRow? {
        let b = StateMap.bucket(a.key)
        let heads = try inner.stateHeads(bucket: b)
        guard Set(heads.map(\.aggregate)).count == heads.count, heads.allSatisfy({ StateMap.bucket($0.aggregate) == b }) else {
            throw Self.tampered("the vault's state index is inconsistent")
        }
        // Walk up: the siblings come from the store, and the stored nodes on the path itself must
        // be the ones computed (a removed or edited node is refused, not silently rewritten).
        try prefetchPath(bucket: b)
        var h = StateMap.leaf(heads)
        var idx = b
        for level in 0...StateMap.depth {
            guard try node(level: level, index: idx) == h else {
                throw Self.tampered("the vault's state index does not match its signed access log")
            }
            guard level < StateMap.depth else { break }
            let sib = try node(level: level, index: idx ^ 1)
            h = idx & 1 == 0 ? StateMap.node(h, sib) : StateMap.node(sib, h)
            idx >>= 1
        }
        guard h == root else { throw Self.tampered("the vault's state index does not match its signed access log") }
        return heads.first { $0.aggregate == a.key }
    }

    /// Checks `a`'s rows against the signed index, once per transaction.
    func ensure(_ a: StateAggregate) throws {
        if verified.contains(a) { return }
        let r = try trustedRoot()
        if verified.contains(a) { return }
        let head = try provenHead(a, root: r)
        let tables = try inner.tableDigests(of: a)
        if let head {
            guard StateDigest.aggregate(a.key, tables) == head.digest else {
                throw Self.tampered("the stored state of \(a.label) differs from what its signed entries committed")
            }
        } else if let t = tables.first(where: { $0.rows > 0 }) {
            throw Self.tampered("\(a.label) has \(t.rows) row(s) in table \(t.table) that no signed entry made")
        }
        verified.insert(a)
    }

    /// Checks the whole index against the trusted root, then every aggregate in it, once per
    /// transaction: for listings across clients, so that a row renamed or removed out of the
    /// listing's query is a 65, not a silently shorter list. O(vault); used where the work is.
    func ensureAll() throws {
        if verifiedAll { return }
        let r = try trustedRoot()
        let heads = try inner.allStateHeads()
        guard StateMap.root(of: heads) == r else { throw Self.tampered("the vault's state index does not match its signed access log") }
        for h in heads {
            guard let a = StateAggregate(key: h.aggregate) else { throw Self.tampered("the state index names an unknown part '\(h.aggregate)'") }
            try ensure(a)
        }
        verifiedAll = true
    }

    /// Checks `a`, then marks it changed: the next signed entry must commit its new digest.
    func touch(_ a: StateAggregate) throws {
        try ensure(a)
        touched.insert(a)
    }

    /// Commits the changed aggregates (and the client the entry names) into the index for the
    /// entry about to be appended at `seq`, returning what the entry states and the new root.
    func commitState(seq: Int64, clientID: String) throws -> (changes: [StateChange], root: [UInt8]) {
        var aggregates = touched
        if !clientID.isEmpty { aggregates.insert(.client(clientID)) }
        var r = try trustedRoot()
        var changes: [StateChange] = []
        for a in aggregates.sorted() {
            let head = try provenHead(a, root: r)
            var tables: [TableDigest] = []
            var digest = head?.digest ?? []
            if touched.contains(a) || head == nil {
                try ensure(a)
                tables = try inner.tableDigests(of: a)
                digest = StateDigest.aggregate(a.key, tables)
            }
            let prevSeq = head?.seq ?? 0
            let prevLeaf = prevSeq > 0 ? (try leafCache[prevSeq] ?? inner.log(seq: prevSeq)?.leafHash ?? []) : []
            changes.append(StateChange(aggregate: a.key, prevSeq: prevSeq, prevLeafHash: prevLeaf, tables: tables))
            try inner.upsertStateHead(StateHeadRow(aggregate: a.key, seq: seq, digest: digest))
            r = try updatePath(bucket: StateMap.bucket(a.key))
        }
        touched = []
        root = r
        return (changes, r)
    }

    private func node(level: Int, index: Int) throws -> [UInt8] {
        let k = StateNodeKey(level: level, index: index)
        if let h = nodeCache[k] { return h }
        let h = try inner.stateNode(level: level, index: index)
        nodeCache[k] = h
        return h
    }

    /// Loads the nodes of `bucket`'s path the cache lacks, in one call (nodes this transaction
    /// wrote stay as written).
    private func prefetchPath(bucket b: Int) throws {
        guard StateMap.pathKeys(of: b).contains(where: { nodeCache[$0] == nil }) else { return }
        for (k, h) in try inner.stateNodes(alongPathOf: b) where nodeCache[k] == nil { nodeCache[k] = h }
    }

    private func setNode(level: Int, index: Int, hash: [UInt8]) throws {
        let k = StateNodeKey(level: level, index: index)
        guard nodeCache[k] != hash else { return }
        try inner.setStateNode(level: level, index: index, hash: hash)
        nodeCache[k] = hash
    }

    private func updatePath(bucket b: Int) throws -> [UInt8] {
        try prefetchPath(bucket: b)
        var h = StateMap.leaf(try inner.stateHeads(bucket: b))
        var idx = b
        try setNode(level: 0, index: idx, hash: h)
        for level in 0..<StateMap.depth {
            let sib = try node(level: level, index: idx ^ 1)
            h = idx & 1 == 0 ? StateMap.node(h, sib) : StateMap.node(sib, h)
            idx >>= 1
            try setNode(level: level + 1, index: idx, hash: h)
        }
        return h
    }

    // MARK: which aggregate a row belongs to

    func keyAggregate(_ keyID: Int64) throws -> StateAggregate {
        guard let k = try inner.dataKey(id: keyID) else { throw Self.tampered("data key \(keyID) is missing") }
        return .owning(clientID: k.clientID)
    }

    func recordAggregate(_ id: String) throws -> StateAggregate? {
        try inner.recordClient(id: id).map { .client($0) }
    }

    /// A record as read, after checking its blobs against the committed content hash.
    func checked(_ r: RecordRow) throws -> RecordRow {
        try ensure(.client(r.clientID))
        guard r.ciphertextLength != nil || RecordRow.contentHash(ciphertext: r.ciphertext, auditCopy: r.auditCopy) == r.contentHash else {
            throw Self.tampered("the stored bytes of record \(r.id) differ from what its signed entry committed")
        }
        return r
    }
}

/// The last signed entry a process verified (its exact bytes and signature) and its root.
final class TrustCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: [UInt8] = []
    private var signature: [UInt8] = []
    private var mapRoot: [UInt8] = []

    func root(for tail: LogRow) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        return !entry.isEmpty && tail.entry == entry && tail.signature == signature ? mapRoot : nil
    }

    func remember(_ tail: LogRow, root: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        entry = tail.entry
        signature = tail.signature
        mapRoot = root
    }
}

extension GuardedTransaction {
    /// Puts a backup's state (``StateStorage/stateRows()``) in place of the live one, keeping
    /// the live log: every aggregate of either copy is marked changed, so the next signed entry
    /// (the `vault.restore` statement) commits the restored state into the index. The live rows
    /// are not checked first — a damaged state is what a restore repairs; the backup's rows were
    /// verified against the backup's own log before this runs.
    func restoreState(_ rows: [String: [StoredRow]]) throws {
        let backupClients = (rows["clients"] ?? []).compactMap { $0.text("id") }
        let liveClients = try inner.clients().map(\.id)
        let aggregates: Set<StateAggregate> = Set([.users, .settings, .exceptions] + (backupClients + liveClients).map { .client($0) })
        try inner.replaceStateRows(with: rows)
        for a in aggregates {
            verified.insert(a)  // replaced wholesale: what is there now is what the entry commits
            touched.insert(a)
        }
    }
}
