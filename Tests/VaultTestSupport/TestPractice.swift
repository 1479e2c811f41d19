import Foundation

/// A vault made through the CLI with the INTERACTIVE KDF, plus users with passphrase files.
///
/// Users: `admin` (admin), `rivera` and `chen` (therapists), `morgan` (compliance).
public final class TestPractice: @unchecked Sendable {
    public let dir: TempDir
    public let vault: String
    public let recoveryKey: String
    /// Environment every command of this practice gets (a test clock, a state folder); a
    /// command's own `env` entries win.
    public var env: [String: String]

    /// - Parameter env: e.g. `["CONFIDANT_TEST_NOW": …]` for a practice set up in the past.
    /// - Parameter standardUsers: false for a practice of the admin and `extraUsers` only.
    /// - Parameter vault: where the vault lives (a `postgres://` URL); by default a file in the practice's folder,
    ///   or a fresh database under `CONFIDANT_TEST_STORE=postgres` (``TestStore``).
    public init(extraUsers: [(String, String)] = [], env: [String: String] = [:], standardUsers: Bool = true, vault location: String? = nil) throws {
        self.env = env
        dir = try TempDir()
        vault = try location ?? TestStore.newVault(in: dir)
        recoveryKey = dir.file("recovery.key")
        try dir.write("pass-admin", "admin passphrase 1\n")
        let r = try CLI.run(["init", "--vault", vault, "--practice", "Test Practice", "--admin", "admin",
                             "--recovery-out", recoveryKey, "--kdf", "interactive", "--passphrase-file", dir.file("pass-admin")], env: env)
        guard r.exitCode == 0 else { throw TestFailure("init failed: \(r.exitCode) \(r.stderr)") }
        let standard = standardUsers ? [("rivera", "therapist"), ("chen", "therapist"), ("morgan", "compliance")] : []
        for (name, role) in standard + extraUsers {
            try addUser(name, role: role)
        }
    }

    /// `user add NAME --role ROLE [extra…]` by the admin with `--code-file`, then `user enrol` by
    /// the new user with that code and a new passphrase file `pass-NAME` ("NAME passphrase 1").
    public func addUser(_ name: String, role: String, _ extra: [String] = []) throws {
        try dir.write("pass-\(name)", "\(name) passphrase 1\n")
        let codeFile = dir.file("code-\(name)-\(UUID().uuidString.prefix(8))")
        let u = try CLI.run(["user", "add", name, "--role", role, "--code-file", codeFile] + extra + auth("admin"), env: env)
        guard u.exitCode == 0 else { throw TestFailure("user add \(name) failed: \(u.exitCode) \(u.stderr)") }
        try enrol(name, codeFile: codeFile)
    }

    /// `user enrol NAME --code-file F` with the passphrase file `pass-NAME`.
    public func enrol(_ name: String, codeFile: String) throws {
        let e = try CLI.run(["user", "enrol", name, "--code-file", codeFile, "--vault", vault, "--passphrase-file", dir.file("pass-\(name)")], env: env)
        guard e.exitCode == 0 else { throw TestFailure("user enrol \(name) failed: \(e.exitCode) \(e.stderr)") }
    }

    /// `--vault V --as USER --passphrase-file F`.
    public func auth(_ user: String) -> [String] {
        ["--vault", vault, "--as", user, "--passphrase-file", dir.file("pass-\(user)")]
    }

    /// Runs a command as `user`.
    @discardableResult
    public func run(_ user: String, _ args: [String], stdin: Data? = nil, env: [String: String] = [:]) throws -> CLIResult {
        try CLI.run(args + auth(user), cwd: dir.path, stdin: stdin, env: self.env.merging(env) { _, new in new })
    }

    /// Runs a command that must succeed and returns its trimmed stdout.
    public func ok(_ user: String, _ args: [String], stdin: Data? = nil) throws -> String {
        let r = try run(user, args, stdin: stdin)
        guard r.exitCode == 0 else { throw TestFailure("\(args.joined(separator: " ")) as \(user) exited \(r.exitCode): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Adds a client as rivera and returns its id.
    public func addClient(name: String = "Test Client") throws -> String {
        try ok("rivera", ["client", "add", "--name", name])
    }

    /// Adds a confidentiality agreement version explaining `codes`, reviewed on `reviewedOn`; returns its id.
    @discardableResult
    public func addConfidentialityAgreement(_ client: String, _ codes: [String], reviewedOn: String, as user: String = "rivera") throws -> String {
        let list = codes.map { "\"\($0)\"" }.joined(separator: ", ")
        let f = try dir.write("conf-\(UUID().uuidString).json",
                              #"{"reviewedOn": "\#(reviewedOn)", "acknowledgedOn": "\#(reviewedOn)", "exceptionsExplained": [\#(list)]}"#)
        return try ok(user, ["agreement", "add", client, "--kind", "confidentiality", "--file", f])
    }

    /// `--approved-by USER --cosign-passphrase-file F`: a compliance officer approving (restore, purge).
    public func approvedBy(_ user: String = "morgan") -> [String] {
        ["--approved-by", user, "--cosign-passphrase-file", dir.file("pass-\(user)")]
    }

    public func addNote(_ client: String, _ text: String, kind: String = "progress", as user: String = "rivera") throws -> String {
        try ok(user, ["note", "add", client, "--kind", kind], stdin: Data(text.utf8))
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
