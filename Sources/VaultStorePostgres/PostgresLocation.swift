import Foundation
import NIOSSL
import PostgresNIO
import VaultCore

/// Where a PostgreSQL vault is and how to log in, from a `postgres://` URL and the standard
/// libpq places — never a password in the URL (it would sit in argv and shell history).
///
/// `postgres://[user@][host][:port]/database[?host=/socket/dir][&sslmode=…][&sslrootcert=FILE]`:
/// the user defaults to `PGUSER`, then the OS user; the port to `PGPORT`, then 5432; a host
/// that is a path (or `?host=/dir`) is a Unix-socket folder, where peer authentication needs
/// no password. The password comes from the file `PGPASSFILE` names, else `~/.pgpass`, read
/// as libpq reads it (`host:port:database:user:password`, `*` matches anything, `\` escapes)
/// and ignored, as libpq does, when others can read it. `sslmode` is libpq's: `disable`,
/// `allow`/`prefer` (the default: TLS when the server offers it), `require` (TLS, no
/// certificate check), `verify-ca`, `verify-full` (certificate and host name checked).
public struct PostgresLocation: Sendable, Equatable {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    /// The Unix socket's folder, when the server is reached through one.
    public var socketDirectory: String?
    public var sslMode: String
    public var sslRootCert: String?

    /// Whether `text` names a PostgreSQL vault rather than a file path.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let url = URLComponents(string: text) else {
            throw VaultError(.usage, "'\(text)' is not a postgres:// URL (postgres://user@host:port/database)")
        }
        if url.password != nil {
            throw VaultError(.usage, "the vault URL carries a password, which would sit in argv and shell history; remove it and put it in ~/.pgpass (mode 0600) or the file PGPASSFILE names")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        user = url.user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"] ?? ProcessInfo.processInfo.userName
        port = url.port ?? environment["PGPORT"].flatMap(Int.init) ?? 5432
        let host = query["host"] ?? url.host.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGHOST"] ?? "localhost"
        self.host = host.hasPrefix("/") ? "localhost" : host
        socketDirectory = host.hasPrefix("/") ? host : nil
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        database = path.isEmpty ? user : path
        sslMode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
        sslRootCert = query["sslrootcert"]
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw VaultError(.usage, "sslmode '\(sslMode)' is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
        guard !database.contains("/"), !user.isEmpty else {
            throw VaultError(.usage, "'\(text)' does not name one database (postgres://user@host:port/database)")
        }
    }

    /// The vault as messages name it: no password, ever.
    public var display: String {
        if let socketDirectory { return "postgres://\(user)@\(socketDirectory):\(port)/\(database)" }
        return "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// How to reach the server: the socket or host, the login (password from the pgpass file,
    /// never the URL or the environment) and TLS as `sslmode` says.
    func connectionConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConnection.Configuration {
        let password = PgPass.password(for: self, environment: environment)
        if let socketDirectory {
            return .init(unixSocketPath: socketPath(socketDirectory), username: user, password: password, database: database)
        }
        let (required, tls) = tlsConfiguration()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                                      tls: context.map { required ? .require($0) : .prefer($0) } ?? .disable)
        config.options.connectTimeout = .seconds(5)
        return config
    }

    private func socketPath(_ directory: String) -> String { "\(directory)/.s.PGSQL.\(port)" }

    /// Whether TLS is required, and its configuration (nil: no TLS).
    private func tlsConfiguration() -> (required: Bool, TLSConfiguration?) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let sslRootCert { tls.trustRoots = .file(sslRootCert) }
        switch sslMode {
        case "disable": return (false, nil)
        case "allow", "prefer":
            tls.certificateVerification = .none
            return (false, tls)
        case "require":
            // libpq's `require` checks no certificate unless a root certificate is given.
            tls.certificateVerification = sslRootCert == nil ? .none : .noHostnameVerification
            return (true, tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return (true, tls)
        default:
            tls.certificateVerification = .fullVerification
            return (true, tls)
        }
    }
}

/// libpq's password file.
enum PgPass {
    static func password(for location: PostgresLocation, environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? (FileManager.default.homeDirectoryForCurrentUser.path + "/.pgpass")
        var info = stat()
        // libpq ignores a password file that group or others can read.
        guard stat(path, &info) == 0, info.st_mode & 0o170000 == 0o100000, info.st_mode & 0o077 == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let want = [location.host, String(location.port), location.database, location.user]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), want).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// A line's fields: `:` separates, `\` escapes the next character.
    static func split(_ line: String) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for ch in line {
            if escaped { current.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == ":" {
                fields.append(current); current = ""
            } else { current.append(ch) }
        }
        fields.append(current)
        return fields
    }
}
