import Foundation
import VaultCrypto

/// What a backup or restore checked.
public struct BackupReport: Sendable, Codable, Equatable {
    public var file: String
    public var vaultID: String
    public var logEntries: Int
    public var logRoot: String
    public var clients: Int
    public var records: Int
}

extension Vault {
    /// Opens a backup (a store's ``VaultStore/openCopy(at:)``) and checks it: its settings
    /// signature, every user's certificate and the whole access log (as `log verify` does).
    /// Changes nothing in it.
    public static func verifyBackup(store: any VaultStore, name: String) throws -> (Vault, LogVerification, Int, Int) {
        let copy = try Vault.open(store: store, name: name, asCopy: true)
        try copy.store.read { tx in try Session.verifyAllCertificates(tx, meta: copy.meta) }
        let verification = try LogVerifier.verify(copy.store, meta: copy.meta, checkpoint: nil)
        let (clients, records) = try copy.store.read { tx in
            let cs = try tx.clients().filter { $0.status == "active" }
            return (cs.count, try cs.reduce(0) { $0 + (try tx.records(clientID: $1.id).count) })
        }
        return (copy, verification, clients, records)
    }
}

extension Session {
    /// Writes a consistent copy of the vault through its store's backup (SQLite's online backup,
    /// never a file copy of a live WAL database), then opens the copy and verifies its log
    /// before reporting success. The copy is exactly as encrypted as the vault. Admin only; a
    /// store without ``StoreCapabilities/backup`` is refused (64).
    public func backup(to path: String) throws(VaultError) -> BackupReport {
        let intent = AccessIntent(action: "vault.backup", purpose: .operations)
        guard roles.contains(.admin) else {
            try perform(intent) { _, _ in try require(.admin, "taking a backup") }
            throw VaultError.notPermitted("taking a backup needs the admin role")
        }
        let store = vault.backend
        // The entry is written only once the copy exists and verified; a failed backup leaves a
        // refusal entry instead.
        do {
            try store.require(.backup, for: "write a backup")
            try store.backup(to: path)
            let report: BackupReport
            do {
                let (copy, v, clients, records) = try Vault.verifyBackup(store: try store.openCopy(at: path), name: path)
                guard copy.meta.vaultID == meta.vaultID else { throw VaultError.internalError("the backup is of another vault") }
                report = BackupReport(file: path, vaultID: Encoding.hex(meta.vaultID), logEntries: v.size, logRoot: v.root, clients: clients, records: records)
            } catch {
                store.removeCopy(at: path)
                throw VaultError.badData("the backup written to \(path) did not verify (\(error)); it was removed")
            }
            _ = try vault.store.write { tx in try append(tx, intent, .success, "entries:\(report.logEntries)") }
            return report
        } catch {
            throw logRefusal(intent, error)
        }
    }

    /// A backup must be an earlier point of this vault's own log: the same root key, and its
    /// newest entry is the live log's entry at that seq (entries chain their predecessor's leaf
    /// hash, so that one match covers the whole prefix). A copy someone changed offline and
    /// handed in as "the backup" has branched off and is refused (65).
    private func requireEarlierPoint(of copy: Vault, size: Int64, path: String) throws {
        guard copy.meta.rootSigningKey == meta.rootSigningKey else {
            throw VaultError.badData("\(path) has another root key than this vault; nothing was restored")
        }
        let theirs = try (copy.store as? GuardedStore)?.readRaw { try $0.lastLog() }
        let ours = try (vault.store as? GuardedStore)?.readRaw { try $0.log(seq: size) }
        guard let theirs, let ours, theirs.seq == size, theirs.leafHash == ours.leafHash else {
            throw VaultError.badData("\(path) is not an earlier point of this vault's log (it branched off at or before entry \(size)); nothing was restored")
        }
    }

    /// Puts a verified backup of this same vault back in place of the live vault: an admin,
    /// approved by a compliance officer (`approver`, another user, in the same transaction with
    /// its own signed `vault.restore.approve` entry).
    public func restore(from path: String, approver: Session) throws(VaultError) -> BackupReport {
        try VaultError.typed {
            do { try vault.backend.require([.backup, .restore], for: "restore a backup") } catch {
                throw logRefusal(AccessIntent(action: "vault.restore", purpose: .operations), error)
            }
            let checked: (Vault, LogVerification, Int, Int)
            do {
                checked = try Vault.verifyBackup(store: try vault.backend.openCopy(at: path), name: path)
            } catch let e as VaultError {
                try perform(AccessIntent(action: "vault.restore", purpose: .operations)) { _, _ in
                    throw VaultError(e.kind, "the backup \(path) does not verify: \(e.message); nothing was restored")
                }
                throw e
            }
            let (copy, v, clients, records) = checked
            try perform(AccessIntent(action: "vault.restore.check", purpose: .operations)) { _, _ in
                try require(.admin, "restoring a backup")
                guard approver.roles.contains(.compliance), approver.user != user else {
                    throw VaultError.notPermitted("a restore is approved by a compliance officer other than yourself; '\(approver.user)' is not one")
                }
                guard copy.meta.vaultID == meta.vaultID else {
                    throw VaultError.notPermitted("\(path) is a backup of another vault (\(Encoding.hex(copy.meta.vaultID))); nothing was restored")
                }
                try requireEarlierPoint(of: copy, size: Int64(v.size), path: path)
            }
            // The backup's state goes back; the live log stays, and the signed `vault.restore`
            // statement names the backup's size and root and commits the restored state. Entries
            // after the backup remain as history (the accounting still lists what was disclosed).
            guard let source = copy.store as? GuardedStore else { throw VaultError.internalError("restore needs the guarded store") }
            let rows = try source.readRaw { try $0.stateRows() }
            let intent = AccessIntent(action: "vault.restore", purpose: .operations)
            try perform(intent) { tx, intent in
                try require(.admin, "restoring a backup")
                guard let g = tx as? GuardedTransaction else { throw VaultError.internalError("restore needs the guarded store") }
                try g.restoreState(rows)
                intent.value.successDetail = "backup:\(v.size):\(v.root)"
                try approver.append(tx, AccessIntent(action: "vault.restore.approve", purpose: .operations), .success, "backup:\(v.size):\(v.root)")
            }
            return BackupReport(file: path, vaultID: Encoding.hex(meta.vaultID), logEntries: v.size, logRoot: v.root, clients: clients, records: records)
        }
    }
}
