import Foundation
import VaultCrypto

/// A unit of the vault's state that one signed statement commits to as a whole.
///
/// Every stored row belongs to exactly one aggregate: a client (its profile, care team, keys,
/// wraps, records, acknowledgements, requests and rotation jobs), or one of the vault-wide ones
/// (users, settings, exceptions). Each signed entry that changes an aggregate carries the new
/// digest of that aggregate's rows; the authenticated index maps each aggregate to its latest
/// entry and digest, so a command checks one client's state at a cost bounded by that client.
public enum StateAggregate: Hashable, Sendable, Comparable {
    case users
    case settings
    case exceptions
    case client(String)

    /// The aggregate's name in the index and in entries (`client:ID`, `users`, ...).
    public var key: String {
        switch self {
        case .users: "users"
        case .settings: "settings"
        case .exceptions: "exceptions"
        case .client(let id): "client:" + id
        }
    }

    public init?(key: String) {
        switch key {
        case "users": self = .users
        case "settings": self = .settings
        case "exceptions": self = .exceptions
        default:
            guard key.hasPrefix("client:"), key.count > 7 else { return nil }
            self = .client(String(key.dropFirst(7)))
        }
    }

    /// The aggregate of a row whose `client_id` column says `clientID`: vault-wide keys (the
    /// audit and log keys, `""`) and all-clients rotation runs (`"*"`) belong to the settings.
    package static func owning(clientID: String) -> StateAggregate {
        clientID.isEmpty || clientID == "*" ? .settings : .client(clientID)
    }

    /// A human name for messages.
    var label: String {
        switch self {
        case .client(let id): "client \(id)"
        default: "the vault's \(key)"
        }
    }

    public static func < (a: StateAggregate, b: StateAggregate) -> Bool { a.key < b.key }
}

/// The digest of one table's rows of an aggregate.
public struct TableDigest: Sendable, Equatable {
    public var table: String
    public var rows: Int
    public var digest: [UInt8]
}

/// The index's entry for one aggregate: the latest entry about it and its committed digest.
public struct StateHeadRow: Sendable, Equatable {
    public var aggregate: String
    public var seq: Int64
    public var digest: [UInt8]
}

/// What one signed entry states about one aggregate (the `state` field of format-2 entries).
public struct StateChange: Sendable, Equatable {
    public var aggregate: String
    /// The previous entry about this aggregate (0 and empty for the first).
    public var prevSeq: Int64
    public var prevLeafHash: [UInt8]
    /// The aggregate's table digests after the entry; empty when the entry did not change it.
    public var tables: [TableDigest]
}

enum StateDigest {
    /// The digest an aggregate's table digests commit to.
    static func aggregate(_ key: String, _ tables: [TableDigest]) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/state/v1")
        e.append(key)
        for t in tables {
            e.append(t.table)
            e.append(Int64(t.rows))
            e.append(t.digest)
        }
        return SHA256.hash(e.bytes)
    }
}
