import Foundation

/// The narrow storage interface the vault's policy and crypto code is written against.
///
/// Everything it stores is already encrypted or is metadata the design allows in plaintext
/// (opaque ids, user names, times, kinds). A second backend implements these two protocols.
public protocol VaultStore: AnyObject, Sendable {
    /// Runs `body` in a read-only snapshot.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// Runs `body` in one durable write transaction: all of it commits, or none.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// What this backend can do besides storing rows. `backup`, `restore` and `client purge`
    /// ask for what they need before they change anything (``VaultStore/require(_:for:)``).
    var capabilities: StoreCapabilities { get }
    /// Writes a consistent copy of the whole store to `destination` (which must not exist),
    /// while other processes write. Only with ``StoreCapabilities/backup``.
    func backup(to destination: String) throws
    /// Opens a copy ``backup(to:)`` wrote, to verify it or restore from it.
    func openCopy(at location: String) throws -> any VaultStore
    /// Removes a copy that failed its verification (every file it is made of).
    func removeCopy(at location: String)
    /// Rebuilds the storage so rows deleted before leave no trace in it: no free page, no
    /// write-ahead log holding them. Only with ``StoreCapabilities/secureErase``.
    func compact() throws
}

/// What a backend declares it can do beyond reading and writing rows, instead of callers
/// asking which backend it is.
public struct StoreCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// ``VaultStore/backup(to:)`` and ``VaultStore/openCopy(at:)``: a verified copy while others write.
    public static let backup = StoreCapabilities(rawValue: 1 << 0)
    /// `restore`: a copy's state tables replace the live ones in one transaction.
    public static let restore = StoreCapabilities(rawValue: 1 << 1)
    /// ``VaultStore/compact()`` rebuilds the storage without free space.
    public static let compaction = StoreCapabilities(rawValue: 1 << 2)
    /// Deleted content is overwritten and, after ``VaultStore/compact()``, kept by no file or
    /// log the backend owns (SQLite: `secure_delete`, the WAL truncated, `VACUUM`). A database
    /// server cannot promise it: its write-ahead log, WAL archives, replicas and
    /// point-in-time backups keep old row versions.
    public static let secureErase = StoreCapabilities(rawValue: 1 << 3)
    /// Deleting a client's key wraps and ciphertexts commits in one transaction, so a purge
    /// is a crypto-shred: whatever old row versions the storage keeps can no longer be
    /// decrypted by anyone. Every store the vault knows declares it.
    public static let cryptoShred = StoreCapabilities(rawValue: 1 << 4)
}

extension VaultStore {
    /// Refuses (64) when this store lacks any of `needed`: `what` says what was asked.
    package func require(_ needed: StoreCapabilities, for what: String) throws {
        guard capabilities.isSuperset(of: needed) else { throw Self.unsupported(what) }
    }

    /// The refusal of an operation this backend cannot do (64): one line, what to use instead.
    package static func unsupported(_ what: String) -> VaultError {
        VaultError(.usage, "this vault's store cannot \(what); nothing was changed (a PostgreSQL vault is copied with 'confidant migrate --to FILE' and backed up with pg_dump)")
    }

    // What a backend without a capability keeps: each refuses.
    public func backup(to destination: String) throws { throw Self.unsupported("write a backup") }
    public func openCopy(at location: String) throws -> any VaultStore { throw Self.unsupported("open a backup") }
    public func removeCopy(at location: String) {}
    public func compact() throws { throw Self.unsupported("compact its storage") }
}

/// Typed access to stored rows inside one transaction.
public protocol StoreTransaction {
    func meta() throws -> VaultMetaRow?
    func insertMeta(_ row: VaultMetaRow) throws
    func updateMeta(recoveryPublicKey: [UInt8], settingsSigner: String, signature: [UInt8]) throws

    func user(named name: String) throws -> UserRow?
    func users() throws -> [UserRow]
    func insertUser(_ row: UserRow) throws
    func replaceUser(_ row: UserRow) throws
    func insertUserHistory(_ row: UserRow, generation: Int, replacedAt: Int64) throws
    /// Earlier generations of a user's keys, newest first.
    func userHistory(name: String) throws -> [UserRow]
    func wraps(recipient: String) throws -> [KeyWrapRow]
    func wraps(keyID: Int64) throws -> [KeyWrapRow]
    func updateUserSecrets(name: String, salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8]) throws

    func client(id: String) throws -> ClientRow?
    func clients() throws -> [ClientRow]
    func insertClient(_ row: ClientRow) throws
    /// The clients whose row holds this chart hash (none or one in a sound vault).
    func clients(chartHash: [UInt8]) throws -> [ClientRow]

    func careTeam(clientID: String) throws -> [CareTeamRow]
    func careTeams(user: String) throws -> [CareTeamRow]
    func upsertCareTeam(_ row: CareTeamRow) throws
    func deleteCareTeam(clientID: String, user: String) throws

    func insertDataKey(_ row: DataKeyRow) throws -> Int64
    func dataKey(id: Int64) throws -> DataKeyRow?
    func currentDataKey(clientID: String, scope: KeyScope, owner: String) throws -> DataKeyRow?
    func dataKeys(clientID: String) throws -> [DataKeyRow]
    func setDataKeyState(id: Int64, state: String) throws
    func insertWrap(_ row: KeyWrapRow) throws
    func wrap(keyID: Int64, recipient: String) throws -> KeyWrapRow?
    func deleteWraps(clientID: String, recipient: String) throws -> Int

    func insertRecord(_ row: RecordRow) throws
    func updateRecordKey(id: String, keyID: Int64, keyVersion: Int, ciphertext: [UInt8]) throws
    func records(keyIDs: [Int64], limit: Int) throws -> [RecordRow]
    func recordCount(keyID: Int64) throws -> Int
    func deleteRecords(clientID: String) throws -> Int
    func deleteWraps(keyID: Int64) throws
    func deleteClientData(clientID: String) throws

    func insertExportRequest(_ row: ExportRequestRow) throws
    func exportRequest(id: String) throws -> ExportRequestRow?
    func exportRequests() throws -> [ExportRequestRow]
    func fulfilExportRequest(id: String, at: Int64, by: String) throws
    /// Replaces a request's state, due date and closing fields (by id).
    func updateExportRequest(_ row: ExportRequestRow) throws

    func insertRotationJob(_ row: RotationJobRow) throws -> Int64
    func rotationJobs(state: String) throws -> [RotationJobRow]
    func finishRotationJob(id: Int64, at: Int64) throws
    func record(id: String) throws -> RecordRow?
    func records(clientID: String) throws -> [RecordRow]
    /// The client's records without their ciphertexts (empty), for listings and plans.
    func recordSummaries(clientID: String) throws -> [RecordRow]
    func recordCount(clientID: String, subkind: String) throws -> Int

    func appendLog(_ row: LogRow) throws
    func lastLog() throws -> LogRow?
    func logEntries(after seq: Int64, limit: Int) throws -> [LogRow]
    func logEntries(matching filter: LogFilter) throws -> [LogRow]
    func logCount() throws -> Int64
    /// (seq, leaf hash) of entries after `seq`, in order: the tree's leaves without the rest.
    func leafHashes(after seq: Int64, limit: Int) throws -> [(Int64, [UInt8])]

    func insertTreeHead(_ row: TreeHeadRow) throws
    func latestTreeHead() throws -> TreeHeadRow?
    func treeHeads(from size: Int64, limit: Int) throws -> [TreeHeadRow]
    func treeHeadCount(above size: Int64) throws -> Int

    func insertException(_ row: ExceptionRow) throws
    func updateExceptionSignature(code: String, signature: [UInt8]) throws
    func exceptions() throws -> [ExceptionRow]
    func upsertAcknowledgement(_ row: AcknowledgementRow) throws
    func acknowledgements(recordID: String) throws -> [AcknowledgementRow]

    func setting(_ key: String) throws -> String?
    func setSetting(_ key: String, _ value: String) throws
    func settings() throws -> [(String, String)]
}
