import Foundation
import GRDB
import Testing
import VaultTestSupport

/// Every table the vault format has.
fileprivate let allTables = ["vault", "users", "user_history", "clients", "care_team", "data_keys", "key_wraps", "records",
                             "access_log", "tree_heads", "settings", "export_requests", "rotation_jobs", "exceptions",
                             "acknowledgements", "state_heads", "state_nodes"]

/// The generic sweep: for every table, roll its rows back to an earlier snapshot, and
/// separately delete sampled rows one at a time. After each change, every decision the attacker
/// wants to flip is unchanged (the revoked therapist is refused, the unstated basis is refused)
/// or the command exits 65; and `log verify` exits 65 whenever anything changed.
@Suite("writer sweep", .sqliteOnly)
struct WriterSweepTests {
    @Test("rolling any table back to an earlier snapshot flips no decision, and log verify catches it")
    func rollBackEachTable() throws {
        let s = try WriterScene(moreHistory: true)
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
        let s = try WriterScene(moreHistory: true)
        let seed = UInt64(ProcessInfo.processInfo.environment["CONFIDANT_SWEEP_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("writer sweep: CONFIDANT_SWEEP_SEED=\(seed)")
        var rng = SeededRandom(seed: seed)
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

extension WriterScene {
    /// After one change: log verify (on the file exactly as the writer left it) exits 65 when
    /// anything changed, and neither decision flips — each stays 77 or becomes 65.
    func expectHolds(_ vault: String, machine: String, changed: Bool, what: String) throws {
        let verify = try run("admin", ["log", "verify"], vault: vault, machine: machine + "-verify")
        if changed {
            #expect(verify.exitCode == 65, "\(what): log verify exited \(verify.exitCode) \(verify.stderr)")
        }
        let (open, disclose) = try decisions(vault, machine: machine)
        #expect([65, 77].contains(open.exitCode), "\(what): the revoked therapist's open exited \(open.exitCode) \(open.stderr)")
        #expect(open.stdout.isEmpty, "\(what)")
        #expect([65, 77].contains(disclose.exitCode), "\(what): the unstated basis exited \(disclose.exitCode) \(disclose.stderr)")
    }
}
