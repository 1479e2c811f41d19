import Foundation
import VaultCrypto

/// What happened to an attempt.
public enum Outcome: String, Sendable, Codable {
    case success
    /// Refused by policy: no grant, wrong role, wrong passphrase.
    case denied
    /// The client, record or user asked for does not exist.
    case notFound = "not-found"
    /// The data did not verify or decrypt (tampering or corruption).
    case error
}

/// One access-log entry (SPEC §2): who did what to which record, when, why, and how it ended.
///
/// The entry is stored with its canonical bytes, their RFC 9162 leaf hash
/// (`SHA-256(0x00 ‖ entry)`) and the actor's Ed25519 signature over the bytes, so that the
/// tamper-evident log of the next layer can be built on exactly these bytes. The free-text
/// reason is never stored in plaintext: it is sealed to the vault's audit key.
public struct AccessEntry: Sendable, Equatable {
    public var seq: Int64
    /// Milliseconds since 1970-01-01 UTC.
    public var time: Int64
    public var actor: String
    public var roles: String
    public var action: String
    public var clientID: String
    public var recordID: String
    public var purpose: String
    public var sealedReason: [UInt8]
    public var outcome: Outcome
    /// A short machine code for refusals (e.g. `notPermitted`); never free text.
    public var detail: String
    /// Review flags, sorted and comma-separated (`outside-care-team`, `break-glass`, ...).
    public var flags: String

    /// Canonical bytes, format version 1.
    public func canonicalBytes() -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/access-entry/v1")
        e.append(seq)
        e.append(time)
        e.append(actor)
        e.append(roles)
        e.append(action)
        e.append(clientID)
        e.append(recordID)
        e.append(purpose)
        e.append(sealedReason)
        e.append(outcome.rawValue)
        e.append(detail)
        e.append(flags)
        return e.bytes
    }

    /// Parses canonical bytes (format version 1) back into an entry.
    /// - Throws: ``VaultError`` bad data when the bytes are not a well-formed entry.
    public static func decode(_ bytes: [UInt8]) throws -> AccessEntry {
        var fields: [[UInt8]] = []
        var i = 0
        while i < bytes.count {
            guard i + 4 <= bytes.count else { throw VaultError.badData("malformed access entry") }
            let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            i += 4
            guard n >= 0, i + n <= bytes.count else { throw VaultError.badData("malformed access entry") }
            fields.append(Array(bytes[i..<(i + n)]))
            i += n
        }
        guard fields.count == 13, String(decoding: fields[0], as: UTF8.self) == "confidant/access-entry/v1",
              fields[1].count == 8, fields[2].count == 8,
              let outcome = Outcome(rawValue: String(decoding: fields[10], as: UTF8.self)) else {
            throw VaultError.badData("malformed access entry")
        }
        func int(_ f: [UInt8]) -> Int64 { Int64(bitPattern: f.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        func str(_ f: [UInt8]) -> String { String(decoding: f, as: UTF8.self) }
        let e = AccessEntry(seq: int(fields[1]), time: int(fields[2]), actor: str(fields[3]), roles: str(fields[4]), action: str(fields[5]),
                            clientID: str(fields[6]), recordID: str(fields[7]), purpose: str(fields[8]), sealedReason: fields[9],
                            outcome: outcome, detail: str(fields[11]), flags: str(fields[12]))
        guard e.canonicalBytes() == bytes else { throw VaultError.badData("access entry is not in canonical form") }
        return e
    }

    /// RFC 9162 leaf hash of the canonical bytes.
    public static func leafHash(_ entry: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [[0x00], entry])
    }

    init(row: LogRow) {
        seq = row.seq
        time = row.time
        actor = row.actor
        roles = row.roles
        action = row.action
        clientID = row.clientID
        recordID = row.recordID
        purpose = row.purpose
        sealedReason = row.sealedReason
        outcome = Outcome(rawValue: row.outcome) ?? .error
        detail = row.detail
        flags = row.flags
    }

    init(seq: Int64, time: Int64, actor: String, roles: String, action: String, clientID: String, recordID: String,
         purpose: String, sealedReason: [UInt8], outcome: Outcome, detail: String, flags: String = "") {
        self.seq = seq; self.time = time; self.actor = actor; self.roles = roles; self.action = action
        self.clientID = clientID; self.recordID = recordID; self.purpose = purpose
        self.sealedReason = sealedReason; self.outcome = outcome; self.detail = detail; self.flags = flags
    }
}

/// What a caller states about an access before it happens.
package struct AccessIntent {
    package var action: String
    package var clientID: String = ""
    package var recordID: String = ""
    package var purpose: Purpose?
    package var reason: String?
    package var flags: Set<String> = []
    /// The `detail` recorded on success (e.g. a disclosure's content hash); empty by default.
    package var successDetail: String = ""

    package init(action: String, clientID: String = "", recordID: String = "", purpose: Purpose? = nil, reason: String? = nil,
                 flags: Set<String> = []) {
        self.action = action; self.clientID = clientID; self.recordID = recordID
        self.purpose = purpose; self.reason = reason; self.flags = flags
    }
}

/// Appends entries inside the caller's transaction.
package enum AccessLogWriter {
    /// Appends one entry, sealed reason and signature included.
    /// - Parameters:
    ///   - signer: the actor's signing key, or nil when the actor could not be authenticated
    ///     (wrong passphrase, unknown user): such entries are unsigned and say so.
    @discardableResult
    package static func append(_ tx: any StoreTransaction, meta: VaultMetaRow, auditPublicKey: [UInt8], time: Date,
                       actor: String, roles: String, intent: AccessIntent, outcome: Outcome, detail: String,
                       signer: Ed25519KeyPair?) throws -> AccessEntry {
        let head = try tx.latestTreeHead()
        let seq = (try tx.lastLog()?.seq ?? 0) + 1
        var frontier = try head.map { try MerkleFrontier(size: Int($0.size), encoded: $0.frontier) } ?? MerkleFrontier()
        guard Int64(frontier.size) == seq - 1 else {
            throw VaultError.badData("the access log and its tree head disagree (\(frontier.size) vs \(seq - 1) entries); run 'confidant log verify'")
        }
        var sealed: [UInt8] = []
        if let reason = intent.reason, !reason.isEmpty {
            sealed = try SealedBox.seal(Array(reason.utf8), to: auditPublicKey)
        }
        let entry = AccessEntry(seq: seq, time: Int64((time.timeIntervalSince1970 * 1000).rounded()), actor: actor, roles: roles,
                                action: intent.action, clientID: intent.clientID, recordID: intent.recordID,
                                purpose: intent.purpose?.rawValue ?? "", sealedReason: sealed, outcome: outcome, detail: detail,
                                flags: intent.flags.sorted().joined(separator: ","))
        let bytes = entry.canonicalBytes()
        let leaf = AccessEntry.leafHash(bytes)
        frontier.append(leafHash: leaf)
        try tx.insertTreeHead(TreeHeadRow(size: seq, root: frontier.root, frontier: frontier.encoded(), time: entry.time))
        try tx.appendLog(LogRow(seq: seq, time: entry.time, actor: actor, roles: roles, action: entry.action,
                                clientID: entry.clientID, recordID: entry.recordID, purpose: entry.purpose,
                                sealedReason: sealed, outcome: outcome.rawValue, detail: detail, flags: entry.flags, entry: bytes,
                                leafHash: leaf, signer: signer == nil ? "" : actor,
                                signature: signer?.sign(bytes) ?? []))
        return entry
    }
}
