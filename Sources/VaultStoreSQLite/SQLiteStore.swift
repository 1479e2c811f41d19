import Foundation
import GRDB
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, through GRDB's `DatabasePool`.
///
/// `synchronous=FULL` makes every commit durable before it returns (the access entry of an open
/// is on disk before plaintext is released); `secure_delete=ON` overwrites deleted content
/// (destroyed key wraps); a busy timeout lets a second process wait its turn. Internal to this
/// target: the rest of the program reaches it as an `any VaultStore` through ``SQLiteVault``.
final class SQLiteStore: VaultStore, @unchecked Sendable {
    let pool: DatabasePool
    let path: String

    /// The files one vault is made of: the database, its write-ahead log and its shared-memory index.
    static let fileSuffixes = ["", "-wal", "-shm"]

    /// Everything: SQLite's online backup, a restore in one transaction, and VACUUM after
    /// `secure_delete` with the WAL truncated, which leaves no deleted page in any file.
    var capabilities: StoreCapabilities { Self.declared }
    static let declared: StoreCapabilities = [.backup, .restore, .compaction, .secureErase, .cryptoShred]

    /// How long a writer waits for another process before giving up with "busy" (exit 75).
    static let busyTimeout: TimeInterval = 10

    private init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
    }

    /// Creates a new, empty vault file (mode 0600). Fails if anything exists at `path`.
    static func create(path: String) throws -> SQLiteStore {
        if FileManager.default.fileExists(atPath: path) {
            throw VaultError(.cannotCreate, "\(path) already exists; choose another --vault path or remove it")
        }
        Glibc.close(try PrivateFile.create(path))
        let store = try openPool(path: path)
        try mapErrors {
            try store.pool.barrierWriteWithoutTransaction { db in
                try db.execute(sql: "PRAGMA application_id = \(Schema.applicationID)")
            }
            try Schema.migrator.migrate(store.pool)
        }
        store.restrictSidecarModes()
        return store
    }

    /// Opens an existing vault file after checking, without writing to it, that it is one.
    /// - Throws: ``VaultError`` not found (66) when absent, bad data (65) when the file is not a
    ///   Confidant vault or is corrupt.
    static func open(path: String) throws -> SQLiteStore {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw VaultError.notFound("no vault at \(path); create one with 'confidant init' or pass --vault PATH")
        }
        try checkHeader(path: path)
        try checkReadOnly(path: path)
        let store = try openPool(path: path)
        store.restrictSidecarModes()
        return store
    }

    /// Checks, through a read-only connection that cannot change the file, that the database
    /// is intact and carries Confidant's schema.
    static func checkReadOnly(path: String) throws {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        try mapErrors {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try queue.read { db in
                // The tables every command reads first; the rest (records, log) are checked as
                // they are read (SQLITE_CORRUPT → 65) and by `log verify`, so opening does not
                // grow with the log. A failed write never reaches the main file (WAL).
                var problems: [String] = []
                for table in ["vault", "users", "data_keys", "settings"] {
                    problems += try String.fetchAll(db, sql: "PRAGMA quick_check(\(table))").filter { $0 != "ok" }
                }
                guard problems.isEmpty else {
                    throw VaultError.badData("\(path) is corrupt (SQLite integrity check failed); restore it from a backup")
                }
                let migrated = try Schema.migrator.hasCompletedMigrations(db)
                guard migrated else {
                    throw VaultError.badData("\(path) has an unknown schema version; it was not made by this version of confidant")
                }
                // Exactly the format's schema: an extra table, view, trigger or index (a trigger
                // would run inside confidant's own transactions) is refused before any use.
                let found = Set(try SQLiteTransaction(db: db).schemaObjects())
                let expected = try Schema.expectedObjects()
                if let extra = found.subtracting(expected).sorted(by: { $0.name < $1.name }).first {
                    throw VaultError.badData("\(path) holds a \(extra.type) '\(extra.name)' that is not part of the vault format; it was added outside confidant — restore from a backup")
                }
                if let missing = expected.subtracting(found).sorted(by: { $0.name < $1.name }).first {
                    throw VaultError.badData("\(path) lacks the \(missing.type) '\(missing.name)' of the vault format (or it was altered); restore from a backup")
                }
            }
        }
    }

    /// Reads the first 100 bytes: SQLite magic and Confidant's application id.
    static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VaultError.notFound("cannot read \(path); check the path and its permissions")
        }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 100)) ?? Data())
        let magic = Array("SQLite format 3\0".utf8)
        guard header.count == 100, Array(header[0..<16]) == magic else {
            throw VaultError.badData("\(path) is not a Confidant vault (not an SQLite database)")
        }
        let appID = Int32(bitPattern: UInt32(header[68]) << 24 | UInt32(header[69]) << 16 | UInt32(header[70]) << 8 | UInt32(header[71]))
        guard appID == Schema.applicationID else {
            throw VaultError.badData("\(path) is an SQLite database but not a Confidant vault")
        }
    }

    private static func openPool(path: String) throws -> SQLiteStore {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            return SQLiteStore(pool: pool, path: path)
        } catch let e as VaultError {
            throw e
        } catch {
            throw mapped(error)
        }
    }

    private func restrictSidecarModes() {
        for suffix in Self.fileSuffixes { _ = chmod(path + suffix, 0o600) }
    }

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try Self.mapErrors { try pool.read { db in try body(SQLiteTransaction(db: db)) } }
    }

    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try Self.mapErrors { try pool.write { db in try body(SQLiteTransaction(db: db)) } }
    }

    /// Copies the whole vault into a new file with SQLite's online backup (consistent while
    /// other processes write).
    func backup(to destinationPath: String) throws {
        let dest = try SQLiteStore.create(pathForBackup: destinationPath)
        do {
            try Self.mapErrors {
                try pool.backup(to: dest.pool)
                try dest.pool.close()
            }
        } catch {
            try? dest.pool.close()
            removeCopy(at: destinationPath)
            throw error
        }
        _ = chmod(destinationPath, 0o600)
    }

    /// Opens a backup file this store wrote, checked as any vault file is when it opens.
    func openCopy(at location: String) throws -> any VaultStore {
        try SQLiteStore.open(path: location)
    }

    func removeCopy(at location: String) {
        SQLiteVault.remove(path: location)
    }

    /// Makes deleted content unrecoverable from the file: checkpoints and truncates the WAL,
    /// then rebuilds the file without free pages (`secure_delete` already zeroed them).
    func compact() throws {
        try Self.mapErrors {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    func close() throws {
        try Self.mapErrors { try pool.close() }
    }

    private static func create(pathForBackup path: String) throws -> SQLiteStore {
        if FileManager.default.fileExists(atPath: path) {
            throw VaultError(.cannotCreate, "\(path) already exists; choose another output path")
        }
        Glibc.close(try PrivateFile.create(path))
        return try openPool(path: path)
    }

    static func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as VaultError { throw e } catch { throw mapped(error) }
    }

    static func mapped(_ error: Error) -> Error {
        guard let db = error as? DatabaseError else { return error }
        switch db.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return VaultError(.busy, "the vault is busy (another confidant process is writing); try again")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return VaultError.badData("the vault file is corrupt or not a vault; restore it from a backup")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return VaultError(.cannotCreate, "cannot open the vault file for writing (\(db.message ?? "permission denied"))")
        case .SQLITE_CONSTRAINT:
            return VaultError.badData("the vault refused an inconsistent change (\(db.message ?? "constraint"))")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return VaultError.internalError("the disk refused the write (\(db.message ?? "I/O error")); nothing was changed")
        default:
            return VaultError.internalError("database error \(db.resultCode.rawValue): \(db.message ?? "")")
        }
    }
}
