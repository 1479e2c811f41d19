import Foundation

/// What the authenticated index needs from a backend: the raw digest of an aggregate's rows,
/// the index's own rows, and the log's tail. Used only by ``GuardedTransaction`` and
/// ``LogVerifier``; nothing here is trusted until checked against a signed entry.
package protocol StateStorage {
    /// Every row of the state tables (all but the log, its tree heads and the state index).
    func stateRows() throws -> [String: [StoredRow]]
    /// Replaces the state tables' rows (``stateRows()`` of a backup).
    func replaceStateRows(with rows: [String: [StoredRow]]) throws
    /// One digest per table of the aggregate, over every column of its rows in primary-key
    /// order (a record's ciphertexts enter through their `content_hash`).
    func tableDigests(of aggregate: StateAggregate) throws -> [TableDigest]
    func stateHeads(bucket: Int) throws -> [StateHeadRow]
    func allStateHeads() throws -> [StateHeadRow]
    func upsertStateHead(_ row: StateHeadRow) throws
    /// A stored node of the map (32 zero bytes when absent).
    func stateNode(level: Int, index: Int) throws -> [UInt8]
    func setStateNode(level: Int, index: Int, hash: [UInt8]) throws
    /// Every node on the path of `bucket` to the root and their siblings (32 zero bytes when
    /// absent), in one round trip where the backend has a network between it and the data.
    func stateNodes(alongPathOf bucket: Int) throws -> [StateNodeKey: [UInt8]]
    /// Every aggregate some stored row belongs to, and rows that belong to none (a wrap of no
    /// key, an acknowledgement of no record).
    func storedAggregates() throws -> (aggregates: Set<StateAggregate>, orphans: [String])
    /// How many log rows sit at seq 0 or below (none in an untampered log).
    func logRowsBeforeFirst() throws -> Int
    /// The newest entry that carries a signature.
    func lastSignedLog() throws -> LogRow?
    func log(seq: Int64) throws -> LogRow?
    func rotationJob(id: Int64) throws -> RotationJobRow?
    /// The client a record belongs to, without loading its blobs.
    func recordClient(id: String) throws -> String?
    /// The client a logged entry names for `recordID` (to check a client whose record is gone).
    func loggedClient(ofRecord recordID: String) throws -> String?
    /// Up to `limit` ids of `kind` that start with `prefix`, in order, for prefix resolution
    /// (unchecked: the operation given the full id checks its row as always).
    func ids(of kind: IDKind, startingWith prefix: String, limit: Int) throws -> [String]
    /// Ids of records whose blobs do not hash to their `content_hash` (`log verify`).
    func recordsWithAlteredContent() throws -> [String]
    /// Every stored node of the map, keyed by level and index.
    func allStateNodes() throws -> [StateNodeKey: [UInt8]]
    /// `(type, name, sql)` of every schema object, for schema pinning.
    func schemaObjects() throws -> [SchemaObject]
}

/// One row of `sqlite_master` (or its equivalent).
package struct SchemaObject: Hashable, Sendable {
    package var type: String
    package var name: String
    package var sql: String
}

/// Where a node of the state map sits.
package struct StateNodeKey: Hashable, Sendable {
    package var level: Int
    package var index: Int
    package init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }
}

extension StateStorage {
    /// One lookup per node: right for an embedded database.
    package func stateNodes(alongPathOf bucket: Int) throws -> [StateNodeKey: [UInt8]] {
        var out: [StateNodeKey: [UInt8]] = [:]
        for k in StateMap.pathKeys(of: bucket) { out[k] = try stateNode(level: k.level, index: k.index) }
        return out
    }
}

/// One column value as a backend stores it, in no backend's own types: how the state of a
/// backup travels into the live vault (`restore`), whichever store each is in.
package enum StoredValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// One stored row: its column names and values, in the table's column order.
package struct StoredRow: Sendable, Equatable {
    package var columns: [String]
    package var values: [StoredValue]

    package init(columns: [String], values: [StoredValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value in `column`, or nil when the row has no such column.
    package subscript(column: String) -> StoredValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    /// The text in `column`, or nil when the row has no such column or it holds something else.
    package func text(_ column: String) -> String? {
        guard case .text(let s) = self[column] else { return nil }
        return s
    }
}
