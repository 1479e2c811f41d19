import Foundation

/// Copies every row of a vault from one store to another, as stored: the state tables, the
/// whole log, its tree heads and the authenticated state index (`migrate`). Nothing is
/// decrypted or re-signed; the copy is trusted only once the target opens and its log verifies.
enum StoreCopy {
    /// Log entries read and written per round trip.
    static let batch = 2_000

    /// Copies `source` into the empty `target` in one target transaction (all or nothing),
    /// reading `source` in one snapshot.
    /// - Throws: ``VaultError`` cannot create (73) when the target already holds a vault.
    static func copy(from source: any VaultStore, to target: any VaultStore, progress: (Int64) -> Void = { _ in }) throws {
        try source.read { s in
            guard let src = s as? any StoreTransaction & StateStorage else { throw VaultError.internalError("the source keeps no state index") }
            try target.write { t in
                guard let dst = t as? any StoreTransaction & StateStorage else { throw VaultError.internalError("the target keeps no state index") }
                guard try dst.meta() == nil, try dst.logCount() == 0 else {
                    throw VaultError(.cannotCreate, "the target already holds a vault; migrate writes only into an empty store")
                }
                try dst.replaceStateRows(with: try src.stateRows())
                try copyLog(src, dst, progress: progress)
                try copyTreeHeads(src, dst)
                for h in try src.allStateHeads() { try dst.upsertStateHead(h) }
                for (key, hash) in try src.allStateNodes() { try dst.setStateNode(level: key.level, index: key.index, hash: hash) }
            }
        }
    }

    private static func copyLog(_ src: any StoreTransaction, _ dst: any StoreTransaction, progress: (Int64) -> Void) throws {
        var after: Int64 = 0
        while true {
            let rows = try src.logEntries(after: after, limit: batch)
            for row in rows { try dst.appendLog(row) }
            guard let last = rows.last else { return }
            after = last.seq
            progress(after)
        }
    }

    private static func copyTreeHeads(_ src: any StoreTransaction, _ dst: any StoreTransaction) throws {
        var from: Int64 = 0
        while true {
            let heads = try src.treeHeads(from: from, limit: batch)
            for h in heads { try dst.insertTreeHead(h) }
            guard let last = heads.last else { return }
            from = last.size + 1
        }
    }
}
