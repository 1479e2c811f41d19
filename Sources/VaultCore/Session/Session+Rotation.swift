import Foundation
import VaultCrypto

/// Progress of a rotation, reported after every batch.
public struct RotationProgress: Sendable, Codable, Equatable {
    public var clientsDone: Int
    public var clientsTotal: Int
    public var recordsDone: Int
    public var recordsTotal: Int
    public var elapsedSeconds: Double
}

/// What a rotation did.
public struct RotationSummary: Sendable, Codable, Equatable {
    public var clients: Int
    public var keysRotated: Int
    public var recordsReEncrypted: Int
    public var jobsResumed: Int
    /// Interrupted or pending jobs left alone because this user cannot unwrap their client's key
    /// (`resumeRotations()` without a client).
    public var jobsWaiting: Int

    public init(clients: Int, keysRotated: Int, recordsReEncrypted: Int, jobsResumed: Int, jobsWaiting: Int = 0) {
        self.clients = clients; self.keysRotated = keysRotated
        self.recordsReEncrypted = recordsReEncrypted; self.jobsResumed = jobsResumed; self.jobsWaiting = jobsWaiting
    }
}

extension Session {
    /// Records moved per transaction.
    static let rotationBatch = 50

    /// Rotates a client's keys: a new version of its care key (and of each psychotherapy key
    /// this user can unwrap) becomes current for new writes at once; every record is then
    /// re-encrypted under it in batches, one transaction each; finally the older versions'
    /// wrapped copies are destroyed. Records are readable at every instant; a process killed at
    /// any point leaves a journaled job that `resumeRotations` (or the next rotation) finishes.
    public func rotateClient(_ clientID: String, progress: ((RotationProgress) -> Void)? = nil) throws(VaultError) -> RotationSummary {
        try VaultError.typed {
            var summary = RotationSummary(clients: 1, keysRotated: 0, recordsReEncrypted: 0, jobsResumed: 0)
            let started = Date()
            let total = try vault.store.read { try $0.records(clientID: clientID).count }
            var done = 0
            let report: (Int) -> Void = { n in
                done += n
                progress?(RotationProgress(clientsDone: 0, clientsTotal: 1, recordsDone: done, recordsTotal: total,
                                           elapsedSeconds: Date().timeIntervalSince(started)))
            }
            // Finish anything interrupted for this client first.
            for job in try vault.store.read({ try $0.rotationJobs(state: "running") }) where job.clientID == clientID {
                summary.recordsReEncrypted += try runJob(job, report: report)
                summary.jobsResumed += 1
            }
            for job in try startJobs(clientID: clientID) {
                summary.recordsReEncrypted += try runJob(job, report: report)
                summary.keysRotated += 1
            }
            return summary
        }
    }

    /// Rotates every client (admin with the recovery key). Journaled as a run: after a crash,
    /// `resumeRotations` rotates the clients the run had not reached.
    public func rotateAllClients(progress: ((RotationProgress) -> Void)? = nil) throws(VaultError) -> RotationSummary {
        try VaultError.typed {
            try requireRecoveryAdmin("rotating every client's keys")
            let run = try perform(AccessIntent(action: "key.rotate.all.start", purpose: .operations)) { tx, _ in
                let id = try tx.insertRotationJob(RotationJobRow(id: 0, clientID: "*", scope: "", owner: "", toKeyID: 0, state: "running",
                                                                 actor: user, startedAt: nowMillis, finishedAt: 0))
                return RotationJobRow(id: id, clientID: "*", scope: "", owner: "", toKeyID: 0, state: "running", actor: user,
                                      startedAt: nowMillis, finishedAt: 0)
            }
            return try continueAllClientsRun(run, progress: progress)
        }
    }

    /// Finishes every interrupted rotation this user can: single jobs (of one client, when
    /// given), then all-clients runs (admin with the recovery key). Without a client, jobs whose
    /// key this user cannot unwrap are left for someone who can and counted in `jobsWaiting`;
    /// with one, such a job is refused (77).
    public func resumeRotations(clientID: String? = nil, progress: ((RotationProgress) -> Void)? = nil) throws(VaultError) -> RotationSummary {
        try VaultError.typed {
            var summary = RotationSummary(clients: 0, keysRotated: 0, recordsReEncrypted: 0, jobsResumed: 0)
            let jobs = try vault.store.read { try $0.rotationJobs(state: "running") }
            for job in jobs where job.clientID != "*" && (clientID == nil || job.clientID == clientID) {
                if clientID == nil, try !canRunRotation(job) {
                    summary.jobsWaiting += 1
                    continue
                }
                summary.recordsReEncrypted += try runJob(job, report: { _ in })
                summary.jobsResumed += 1
            }
            for run in jobs where run.clientID == "*" && clientID == nil && recovery != nil {
                let s = try continueAllClientsRun(run, progress: progress)
                summary.clients += s.clients
                summary.keysRotated += s.keysRotated
                summary.recordsReEncrypted += s.recordsReEncrypted
                summary.jobsResumed += 1
            }
            return summary
        }
    }

    func requireRecoveryAdmin(_ what: String) throws {
        guard roles.contains(.admin), recovery != nil else {
            try perform(AccessIntent(action: "key.rotate", purpose: .operations)) { _, _ in
                throw VaultError.notPermitted("\(what) needs an admin with --recovery-key FILE")
            }
            return
        }
    }

    private func continueAllClientsRun(_ run: RotationJobRow, progress: ((RotationProgress) -> Void)?) throws -> RotationSummary {
        try requireRecoveryAdmin("rotating every client's keys")
        let started = Date()
        // Clients whose care key is older than the run still need rotating.
        let todo = try vault.store.read { tx -> [(String, Int)] in
            try tx.clients().filter { $0.status == "active" }.compactMap { c in
                guard let k = try tx.currentDataKey(clientID: c.id, scope: .care, owner: "") else { return nil }
                return k.createdAt < run.startedAt ? (c.id, try tx.records(clientID: c.id).count) : nil
            }
        }
        let allClients = try vault.store.read { try $0.clients().filter { $0.status == "active" }.count }
        let totalRecords = todo.reduce(0) { $0 + $1.1 }
        var summary = RotationSummary(clients: 0, keysRotated: 0, recordsReEncrypted: 0, jobsResumed: 0)
        var recordsDone = 0
        var clientsDone = allClients - todo.count
        for (clientID, _) in todo {
            let s = try rotateClient(clientID) { p in
                progress?(RotationProgress(clientsDone: clientsDone, clientsTotal: allClients, recordsDone: recordsDone + p.recordsDone,
                                           recordsTotal: totalRecords, elapsedSeconds: Date().timeIntervalSince(started)))
            }
            recordsDone += s.recordsReEncrypted
            clientsDone += 1
            summary.clients += 1
            summary.keysRotated += s.keysRotated
            summary.recordsReEncrypted += s.recordsReEncrypted
            summary.jobsResumed += s.jobsResumed
            progress?(RotationProgress(clientsDone: clientsDone, clientsTotal: allClients, recordsDone: recordsDone,
                                       recordsTotal: totalRecords, elapsedSeconds: Date().timeIntervalSince(started)))
        }
        try perform(AccessIntent(action: "key.rotate.all.finish", purpose: .operations)) { tx, _ in
            try tx.finishRotationJob(id: run.id, at: nowMillis)
        }
        return summary
    }

    /// Creates the new versions (one job per scope this user can unwrap), in one transaction.
    private func startJobs(clientID: String) throws -> [RotationJobRow] {
        try perform(AccessIntent(action: "key.rotate.start", clientID: clientID, purpose: .operations)) { tx, intent in
            _ = try existingClient(tx, clientID)
            let onTeam = try isOnCareTeam(tx, clientID)
            guard (roles.contains(.therapist) && onTeam) || (roles.contains(.admin) && recovery != nil) else {
                throw VaultError.notPermitted("rotating client \(clientID)'s key needs a care-team therapist, or an admin with --recovery-key")
            }
            var jobs: [RotationJobRow] = []
            var owners: [(KeyScope, String)] = [(.care, "")]
            let psyOwners = Set(try tx.dataKeys(clientID: clientID).filter { $0.scope == .psychotherapy && $0.state != "destroyed" }.map(\.owner))
            for o in psyOwners.sorted() where recovery != nil || o == user { owners.append((.psychotherapy, o)) }
            for (scope, owner) in owners {
                guard let old = try tx.currentDataKey(clientID: clientID, scope: scope, owner: owner) else { continue }
                _ = try unwrap(tx, old)  // the actor must hold what it rotates
                let recipients: [String]
                if scope == .care {
                    let team = try tx.careTeam(clientID: clientID).filter { $0.state == "active" }.map(\.user)
                    recipients = team + (try clientKeyHolders(tx, clientID))
                } else {
                    recipients = (try tx.user(named: owner)).map { $0.isRemoved ? [] : [owner] } ?? []
                }
                for k in try tx.dataKeys(clientID: clientID) where k.scope == scope && k.owner == owner && k.state == "current" {
                    try tx.setDataKeyState(id: k.id, state: "retired")
                }
                let (new, _) = try createDataKey(tx, clientID: clientID, scope: scope, owner: owner, version: old.version + 1, recipients: recipients)
                let id = try tx.insertRotationJob(RotationJobRow(id: 0, clientID: clientID, scope: scope.rawValue, owner: owner,
                                                                 toKeyID: new.id, state: "running", actor: user, startedAt: nowMillis, finishedAt: 0))
                jobs.append(RotationJobRow(id: id, clientID: clientID, scope: scope.rawValue, owner: owner, toKeyID: new.id,
                                           state: "running", actor: user, startedAt: nowMillis, finishedAt: 0))
            }
            intent.value.successDetail = "versions:\(jobs.count)"
            return jobs
        }
    }

    /// A job's target: a signed version of the job's own client, scope and owner. Records are
    /// sealed under it only while it is the newest; a job a later rotation superseded is only
    /// closed. Nothing is ever sealed under any other key.
    /// - Throws: ``VaultError`` bad data (65) for a key of another client, scope or owner, or
    ///   one no therapist or admin signed.
    func rotationTarget(_ tx: any StoreTransaction, _ job: RotationJobRow) throws -> (key: DataKeyRow, superseded: Bool) {
        guard let target = try tx.dataKey(id: job.toKeyID), target.clientID == job.clientID,
              target.scope.rawValue == job.scope, target.owner == job.owner else {
            throw VaultError.badData("rotation job \(job.id) names a key that is not of its client, scope and owner; the vault was tampered with")
        }
        try requireSignedKey(tx, target)
        let newest = try tx.dataKeys(clientID: job.clientID).filter { $0.scope == target.scope && $0.owner == target.owner }.map(\.version).max()
        return (target, newest != target.version || target.state == "destroyed")
    }

    /// Re-encrypts batch after batch, then destroys the older versions. Returns records moved.
    func runJob(_ job: RotationJobRow, report: (Int) -> Void) throws -> Int {
        var moved = 0
        while true {
            let n = try perform(AccessIntent(action: "key.rotate.batch", clientID: job.clientID, purpose: .operations)) { tx, intent in
                let (target, superseded) = try rotationTarget(tx, job)
                if superseded { return 0 }
                let older = try tx.dataKeys(clientID: job.clientID)
                    .filter { $0.scope == target.scope && $0.owner == target.owner && $0.version < target.version && $0.state != "destroyed" }
                let batch = try tx.records(keyIDs: older.map(\.id), limit: Self.rotationBatch)
                if batch.isEmpty { return 0 }
                let newSecret = try unwrap(tx, target)
                for rec in batch {
                    let oldSecret = try recordKeySecret(tx, rec)
                    let plain = try openRecord(tx, rec)
                    var moved = rec
                    moved.keyID = target.id
                    moved.keyVersion = target.version
                    moved = try sealed(moved, secret: newSecret, plaintext: plain)
                    try tx.updateRecordKey(id: rec.id, keyID: target.id, keyVersion: target.version, ciphertext: moved.ciphertext)
                    if rec.kind == .agreement {
                        try resealAcknowledgements(tx, from: rec, to: moved, oldKey: oldSecret, newKey: newSecret)
                    }
                }
                intent.value.successDetail = "records:\(batch.count)"
                return batch.count
            }
            if n == 0 { break }
            moved += n
            report(n)
        }
        try perform(AccessIntent(action: "key.rotate.finish", clientID: job.clientID, purpose: .operations)) { tx, intent in
            let (target, superseded) = try rotationTarget(tx, job)
            let older = superseded ? [] : try tx.dataKeys(clientID: job.clientID)
                .filter { $0.scope == target.scope && $0.owner == target.owner && $0.version < target.version && $0.state != "destroyed" }
            for k in older {
                guard try tx.recordCount(keyID: k.id) == 0 else {
                    throw VaultError.internalError("key version \(k.version) of client \(job.clientID) still protects records; run the rotation again")
                }
                try tx.deleteWraps(keyID: k.id)
                try tx.setDataKeyState(id: k.id, state: "destroyed")
            }
            try tx.finishRotationJob(id: job.id, at: nowMillis)
            intent.value.successDetail = "destroyed:\(older.map { String($0.version) }.joined(separator: ","))"
        }
        return moved
    }
}
