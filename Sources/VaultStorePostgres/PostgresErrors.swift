import Foundation
import PostgresNIO
import VaultCore

/// How a PostgreSQL or connection failure becomes a ``VaultError`` (the exit codes of README.md): a writer that
/// cannot get its turn in the busy timeout and a server that does not answer are busy (75), a
/// server lost mid-command is an I/O error (74).
enum PostgresErrors {
    /// SQLSTATE classes and codes the store reacts to.
    static let serializationFailure = "40001"
    static let deadlockDetected = "40P01"
    static let lockNotAvailable = "55P03"
    static let queryCanceled = "57014"

    /// The server's SQLSTATE, when the error came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A failure the whole transaction can be run again after: PostgreSQL aborted it for a
    /// conflict with another transaction, nothing of it was committed.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = sqlState(error) else { return false }
        return state == serializationFailure || state == deadlockDetected
    }

    static func mapped(_ error: any Error, endpoint: String, midCommand: Bool) -> VaultError {
        if let e = error as? VaultError { return e }
        guard let psql = error as? PSQLError else {
            if error is CancellationError {
                return VaultError(.busy, "the database server at \(endpoint) does not answer; check that it runs and try again")
            }
            return VaultError.wrapping(error)
        }
        if let state = psql.serverInfo?[.sqlState] {
            return server(state, message: psql.serverInfo?[.message] ?? "", endpoint: endpoint)
        }
        switch psql.code {
        case .connectionError, .poolClosed, .sslUnsupported, .failedToAddSSLHandler:
            return midCommand
                ? lost(endpoint)
                : VaultError(.busy, "the database server at \(endpoint) does not answer (\(describe(psql))); check that it runs and try again",
                             cause: SendableCause(psql))
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return midCommand ? lost(endpoint) : VaultError(.busy, "the database server at \(endpoint) closed the connection; try again")
        case .authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError:
            return VaultError(.notPermitted, "the database server at \(endpoint) wants a password this machine does not have; put it in ~/.pgpass (mode 0600) or the file PGPASSFILE names")
        default:
            return VaultError(.internal, "PostgreSQL client error: \(describe(psql))", cause: SendableCause(psql))
        }
    }

    private static func lost(_ endpoint: String) -> VaultError {
        VaultError(.io, "the connection to the database server at \(endpoint) was lost mid-command; check the vault with 'confidant log verify' and try again")
    }

    private static func describe(_ e: PSQLError) -> String {
        e.underlying.map { String(describing: $0) } ?? e.code.description
    }

    /// A server-side error, by SQLSTATE (class first, then the codes that matter).
    static func server(_ state: String, message: String, endpoint: String) -> VaultError {
        let detail = message.replacingOccurrences(of: "\n", with: " ")
        switch state {
        case lockNotAvailable, queryCanceled, serializationFailure, deadlockDetected:
            return VaultError(.busy, "the vault is busy (another confidant process is writing); try again")
        case "3D000":
            return VaultError(.notFound, "no vault at \(endpoint): the database does not exist; create it, then run 'confidant init'")
        case "42501":
            return VaultError(.notPermitted, "the database role may not do this (\(detail)); ask the database administrator for the vault's grants")
        case "25006":
            return VaultError(.cannotCreate, "the database server at \(endpoint) is read-only (a standby?); use the primary")
        default:
            break
        }
        switch state.prefix(2) {
        case "28":
            return VaultError(.notPermitted, "the database server at \(endpoint) refused the login (\(detail)); check ~/.pgpass or the server's pg_hba.conf")
        case "08", "57":
            return VaultError(.io, "the connection to the database server at \(endpoint) was lost mid-command (\(detail)); try again")
        case "53", "58":
            return VaultError(.io, "the database server at \(endpoint) could not store the change (\(detail)); nothing was changed")
        case "23", "22":
            return VaultError(.badData, "the vault refused an inconsistent change (\(detail))")
        case "42":
            return VaultError(.badData, "the vault database does not hold the vault schema (\(detail)); restore it from a backup")
        default:
            return VaultError(.internal, "database error \(state): \(detail)")
        }
    }
}
