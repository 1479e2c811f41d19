import Foundation
import VaultCrypto

/// What a purge destroyed.
public struct PurgeReport: Sendable, Codable, Equatable {
    public var client: String
    public var recordsDestroyed: Int
    public var keyVersionsDestroyed: Int
    public var beforeRetention: Bool
    public var approvedBy: String
    /// Whether the store also erased the deleted rows from its storage (SQLite: the file is
    /// rebuilt and its WAL truncated). False on a store that can only crypto-shred (PostgreSQL:
    /// its WAL, archives, replicas and backups keep old row versions, whose keys are gone).
    public var storageErased: Bool = false
}

extension Session {
    /// Crypto-shreds a client after its retention period: every wrapped copy of its keys and
    /// every ciphertext is deleted, the client is marked purged, and the log keeps a tombstone
    /// (the log still verifies). A store with ``StoreCapabilities/secureErase`` then erases
    /// what was deleted (``VaultStore/compact()``; SQLite: `secure_delete`, the WAL truncated and
    /// the file rebuilt); one that can only crypto-shred says so in the report. A store that
    /// cannot even crypto-shred is refused (64) before anything is deleted. Admin, approved by
    /// a compliance officer (`approver`). Before the retention period (default 7 years after
    /// the last record) only with `force`, which is flagged.
    public func purge(clientID: String, approver: Session, force: Bool = false) throws(VaultError) -> PurgeReport {
        try VaultError.typed {
            let report = try perform(AccessIntent(action: "client.purge", clientID: clientID, purpose: .operations)) { tx, intent in
                try require(.admin, "purging a client")
                try vault.backend.require(.cryptoShred, for: "destroy a client's keys and records in one transaction (purge)")
                guard approver.roles.contains(.compliance), approver.user != user else {
                    throw VaultError.notPermitted("a purge must be approved by a compliance officer other than yourself (--approved-by)")
                }
                _ = try existingClient(tx, clientID)
                let records = try tx.records(clientID: clientID)
                let last = records.map(\.createdAt).max() ?? 0
                let years = Int(try tx.setting(SettingKey.retentionYears.rawValue) ?? SettingKey.retentionYears.defaultValue) ?? 7
                let until = RetentionPolicy.retainedUntil(lastRecord: last, years: years)
                let early = vault.now() < until
                if early && !force {
                    throw VaultError.notPermitted("client \(clientID)'s records must be kept until \(CalendarDate.string(from: until)) (\(years) years after the last record); --force-before-retention needs the same approval and is flagged")
                }
                let keys = try tx.dataKeys(clientID: clientID).filter { $0.state != "destroyed" }
                let n = try tx.deleteRecords(clientID: clientID)
                try tx.deleteClientData(clientID: clientID)
                intent.value.flags.insert("purge")
                if early { intent.value.flags.insert("purge-before-retention") }
                intent.value.successDetail = "records:\(n),keys:\(keys.count)"
                try approver.append(tx, AccessIntent(action: "client.purge.approve", clientID: clientID, purpose: .operations,
                                                     flags: early ? ["purge-before-retention"] : []), .success, "")
                return PurgeReport(client: clientID, recordsDestroyed: n, keyVersionsDestroyed: keys.count, beforeRetention: early, approvedBy: approver.user)
            }
            guard vault.backend.capabilities.contains(.secureErase) else { return report }
            try vault.backend.compact()
            var erased = report
            erased.storageErased = true
            return erased
        }
    }
}
