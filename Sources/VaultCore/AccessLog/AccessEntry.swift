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

/// One access-log entry : who did what to which record, when, why, and how it ended.
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
    /// The previous entry's leaf hash (empty for the first): the log is also a hash chain.
    public var prevHash: [UInt8] = []
    /// What this entry states about the vault's state: for each aggregate it changed or names,
    /// the link to the previous entry about it and, when changed, its new table digests.
    public var state: [StateChange] = []
    /// The root of the authenticated index after this entry.
    public var mapRoot: [UInt8] = []
    /// The kind of the record the entry names (`progress`, `psychotherapy`, `agreement`, ...),
    /// empty when it names none (format 3; empty in format-2 entries).
    public var recordKind: String = ""
    /// The HL7 v3 Confidentiality code of that record (`R`, or `V` for a psychotherapy note),
    /// decided by the kind alone: a label that reveals a diagnosis (SUD, ETH) is never here.
    public var confidentiality: String = ""

    static let label = "confidant/access-entry/v3"
    /// The label of entries written before record kinds were signed; still read and verified.
    static let labelV2 = "confidant/access-entry/v2"

    /// Canonical bytes, format version 3 (version 2's fields, then record kind and
    /// confidentiality); an entry decoded from version 2 bytes re-encodes as version 2.
    public func canonicalBytes() -> [UInt8] {
        var e = CanonicalEncoder(label: version == 2 ? Self.labelV2 : Self.label)
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
        e.append(prevHash)
        e.append(Self.encode(state))
        e.append(mapRoot)
        if version != 2 {
            e.append(recordKind)
            e.append(confidentiality)
        }
        return e.bytes
    }

    /// The format the entry's bytes have: 3, or 2 for an entry written before version 3.
    public var version: Int = 3

    static func encode(_ state: [StateChange]) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/entry-state/v1")
        e.append(Int64(state.count))
        for c in state {
            e.append(c.aggregate)
            e.append(c.prevSeq)
            e.append(c.prevLeafHash)
            e.append(Int64(c.tables.count))
            for t in c.tables {
                e.append(t.table)
                e.append(Int64(t.rows))
                e.append(t.digest)
            }
        }
        return e.bytes
    }

    static func decodeState(_ bytes: [UInt8]) throws -> [StateChange] {
        var d = try CanonicalDecoder(bytes, label: "confidant/entry-state/v1")
        var out: [StateChange] = []
        for _ in 0..<(try d.count()) {
            var c = StateChange(aggregate: try d.string(), prevSeq: try d.int(), prevLeafHash: try d.field(), tables: [])
            for _ in 0..<(try d.count()) {
                c.tables.append(TableDigest(table: try d.string(), rows: Int(try d.int()), digest: try d.field()))
            }
            out.append(c)
        }
        guard d.atEnd else { throw VaultError.badData("malformed access entry") }
        return out
    }

    /// Parses canonical bytes (format version 3, or 2) back into an entry.
    /// - Throws: ``VaultError`` bad data when the bytes are not a well-formed entry.
    public static func decode(_ bytes: [UInt8]) throws -> AccessEntry {
        let v2 = (try? CanonicalDecoder(bytes, label: labelV2)) != nil
        var d = try CanonicalDecoder(bytes, label: v2 ? labelV2 : label)
        var e = AccessEntry(seq: try d.int(), time: try d.int(), actor: try d.string(), roles: try d.string(), action: try d.string(),
                            clientID: try d.string(), recordID: try d.string(), purpose: try d.string(), sealedReason: try d.field(),
                            outcome: .error, detail: "")
        guard let outcome = Outcome(rawValue: try d.string()) else { throw VaultError.badData("malformed access entry") }
        e.outcome = outcome
        e.detail = try d.string()
        e.flags = try d.string()
        e.prevHash = try d.field()
        e.state = try decodeState(try d.field())
        e.mapRoot = try d.field()
        if v2 {
            e.version = 2
        } else {
            e.recordKind = try d.string()
            e.confidentiality = try d.string()
        }
        guard d.atEnd, e.canonicalBytes() == bytes else { throw VaultError.badData("access entry is not in canonical form") }
        return e
    }

    /// Whether the queryable columns of `row` say exactly what these signed bytes say.
    func matchesColumns(of row: LogRow) -> Bool {
        seq == row.seq && time == row.time && actor == row.actor && roles == row.roles && action == row.action
            && clientID == row.clientID && recordID == row.recordID && purpose == row.purpose && sealedReason == row.sealedReason
            && outcome.rawValue == row.outcome && detail == row.detail && flags == row.flags
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
        if let signed = try? AccessEntry.decode(row.entry) {
            prevHash = signed.prevHash
            state = signed.state
            mapRoot = signed.mapRoot
            recordKind = signed.recordKind
            confidentiality = signed.confidentiality
            version = signed.version
        }
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
        guard let g = tx as? GuardedTransaction else { throw VaultError.internalError("an entry was appended outside a guarded transaction") }
        let head = try tx.latestTreeHead()
        let prev = try tx.lastLog()
        let seq = (prev?.seq ?? 0) + 1
        var frontier = try head.map { try MerkleFrontier(size: Int($0.size), encoded: $0.frontier) } ?? MerkleFrontier()
        guard Int64(frontier.size) == seq - 1 else {
            throw VaultError.badData("the access log and its tree head disagree (\(frontier.size) vs \(seq - 1) entries); run 'confidant log verify'")
        }
        var sealed: [UInt8] = []
        if let reason = intent.reason, !reason.isEmpty {
            sealed = try SealedBox.seal(Array(reason.utf8), to: auditPublicKey)
        }
        // Time only moves forward along the log.
        let millis = max(Int64((time.timeIntervalSince1970 * 1000).rounded()), prev?.time ?? 0)
        var entry = AccessEntry(seq: seq, time: millis, actor: actor, roles: roles,
                                action: intent.action, clientID: intent.clientID, recordID: intent.recordID,
                                purpose: intent.purpose?.rawValue ?? "", sealedReason: sealed, outcome: outcome, detail: detail,
                                flags: intent.flags.sorted().joined(separator: ","))
        entry.prevHash = prev?.leafHash ?? []
        // The kind as stored (read unchecked: a refusal of tampered state must still be logged;
        // the action itself checked the record, and the kind is bound into its state digest).
        if !intent.recordID.isEmpty, let kind = try g.inner.record(id: intent.recordID)?.kind {
            entry.recordKind = kind.rawValue
            entry.confidentiality = SecurityLabel.confidentiality(kind: kind.rawValue)
        }
        if signer == nil {
            // An unauthenticated attempt names no client or record and changes nothing.
            guard intent.clientID.isEmpty, intent.recordID.isEmpty, g.touched.isEmpty else {
                throw VaultError.internalError("an unsigned entry may not name a client, a record or a change")
            }
            entry.mapRoot = try g.trustedRoot()
        } else {
            (entry.state, entry.mapRoot) = try g.commitState(seq: seq, clientID: intent.clientID)
        }
        let bytes = entry.canonicalBytes()
        let leaf = AccessEntry.leafHash(bytes)
        frontier.append(leafHash: leaf)
        try tx.insertTreeHead(TreeHeadRow(size: seq, root: frontier.root, frontier: frontier.encoded(), time: entry.time))
        let row = LogRow(seq: seq, time: entry.time, actor: actor, roles: roles, action: entry.action,
                         clientID: entry.clientID, recordID: entry.recordID, purpose: entry.purpose,
                         sealedReason: sealed, outcome: outcome.rawValue, detail: detail, flags: entry.flags, entry: bytes,
                         leafHash: leaf, signer: signer == nil ? "" : actor,
                         signature: signer?.sign(bytes) ?? [])
        try tx.appendLog(row)
        g.appended = (seq, leaf)
        if signer != nil { g.selfSigned = (row, entry.mapRoot) }
        return entry
    }
}
