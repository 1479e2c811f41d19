import Foundation
import VaultTestSupport

/// The practice the writer attacks and the sweep play against: client C with notes, chen
/// granted then revoked, two versions of the confidentiality agreement (the newer one no longer
/// explains the permitted `law-enforcement`), and a snapshot of the vault taken before the revoke.
struct WriterScene {
    let p: TestPractice
    let client: String
    let note1: String
    let note2: String
    /// A copy of the vault taken after the grant, the first agreement and an export request.
    let snapshot: String

    /// - Parameter moreHistory: also a setting, a key rotation and a second client after the
    ///   snapshot, so that rolling any table back changes something (the sweep).
    init(moreHistory: Bool = false) throws {
        p = try TestPractice()
        client = try p.addClient(name: "Jordan Example")
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        note1 = try p.addNote(client, "session one")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "law-enforcement"], reviewedOn: "2026-11-02")
        _ = try p.ok("rivera", ["export", "request", client])
        snapshot = p.dir.file("snapshot.vault")
        try VaultFile.copy(p.vault, to: snapshot)
        _ = try p.ok("rivera", ["careteam", "revoke", client, "chen"])
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-20")
        note2 = try p.addNote(client, "session two, after chen left")
        if moreHistory {
            _ = try p.ok("admin", ["settings", "set", "review.bulk-threshold", "30"])
            _ = try p.ok("rivera", ["key", "rotate", "--client", client])
            let other = try p.addClient(name: "Other Client")
            _ = try p.addNote(other, "other's note")
        }
    }

    /// Runs `args` as `user` on `vault` with its own machine state (`XDG_STATE_HOME`), so that
    /// what is tested is the signed-state check, not this machine's rollback pin.
    func run(_ user: String, _ args: [String], vault: String, machine: String) throws -> CLIResult {
        try CLI.run(args + ["--vault", vault, "--as", user, "--passphrase-file", p.dir.file("pass-\(user)")],
                    cwd: p.dir.path, env: ["XDG_STATE_HOME": p.dir.file("machine-\(machine)")])
    }

    /// The two decisions an attacker wants to flip: the revoked therapist opens a note, and a
    /// disclosure under a basis the agreement in force no longer states.
    func decisions(_ vault: String, machine: String) throws -> (open: CLIResult, disclose: CLIResult) {
        let open = try run("chen", ["note", "open", note1, "--purpose", "TREAT"], vault: vault, machine: machine)
        let disclose = try run("rivera", ["disclose", client, "--to", "Superior Court", "--address", "1 Court St",
                                          "--records", note1, "--basis", "law-enforcement", "--purpose", "records request",
                                          "--date", "2026-11-25"], vault: vault, machine: machine)
        return (open, disclose)
    }
}
