import Foundation

/// The store every Session and command uses: each transaction is a ``GuardedTransaction``,
/// and each committed write advances this machine's rollback pin.
public final class GuardedStore: VaultStore, @unchecked Sendable {
    /// The backend; only backup, restore and compaction reach it directly.
    public let inner: any VaultStore
    let pinnedRootKey: [UInt8]?
    let pin: RollbackPin?
    let trust = TrustCache()

    init(inner: any VaultStore, pinnedRootKey: [UInt8]?, pin: RollbackPin?) {
        self.inner = inner
        self.pinnedRootKey = pinnedRootKey
        self.pin = pin
    }

    public var capabilities: StoreCapabilities { inner.capabilities }
    public func backup(to destination: String) throws { try inner.backup(to: destination) }
    public func openCopy(at location: String) throws -> any VaultStore { try inner.openCopy(at: location) }
    public func removeCopy(at location: String) { inner.removeCopy(at: location) }
    public func compact() throws { try inner.compact() }

    private func guarded(_ tx: any StoreTransaction) throws -> GuardedTransaction {
        guard let raw = tx as? any StoreTransaction & StateStorage else {
            throw VaultError.internalError("the store does not keep a state index")
        }
        return GuardedTransaction(inner: raw, pinnedRootKey: pinnedRootKey, trustCache: trust)
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try inner.read { tx in try body(try guarded(tx)) }
    }

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        var tail: (Int64, [UInt8])?
        var signedTail: (row: LogRow, root: [UInt8])?
        let result = try inner.write { tx -> T in
            let g = try guarded(tx)
            let out = try body(g)
            guard g.touched.isEmpty else {
                throw VaultError.internalError("a change to \(g.touched.map(\.key).sorted().joined(separator: ", ")) was not committed by a signed entry")
            }
            tail = g.appended
            signedTail = g.selfSigned
            return out
        }
        if let tail { pin?.advance(size: tail.0, leafHash: tail.1) }
        if let signedTail { trust.remember(signedTail.row, root: signedTail.root) }
        return result
    }

    /// Runs `body` on the raw backend transaction (log verification, the rollback check).
    package func readRaw<T>(_ body: (any StoreTransaction & StateStorage) throws -> T) throws -> T {
        try inner.read { tx in
            guard let raw = tx as? any StoreTransaction & StateStorage else {
                throw VaultError.internalError("the store does not keep a state index")
            }
            return try body(raw)
        }
    }
}
