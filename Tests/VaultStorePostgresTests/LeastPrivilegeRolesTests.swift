import Foundation
import Testing
import VaultTestSupport

/// The least-privilege setup of docs/operations.md ("Roles: least privilege"), run as written:
/// an owner role creates the vault, an application role works in it and cannot change or
/// remove a log entry or a tree head, nor add anything schema pinning would refuse.
@Suite("PostgreSQL least-privilege roles")
struct LeastPrivilegeRolesTests {
    @Test("the documented grants: the app role works the day, cannot UPDATE/DELETE the log, cannot create; a refused statement is 77",
          .enabled(if: PGTest.available, PGTest.skipReason))
    func documentedGrants() async throws {
        try await offPool { try Self.documentedGrantsBody() }
    }

    /// Two login roles with passwords (the cluster's 127.0.0.1 listener uses scram-sha-256) and
    /// their pgpass lines; role names are cluster-wide, so each run has its own.
    private struct Roles {
        let owner: String, app: String, database: String, pgpass: String
        let ownerURL: String, appURL: String

        init(dir: TempDir) throws {
            let tag = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(10)
            owner = "cfowner_\(tag)"; app = "cfapp_\(tag)"; database = "lp_\(tag)"
            let ownerPassword = UUID().uuidString, appPassword = UUID().uuidString
            try PGTest.psql("CREATE ROLE \(owner) LOGIN PASSWORD '\(ownerPassword)'")
            try PGTest.psql("CREATE ROLE \(app) LOGIN PASSWORD '\(appPassword)'")
            try PGTest.psql("CREATE DATABASE \(database) OWNER \(owner)")
            try PGTest.psql("""
                REVOKE ALL ON SCHEMA public FROM PUBLIC;
                ALTER SCHEMA public OWNER TO \(owner);
                GRANT USAGE ON SCHEMA public TO \(app)
                """, database: database)
            guard let tcp = ProcessInfo.processInfo.environment["CONFIDANT_TEST_PG_TCP_URL"], let parts = URLComponents(string: tcp),
                  let port = parts.port else { throw TestFailure("CONFIDANT_TEST_PG_TCP_URL is not set") }
            pgpass = try dir.write("pgpass", "127.0.0.1:\(port):*:\(owner):\(ownerPassword)\n127.0.0.1:\(port):*:\(app):\(appPassword)\n")
            ownerURL = "postgres://\(owner)@127.0.0.1:\(port)/\(database)?sslmode=disable"
            appURL = "postgres://\(app)@127.0.0.1:\(port)/\(database)?sslmode=disable"
        }

        /// The grants the docs give after `confidant init`.
        func grantApp() throws {
            try PGTest.psql("""
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(app);
                REVOKE UPDATE, DELETE, TRUNCATE ON access_log, tree_heads FROM \(app);
                GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO \(app)
                """, database: database)
        }

        /// `sql` as the application role, through its own login; the error text when refused.
        func asApp(_ sql: String) -> String {
            do {
                return try TestStore.psql(sql, url: appURL, env: ["PGPASSFILE": pgpass])
            } catch {
                return "\(error)"
            }
        }
    }

    private static func documentedGrantsBody() throws {
        let dir = try TempDir()
        let roles = try Roles(dir: dir)
        let p = try TestPractice(env: ["PGPASSFILE": roles.pgpass], vault: roles.ownerURL)
        try roles.grantApp()
        func app(_ user: String, _ args: [String], stdin: String? = nil) throws -> CLIResult {
            try CLI.run(args + ["--vault", roles.appURL, "--as", user, "--passphrase-file", p.dir.file("pass-\(user)")],
                        cwd: p.dir.path, stdin: stdin.map { Data($0.utf8) }, env: p.env)
        }
        // A working day through the application role.
        let client = try app("rivera", ["client", "add", "--name", "Least Privilege"])
        #expect(client.exitCode == 0, "\(client.stderr)")
        let id = client.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = try app("rivera", ["note", "add", id], stdin: "written through the app role")
        #expect(note.exitCode == 0, "\(note.stderr)")
        let opened = try app("rivera", ["note", "open", note.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(opened.exitCode == 0, "\(opened.stderr)")
        #expect(opened.stdout.contains("written through the app role"))
        #expect(try app("admin", ["careteam", "grant", id, "chen"]).exitCode == 0)
        #expect(try app("admin", ["careteam", "revoke", id, "chen"]).exitCode == 0)
        #expect(try app("rivera", ["key", "rotate", "--client", id]).exitCode == 0)

        // The log and tree heads cannot be changed or removed by that role; nothing can be created.
        #expect(roles.asApp("UPDATE access_log SET actor = 'nobody'").contains("permission denied for table access_log"))
        #expect(roles.asApp("DELETE FROM access_log").contains("permission denied for table access_log"))
        #expect(roles.asApp("TRUNCATE access_log").contains("permission denied for table access_log"))
        #expect(roles.asApp("DELETE FROM tree_heads").contains("permission denied for table tree_heads"))
        #expect(roles.asApp("UPDATE tree_heads SET time = 0").contains("permission denied for table tree_heads"))
        #expect(roles.asApp("CREATE TABLE extra (x int)").contains("permission denied for schema public"))
        let trigger = "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        #expect(roles.asApp(trigger).contains("permission denied for schema public"))

        // A statement the role may not run is refused with 77, naming the privilege; nothing stored.
        try PGTest.psql("REVOKE INSERT ON records FROM \(roles.app)", database: roles.database)
        let before = try PGTest.psql("SELECT count(*) FROM records", database: roles.database)
        let refused = try app("rivera", ["note", "add", id], stdin: "refused")
        #expect(refused.exitCode == 77)
        #expect(refused.stderr.hasPrefix("confidant: error: the database role may not do this (permission denied for table records"), "\(refused.stderr)")
        #expect(try PGTest.psql("SELECT count(*) FROM records", database: roles.database) == before)
        let verified = try app("morgan", ["log", "verify"])
        #expect(verified.exitCode == 0, "\(verified.stderr)")
    }
}
