import Foundation
import Testing
import VaultCore
import VaultStoreSQLite
@testable import VaultStorePostgres

/// Vault URLs and the pgpass file: no PostgreSQL server needed.
@Suite("PostgreSQL vault URLs and pgpass")
struct PostgresLocationTests {
    @Test("a URL names user, host, port, database, socket folder and sslmode")
    func parses() throws {
        let tcp = try PostgresLocation(url: "postgres://ann@db.example:6543/practice?sslmode=require", environment: [:])
        #expect([tcp.user, tcp.host, String(tcp.port), tcp.database, tcp.sslMode] == ["ann", "db.example", "6543", "practice", "require"])
        #expect(tcp.socketDirectory == nil && tcp.sslRootCert == nil)
        let socket = try PostgresLocation(url: "postgresql://ann@/practice?host=/run/pg", environment: ["PGPORT": "5433"])
        #expect(socket.socketDirectory == "/run/pg")
        #expect(socket.port == 5433)
        #expect(socket.host == "localhost")
        #expect(socket.display == "postgres://ann@/run/pg:5433/practice")
        let defaults = try PostgresLocation(url: "postgres://db.example", environment: ["PGUSER": "bob"])
        #expect([defaults.user, defaults.database, String(defaults.port), defaults.sslMode] == ["bob", "bob", "5432", "prefer"])
    }

    @Test("a password in the URL, an unknown sslmode and a non-URL are usage errors (64)")
    func refuses() {
        for url in ["postgres://ann:secret@db/practice", "postgres://ann@db/practice?sslmode=sometimes", "./confidant.vault"] {
            #expect(throws: VaultError.self) { _ = try PostgresLocation(url: url, environment: [:]) }
            #expect((try? PostgresLocation(url: url, environment: [:])) == nil)
        }
        let error = #expect(throws: VaultError.self) { _ = try PostgresLocation(url: "postgres://ann:secret@db/practice", environment: [:]) }
        #expect(error?.kind == .usage)
        #expect(error?.message.contains("secret") == false)
    }

    @Test("the pgpass file: first matching line, * matches anything, \\ escapes; a file others can read is ignored")
    func pgpass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/pgpass"
        try "# comment\nother:5432:*:ann:wrong\ndb.example:6543:practice:ann:p\\:w\\\\d\n*:*:*:*:fallback\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let location = try PostgresLocation(url: "postgres://ann@db.example:6543/practice", environment: [:])
        #expect(PgPass.password(for: location, environment: ["PGPASSFILE": file]) == "p:w\\d")
        let other = try PostgresLocation(url: "postgres://bob@db.example/x", environment: [:])
        #expect(PgPass.password(for: other, environment: ["PGPASSFILE": file]) == "fallback")
        chmod(file, 0o644)
        #expect(PgPass.password(for: location, environment: ["PGPASSFILE": file]) == nil)
    }
}
