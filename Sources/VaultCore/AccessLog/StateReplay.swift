import Foundation
import VaultCrypto

/// `log verify`'s replay of the state statements: what every aggregate must hold after the
/// whole log, compared with the index and with the stored rows.
struct StateReplay {
    struct Head {
        var seq: Int64
        var digest: [UInt8]
        var tables: [TableDigest]
        /// The entry whose tables these are (the last that changed the aggregate).
        var changedAt: Int64
    }

    private(set) var heads: [String: Head] = [:]
    private(set) var lastRoot: [UInt8] = StateMap.zero
    private var lastSeq: Int64 = 0

    /// Applies one signed entry: each link must name the previous entry about its aggregate.
    mutating func apply(_ e: AccessEntry, leaves: [[UInt8]]) throws {
        if !e.clientID.isEmpty, !e.state.contains(where: { $0.aggregate == StateAggregate.client(e.clientID).key }) {
            throw VaultError.badData("entry \(e.seq) names client \(e.clientID) but does not link to its previous entry")
        }
        let changed = e.state.filter { !$0.tables.isEmpty }.map {
            (aggregate: $0.aggregate, rows: $0.tables.reduce(0) { $0 + $1.rows }, isNew: heads[$0.aggregate] == nil)
        }
        if let why = ActionRolePolicy.changeRefusal(action: e.action, outcome: e.outcome.rawValue, changed: changed) {
            throw VaultError.badData("entry \(e.seq) by '\(e.actor)': \(why) — a state change its action cannot make")
        }
        for c in e.state {
            guard StateAggregate(key: c.aggregate) != nil else {
                throw VaultError.badData("entry \(e.seq) states a change of an unknown part '\(c.aggregate)'")
            }
            let prior = heads[c.aggregate]
            let priorLeaf = prior.map { leaves[Int($0.seq) - 1] } ?? []
            guard c.prevSeq == (prior?.seq ?? 0), c.prevLeafHash == priorLeaf else {
                throw VaultError.badData("entry \(e.seq): its link for \(c.aggregate) skips the previous entry about it (entry \(prior?.seq ?? 0))")
            }
            if c.tables.isEmpty {
                guard let prior else { throw VaultError.badData("entry \(e.seq) names \(c.aggregate) before any entry made it") }
                heads[c.aggregate] = Head(seq: e.seq, digest: prior.digest, tables: prior.tables, changedAt: prior.changedAt)
            } else {
                heads[c.aggregate] = Head(seq: e.seq, digest: StateDigest.aggregate(c.aggregate, c.tables), tables: c.tables, changedAt: e.seq)
            }
        }
        lastRoot = e.mapRoot
        lastSeq = e.seq
    }

    var headRows: [StateHeadRow] { heads.map { StateHeadRow(aggregate: $0.key, seq: $0.value.seq, digest: $0.value.digest) } }

    /// Checks that the index and every stored row are exactly what the log made.
    /// - Returns: how many aggregates were checked.
    func checkProjection(_ tx: any StoreTransaction & StateStorage) throws -> Int {
        let expected = headRows
        guard StateMap.root(of: expected) == lastRoot else {
            throw VaultError.badData("entry \(lastSeq): the state root it signed does not match the state its log made")
        }
        let stored = Dictionary(try tx.allStateHeads().map { ($0.aggregate, $0) }, uniquingKeysWith: { a, _ in a })
        for h in expected.sorted(by: { $0.aggregate < $1.aggregate }) where stored[h.aggregate] != h {
            throw VaultError.badData("the state index entry for \(h.aggregate) is not what entry \(h.seq) made (changed or removed)")
        }
        if let extra = stored.keys.sorted().first(where: { heads[$0] == nil }) {
            throw VaultError.badData("the state index holds \(extra), which no signed entry made")
        }
        guard try tx.allStateNodes() == StateMap.nodes(of: expected) else {
            throw VaultError.badData("the state index's stored nodes differ from the ones its entries imply")
        }
        for (key, head) in heads.sorted(by: { $0.key < $1.key }) {
            guard let a = StateAggregate(key: key) else { continue }
            let actual = try tx.tableDigests(of: a)
            for (have, want) in zip(actual, head.tables) where have != want {
                throw VaultError.badData("\(a.label): table \(have.table) holds \(have.rows) row(s) that differ from the \(want.rows) entry \(head.changedAt) committed (rows changed, added, removed or rolled back)")
            }
            guard actual.count == head.tables.count else { throw VaultError.badData("\(a.label): its tables differ from what entry \(head.changedAt) committed") }
        }
        let (present, orphans) = try tx.storedAggregates()
        if let orphan = orphans.first { throw VaultError.badData("the vault holds \(orphan) (rows no signed entry made)") }
        for a in present.sorted() where heads[a.key] == nil {
            if let t = try tx.tableDigests(of: a).first(where: { $0.rows > 0 }) {
                throw VaultError.badData("\(a.label) has \(t.rows) row(s) in table \(t.table) that no signed entry made")
            }
        }
        if let bad = try tx.recordsWithAlteredContent().first {
            throw VaultError.badData("record \(bad): its stored bytes differ from what its signed entry committed")
        }
        return heads.count
    }
}
