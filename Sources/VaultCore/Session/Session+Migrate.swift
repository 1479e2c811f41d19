import Foundation
import VaultCrypto

/// What `migrate` copied and checked.
public struct MigrationReport: Sendable, Codable, Equatable {
    public var from: String
    public var to: String
    public var vaultID: String
    /// Entries copied (the target then appends its own `vault.migrate` entry).
    public var logEntries: Int
    public var logRoot: String
    public var clients: Int
    public var records: Int
}

extension Session {
    /// Copies this vault, row for row, into an empty store (SQLite → PostgreSQL or back), then
    /// opens the copy with every check `open` makes, verifies its whole log and state (as
    /// `log verify` does), checks that it is this vault's log up to the same entry, and signs a
    /// `vault.migrate` entry in the copy. Admin only; nothing is decrypted or re-encrypted.
    /// - Parameters:
    ///   - makeTarget: creates the empty target store (refused 73 when it holds anything).
    ///   - discard: undoes what `makeTarget` made when the copy fails.
    ///   - passphrase: this user's, to sign the entry in the copy.
    public func migrate(to makeTarget: () throws -> any VaultStore, named name: String, discard: () -> Void,
                        passphrase: SecretBytes, progress: (Int64) -> Void = { _ in }) throws(VaultError) -> MigrationReport {
        let intent = AccessIntent(action: "vault.migrate", purpose: .operations)
        guard roles.contains(.admin) else {
            try perform(intent) { _, _ in try require(.admin, "migrating the vault") }
            throw VaultError.notPermitted("migrating the vault needs the admin role")
        }
        do {
            let target = try makeTarget()
            let (copy, v): (Vault, LogVerification)
            do {
                try StoreCopy.copy(from: vault.backend, to: target, progress: progress)
                (copy, v) = try checkCopy(target, name: name)
            } catch {
                discard()
                throw error
            }
            let (clients, records) = try copy.store.read { tx in
                let cs = try tx.clients().filter { $0.status == "active" }
                return (cs.count, try cs.reduce(0) { $0 + (try tx.records(clientID: $1.id).count) })
            }
            let signer = try copy.unlock(user: user, passphrase: passphrase)
            _ = try copy.store.write { tx in
                try signer.append(tx, intent, .success, "from:\(vault.storeKind):entries:\(v.size):root:\(v.root)")
            }
            return MigrationReport(from: vault.storeKind, to: copy.storeKind, vaultID: Encoding.hex(meta.vaultID), logEntries: v.size,
                                   logRoot: v.root, clients: clients, records: records)
        } catch {
            throw logRefusal(intent, error)
        }
    }

    /// Opens the copy as any vault is opened and verifies it; its newest entry must be this
    /// vault's entry at the same seq (each entry chains its predecessor's leaf hash, so one match
    /// covers the whole prefix).
    private func checkCopy(_ target: any VaultStore, name: String) throws -> (Vault, LogVerification) {
        let copy = try Vault.open(store: target, name: name, checkClock: false, now: vault.now)
        try copy.store.read { tx in try Session.verifyAllCertificates(tx, meta: copy.meta) }
        let v = try LogVerifier.verify(copy.store, meta: copy.meta, checkpoint: nil)
        let theirs = try (copy.store as? GuardedStore)?.readRaw { try $0.lastLog() }
        let ours = try (vault.store as? GuardedStore)?.readRaw { try $0.log(seq: Int64(v.size)) }
        guard let theirs, let ours, theirs.seq == Int64(v.size), theirs.leafHash == ours.leafHash,
              copy.meta.vaultID == meta.vaultID, copy.meta.rootSigningKey == meta.rootSigningKey else {
            throw VaultError.badData("the copy in \(name) is not this vault's log up to the same entry")
        }
        return (copy, v)
    }
}

extension Vault {
    /// The kind of store this vault lives in, for messages and the `vault.migrate` entry.
    public var storeKind: String { String(describing: type(of: backend)).contains("Postgres") ? "postgresql" : "sqlite" }
}
