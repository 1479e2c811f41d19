import Foundation
import GRDB
import Testing
import VaultTestSupport

/// Every table the vault format has.
fileprivate let allTables = ["vault", "users", "user_history", "clients", "care_team", "data_keys", "key_wraps", "records",
                             "access_log", "tree_heads", "settings", "export_requests", "rotation_jobs", "exceptions",
                             "acknowledgements", "state_heads", "state_nodes"]

/// A small seeded generator (SplitMix64), so a failing sample can be replayed from its seed.
fileprivate struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The generic sweep: for every table, roll its rows back to an earlier snapshot, and
/// separately delete sampled rows one at a time. After each change, every decision the attacker
/// wants to flip is unchanged (the revoked therapist is refused, the unstated basis is refused)
/// or the command exits 65; and `log verify` exits 65 whenever anything changed.
@Suite("writer sweep")
struct WriterSweepTests {
    @Test("rolling any table back to an earlier snapshot flips no decision, and log verify catches it")
    func rollBackEachTable() throws {
        let s = try SweepScene()
        for table in allTables {
            let trial = s.p.dir.file("rollback-\(table).vault")
            try VaultFile.copy(s.p.vault, to: trial)
            let before = try VaultFile.rows(trial, table)
            try VaultFile.withDatabase(trial, foreignKeys: false) { db in
                try db.execute(sql: "ATTACH DATABASE ? AS old", arguments: [s.snapshot])
                try db.execute(sql: "DELETE FROM main.\(table)")
                try db.execute(sql: "INSERT INTO main.\(table) SELECT * FROM old.\(table)")
            }
            let changed = try VaultFile.rows(trial, table) != before
            try s.expectHolds(trial, machine: "rollback-\(table)", changed: changed, what: "\(table) rolled back")
        }
    }

    @Test("deleting sampled rows one at a time flips no decision, and log verify catches each")
    func deleteSampledRows() throws {
        let s = try SweepScene()
        let seed = UInt64(ProcessInfo.processInfo.environment["CONFIDANT_SWEEP_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("writer sweep: CONFIDANT_SWEEP_SEED=\(seed)")
        var rng = SeededRandom(state: seed)
        for table in allTables {
            let rowids = try VaultFile.withDatabase(s.p.vault) { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM \(table)") }
            for rowid in rowids.shuffled(using: &rng).prefix(2) {
                let trial = s.p.dir.file("delete-\(table)-\(rowid).vault")
                try VaultFile.copy(s.p.vault, to: trial)
                try VaultFile.withDatabase(trial, foreignKeys: false) { db in try db.execute(sql: "DELETE FROM \(table) WHERE rowid = ?", arguments: [rowid]) }
                try s.expectHolds(trial, machine: "delete-\(table)-\(rowid)", changed: true, what: "\(table) row \(rowid) deleted (seed \(seed))")
            }
        }
    }
}

/// The scene of ``WriterAttackTests`` plus more history after the snapshot.
fileprivate struct SweepScene {
    let p: TestPractice
    let client: String
    let note: String
    let snapshot: String

    init() throws {
        p = try TestPractice()
        client = try p.addClient(name: "Sweep Client")
        _ = try p.ok("rivera", ["careteam", "grant", client, "chen"])
        note = try p.addNote(client, "session one")
        try p.addConfidentialityAgreement(client, ["harm-to-self", "legal-order"], reviewedOn: "2026-11-02")
        _ = try p.ok("rivera", ["export", "request", client])
        snapshot = p.dir.file("snapshot.vault")
        try VaultFile.copy(p.vault, to: snapshot)
        // After the snapshot: revoke, a narrower agreement, more notes, a setting, a rotation.
        _ = try p.ok("rivera", ["careteam", "revoke", client, "chen"])
        try p.addConfidentialityAgreement(client, ["harm-to-self"], reviewedOn: "2026-11-20")
        _ = try p.addNote(client, "session two")
        _ = try p.ok("admin", ["settings", "set", "review.bulk-threshold", "30"])
        _ = try p.ok("rivera", ["key", "rotate", "--client", client])
        let other = try p.addClient(name: "Other Client")
        _ = try p.addNote(other, "other's note")
    }


    func run(_ user: String, _ args: [String], vault: String, machine: String) throws -> CLIResult {
        try CLI.run(args + ["--vault", vault, "--as", user, "--passphrase-file", p.dir.file("pass-\(user)")],
                    cwd: p.dir.path, env: ["XDG_STATE_HOME": p.dir.file("machine-\(machine)")])
    }

    func expectHolds(_ vault: String, machine: String, changed: Bool, what: String) throws {
        // log verify first, on the file exactly as the writer left it.
        let verify = try run("admin", ["log", "verify"], vault: vault, machine: machine + "-verify")
        if changed {
            #expect(verify.exitCode == 65, "\(what): log verify exited \(verify.exitCode) \(verify.stderr)")
        }
        let open = try run("chen", ["note", "open", note, "--purpose", "TREAT"], vault: vault, machine: machine)
        #expect([65, 77].contains(open.exitCode), "\(what): the revoked therapist's open exited \(open.exitCode) \(open.stderr)")
        #expect(open.stdout.isEmpty, "\(what)")
        let disclose = try run("rivera", ["disclose", client, "--to", "Superior Court", "--address", "1 Court St", "--records", note,
                                          "--basis", "legal-order", "--purpose", "subpoena", "--date", "2026-11-25"],
                               vault: vault, machine: machine)
        #expect([65, 77].contains(disclose.exitCode), "\(what): the unstated basis exited \(disclose.exitCode) \(disclose.stderr)")
    }
}
