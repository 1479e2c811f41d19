import Foundation

/// An error a vault operation reports to its caller: what went wrong and what to do.
///
/// The ``Kind`` maps one-to-one onto the CLI's exit codes (sysexits), so the CLI never has
/// to guess. The ``message`` is one line, safe to show: it never contains secret bytes, note
/// text or client names.
public struct VaultError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// Bad arguments or input that does not follow the documented form (exit 64).
        case usage
        /// Data that is corrupt, tampered with or not a vault (exit 65).
        case badData
        /// No such vault, user, client, record or file (exit 66).
        case notFound
        /// An output file cannot be created (exit 73).
        case cannotCreate
        /// Another process holds the vault; try again (exit 75).
        case busy
        /// Wrong passphrase, no grant, role not allowed, basis not stated (exit 77).
        case notPermitted
        /// A bug or an environment failure (exit 70).
        case `internal`

        /// The code recorded in an access entry's `detail` for a refusal of this kind.
        public var logCode: String {
            switch self {
            case .usage: "usage"
            case .badData: "bad-data"
            case .notFound: "not-found"
            case .cannotCreate: "cannot-create"
            case .busy: "busy"
            case .notPermitted: "not-permitted"
            case .internal: "internal"
            }
        }
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The sysexits code of this kind.
    public var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .badData: 65
        case .notFound: 66
        case .cannotCreate: 73
        case .busy: 75
        case .notPermitted: 77
        case .internal: 70
        }
    }

    static func usage(_ m: String) -> VaultError { VaultError(.usage, m) }
    static func badData(_ m: String) -> VaultError { VaultError(.badData, m) }
    static func notFound(_ m: String) -> VaultError { VaultError(.notFound, m) }
    static func notPermitted(_ m: String) -> VaultError { VaultError(.notPermitted, m) }
    static func internalError(_ m: String) -> VaultError { VaultError(.internal, m) }
}
