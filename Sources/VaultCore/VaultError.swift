import Foundation
import VaultCrypto

/// An error a vault operation reports to its caller: what went wrong and what to do.
///
/// Shaped like swift-nio's `FileSystemError`: a ``Kind`` (each front end maps it: the CLI to a
/// sysexits code, the console to an HTTP status), a ``message`` for a person, a structured
/// ``remedy``, the ``cause`` and the ``location``. The message is one line, safe to show: it
/// never contains secret bytes, note text or client names.
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
        /// Reading or writing storage failed part way: a database server lost mid-command,
        /// a full disk (exit 74).
        case io
        /// Another process holds the vault, or its database server does not answer; try again (exit 75).
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
            case .io: "io"
            case .busy: "busy"
            case .notPermitted: "not-permitted"
            case .internal: "internal"
            }
        }
    }

    /// What a person (or the program driving the vault) can do about it, independent of any
    /// front end's wording: the CLI and the console each phrase it their own way.
    public enum Remedy: String, Sendable, Equatable {
        /// Correct the input and try again.
        case fixInput
        /// Restore the vault (or the named file) from a verified backup; report the tampering.
        case restoreFromBackup
        /// Check the name or id (a listing shows them).
        case checkName
        /// Choose another output path or free the space.
        case chooseOutput
        /// Wait and try again.
        case retry
        /// Ask someone who holds the role or key for it.
        case askForAccess
        /// Report it: a bug or a broken environment.
        case report
    }

    public var kind: Kind
    public var message: String
    /// The remedy; by default the usual one for the kind.
    public var remedy: Remedy
    /// The lower-level error this one stands for, if any (a SQLite or cryptographic failure).
    public var cause: (any Error & Sendable)?
    /// Where it was raised (`#fileID:line`), for a bug report; never shown as the message.
    public var location: String

    public init(_ kind: Kind, _ message: String, remedy: Remedy? = nil, cause: (any Error & Sendable)? = nil,
                file: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.message = message
        self.remedy = remedy ?? Self.usualRemedy(kind)
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }

    /// Two errors are the same when kind, message and remedy are (cause and location aside).
    public static func == (a: VaultError, b: VaultError) -> Bool {
        a.kind == b.kind && a.message == b.message && a.remedy == b.remedy
    }

    static func usualRemedy(_ kind: Kind) -> Remedy {
        switch kind {
        case .usage: .fixInput
        case .badData: .restoreFromBackup
        case .notFound: .checkName
        case .cannotCreate: .chooseOutput
        case .io: .retry
        case .busy: .retry
        case .notPermitted: .askForAccess
        case .internal: .report
        }
    }

    package static func usage(_ m: String, file: String = #fileID, line: Int = #line) -> VaultError {
        VaultError(.usage, m, file: file, line: line)
    }
    package static func badData(_ m: String, file: String = #fileID, line: Int = #line) -> VaultError {
        VaultError(.badData, m, file: file, line: line)
    }
    package static func notFound(_ m: String, file: String = #fileID, line: Int = #line) -> VaultError {
        VaultError(.notFound, m, file: file, line: line)
    }
    package static func notPermitted(_ m: String, file: String = #fileID, line: Int = #line) -> VaultError {
        VaultError(.notPermitted, m, file: file, line: line)
    }
    package static func internalError(_ m: String, cause: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line) -> VaultError {
        VaultError(.internal, m, cause: cause, file: file, line: line)
    }
}

/// A non-`Sendable` error kept as a ``VaultError/cause``: its description, and its type name.
public struct SendableCause: Error, Sendable, CustomStringConvertible {
    public let description: String
    public let type: String
    public init(_ error: any Error) {
        description = String(describing: error)
        type = String(reflecting: Swift.type(of: error))
    }
}

extension VaultError {
    /// `error` as a VaultError: itself, or an internal error carrying it as its cause.
    public static func wrapping(_ error: any Error) -> VaultError {
        if let e = error as? VaultError { return e }
        if let e = error as? CryptoError { return .internalError("cryptographic operation failed (\(e))", cause: e) }
        return .internalError("\(error.localizedDescription)", cause: SendableCause(error))
    }

    /// Runs `body`, turning any error it throws into a VaultError (``wrapping(_:)``): how a
    /// public method made of several operations keeps typed throws.
    static func typed<T>(_ body: () throws -> T) throws(VaultError) -> T {
        do { return try body() } catch { throw wrapping(error) }
    }
}
