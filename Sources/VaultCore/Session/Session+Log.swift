import Foundation
import VaultCrypto

/// One access-log entry as compliance sees it.
public struct LogEntryView: Sendable, Codable, Equatable {
    public var seq: Int64
    public var time: String
    public var actor: String
    public var roles: String
    public var action: String
    public var client: String
    public var record: String
    public var purpose: String
    public var outcome: String
    public var detail: String
    public var flags: [String]
    /// The free-text reason, decrypted when this user holds the audit key; nil when none was given.
    public var reason: String?
    public var signed: Bool
    /// Milliseconds since 1970, for sorting and filtering.
    public var timeMillis: Int64
    /// The kind of the record the signed entry names, and its HL7 Confidentiality code; nil
    /// when it names none.
    public var recordKind: String? = nil
    public var confidentiality: String? = nil
}

/// How `log show` orders its rows.
public enum LogSort: String, Sendable, CaseIterable {
    case seq, time, actor, client, action, purpose, outcome
}

extension Session {
    /// Recomputes the whole tree and checks every entry (see ``LogVerifier``). Compliance or admin.
    /// - Parameter checkpointText: a checkpoint file's text to prove the log extends.
    /// - Throws: ``VaultError`` bad data (65) naming the first bad entry.
    public func verifyLog(checkpointText: String? = nil) throws(VaultError) -> LogVerification {
        let intent = AccessIntent(action: "log.verify", purpose: .operations)
        guard roles.contains(.compliance) || roles.contains(.admin) else {
            try perform(intent) { _, _ in try requireAny([.compliance, .admin], "verifying the access log") }
            throw VaultError.notPermitted("verifying the access log needs the compliance or admin role")
        }
        // Verify first, then record the verification: a damaged log must still be reported even
        // when no new entry can be appended to it.
        do {
            let result = try verifyLogUnrecorded(checkpointText: checkpointText)
            _ = try? vault.store.write { tx in try append(tx, intent, .success, "") }
            return result
        } catch {
            throw logRefusal(intent, error)
        }
    }

    func verifyLogUnrecorded(checkpointText: String?) throws -> LogVerification {
        guard let logKey = try vault.store.read({ try $0.dataKey(id: meta.logKeyID) }) else {
            throw VaultError.badData("the vault's log key is missing; the vault file was tampered with")
        }
        try vault.store.read { tx in try Self.verifyAllCertificates(tx, meta: meta) }
        let checkpoint = try checkpointText.map { try Checkpoint.parse($0, publicKey: logKey.publicKey, vaultID: meta.vaultID) }
        var result = try LogVerifier.verify(vault.store, meta: meta, checkpoint: checkpoint)
        result.lostInRestore = try vault.store.read { tx in try lostInRestore(tx) }
        return result
    }

    /// Record ids created by successful entries before the newest `vault.restore` that the
    /// restored state does not hold.
    func lostInRestore(_ tx: any StoreTransaction) throws -> [String] {
        guard let restoredAt = try lastRestore(tx) else { return [] }
        let creating: Set<String> = ["note.add", "disclosure.add", "agreement.add", "authorization.add", "authorization.revoke",
                                     "disclosure.suspend", "note.amend", "amendment.disagree", "amendment.rebut", "representative.add"]
        var lost: [String] = []
        for action in creating.sorted() {
            for e in try tx.logEntries(matching: LogFilter(action: action, outcome: Outcome.success.rawValue))
            where e.seq < restoredAt && !e.recordID.isEmpty {
                if try tx.record(id: e.recordID) == nil { lost.append(e.recordID) }
            }
        }
        return lost.sorted()
    }

    /// Signs the current tree head with the vault's log key; returns the checkpoint file text.
    public func checkpoint() throws(VaultError) -> (text: String, size: Int, root: String) {
        try perform(AccessIntent(action: "log.checkpoint", purpose: .operations)) { tx, _ in
            try requireAny([.compliance, .admin], "writing a log checkpoint")
            guard let key = try tx.dataKey(id: meta.logKeyID) else { throw VaultError.badData("the vault's log key is missing") }
            let seed = try unwrap(tx, key)
            let pair = try Ed25519KeyPair(seed: seed)
            guard pair.publicKey == key.publicKey else { throw VaultError.badData("the wrapped log key does not match its public key") }
            // The checkpoint covers every entry before its own.
            let head = try tx.latestTreeHead()
            let size = Int(head?.size ?? 0)
            let root = head?.root ?? MerkleTree.emptyRoot
            let c = Checkpoint.sign(vaultID: meta.vaultID, size: size, root: root, time: vault.now(), key: pair)
            return (c.text(publicKey: key.publicKey), size, Encoding.base64(root))
        }
    }

    /// Inclusion proof of entry `seq` in the tree of the first `treeSize` entries (RFC 9162 PATH).
    public func inclusionProof(seq: Int64, treeSize: Int) throws(VaultError) -> (leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) {
        try VaultError.typed {
            let leaves = try vault.store.read { tx -> [[UInt8]] in
                var out: [[UInt8]] = []
                var after: Int64 = 0
                while out.count < treeSize {
                    let rows = try tx.logEntries(after: after, limit: min(8192, treeSize - out.count))
                    if rows.isEmpty { break }
                    out += rows.map(\.leafHash)
                    after = rows.last?.seq ?? after
                }
                return out
            }
            guard leaves.count == treeSize, seq >= 1, Int(seq) <= treeSize else {
                throw VaultError.notFound("no entry \(seq) in a log of \(leaves.count) entries")
            }
            let index = Int(seq) - 1
            return (leaves[index], MerkleTree.inclusionProof(index: index, leaves: leaves[...]), MerkleTree.root(leaves))
        }
    }

    /// Lists log entries matching `filter`, sorted. Compliance only; reasons are decrypted when
    /// this user holds the audit key.
    public func showLog(filter: LogFilter, sort: LogSort = .seq, descending: Bool = false) throws(VaultError) -> [LogEntryView] {
        try perform(AccessIntent(action: "log.show", clientID: "", purpose: .operations)) { tx, _ in
            try require(.compliance, "reading the access log")
            let rows = try tx.logEntries(matching: filter)
            let audit = try auditKeyPair(tx)
            var views = rows.map { view($0, audit: audit) }
            views.sort { a, b in
                let less: Bool = switch sort {
                case .seq: a.seq < b.seq
                case .time: (a.timeMillis, a.seq) < (b.timeMillis, b.seq)
                case .actor: (a.actor, a.seq) < (b.actor, b.seq)
                case .client: (a.client, a.seq) < (b.client, b.seq)
                case .action: (a.action, a.seq) < (b.action, b.seq)
                case .purpose: (a.purpose, a.seq) < (b.purpose, b.seq)
                case .outcome: (a.outcome, a.seq) < (b.outcome, b.seq)
                }
                return descending ? !less : less
            }
            return views
        }
    }

    func auditKeyPair(_ tx: any StoreTransaction) throws -> X25519KeyPair? {
        guard let key = try tx.dataKey(id: meta.auditKeyID), let secret = try? unwrap(tx, key) else { return nil }
        return try X25519KeyPair(secretKey: secret)
    }

    func view(_ r: LogRow, audit: X25519KeyPair?) -> LogEntryView {
        var reason: String?
        if !r.sealedReason.isEmpty {
            if let audit, let plain = try? SealedBox.open(r.sealedReason, keyPair: audit) {
                reason = String(decoding: plain, as: UTF8.self)
            } else {
                reason = "(sealed)"
            }
        }
        let signed = AccessEntry(row: r)
        return LogEntryView(seq: r.seq, time: Timestamp.iso(r.time), actor: r.actor, roles: r.roles, action: r.action,
                            client: r.clientID, record: r.recordID, purpose: r.purpose, outcome: r.outcome, detail: r.detail,
                            flags: r.flags.split(separator: ",").map(String.init), reason: reason, signed: !r.signature.isEmpty,
                            timeMillis: r.time, recordKind: signed.recordKind.isEmpty ? nil : signed.recordKind,
                            confidentiality: signed.confidentiality.isEmpty ? nil : signed.confidentiality)
    }
}
