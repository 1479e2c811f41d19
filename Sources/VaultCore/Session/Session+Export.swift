import Foundation
import VaultCrypto

extension Session {
    /// Records a client's request for a copy of its records, due 30 days later (164.524(b)(2)).
    /// By the client itself, or by staff on its behalf (care-team therapist, admin).
    public func requestExport(clientID: String) throws -> ExportRequestRow {
        try perform(AccessIntent(action: "export.request", clientID: clientID, purpose: .patientRequest)) { tx, intent in
            _ = try existingClient(tx, clientID)
            if roles.contains(.client) {
                guard try tx.user(named: user)?.clientID == clientID else {
                    throw VaultError.notPermitted("a client can request only its own records")
                }
            } else if !roles.contains(.admin) {
                try require(.therapist, "requesting an export")
                try requireCareTeam(tx, clientID)
            }
            let now = nowMillis
            let row = ExportRequestRow(id: Self.newID(prefix: "r"), clientID: clientID, requestedBy: user, requestedAt: now,
                                       dueAt: now + 30 * 86_400_000, state: "open", fulfilledAt: 0, fulfilledBy: "")
            intent.value.recordID = row.id
            try tx.insertExportRequest(row)
            return row
        }
    }

    /// Lists export requests this user may see (all for admin/compliance, its clients' for a
    /// therapist, its own for a client); `overdueOnly` keeps open requests past their due date.
    public func exportRequests(overdueOnly: Bool = false) throws -> [ExportRequestRow] {
        try perform(AccessIntent(action: "export.requests", purpose: .operations)) { tx, _ in
            let me = try tx.user(named: user)
            let now = nowMillis
            return try tx.exportRequests().filter { r in
                if overdueOnly && !(r.state == "open" && r.dueAt < now) { return false }
                if roles.contains(.admin) || roles.contains(.compliance) { return true }
                if roles.contains(.client) { return me?.clientID == r.clientID }
                return try isOnCareTeam(tx, r.clientID)
            }
        }
    }

    /// Fulfils an export request: writes the client's records as an age-encrypted ZIP to `sink`
    /// (see docs/export-format.md). The access entry is committed before any plaintext is
    /// produced; notes are decrypted one at a time and streamed, so memory stays flat.
    public func fulfilExport(requestID: String, includePsychotherapy: Bool, recipient: AgeRecipient,
                             sink: @escaping ([UInt8]) throws -> Void) throws -> ExportSummary {
        let plan = try perform(AccessIntent(action: "export.fulfill", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            guard let req = try tx.exportRequest(id: requestID) else {
                throw VaultError.notFound("no export request '\(requestID)'; 'confidant export requests' lists them")
            }
            intent.value.clientID = req.clientID
            try require(.therapist, "fulfilling an export")
            _ = try existingClient(tx, req.clientID)
            try requireCareTeam(tx, req.clientID)
            guard req.state == "open" else { throw VaultError.usage("export request \(requestID) was already fulfilled") }
            return try exportPlan(tx, clientID: req.clientID, includePsychotherapy: includePsychotherapy, requestID: requestID)
        }
        // The access entry is committed; now write. The request counts as fulfilled only once the
        // whole file was written; a failure is logged and the request stays open for a retry.
        do {
            let proof = try exportProof(clientID: plan.records.client.id)
            var records = plan.records
            records.accessReport = proof.access
            let summary = try ExportWriter(session: self, records: records, proof: proof.proof, auditRows: proof.rows)
                .write(recipient: recipient, sink: sink)
            try vault.store.write { tx in
                try tx.fulfilExportRequest(id: requestID, at: nowMillis, by: user)
                try append(tx, AccessIntent(action: "export.fulfilled", clientID: plan.records.client.id, recordID: requestID,
                                            purpose: .patientRequest), .success, "bytes:\(summary.bytes)")
            }
            return summary
        } catch {
            let kind = (error as? VaultError)?.kind ?? .internal
            _ = try? vault.store.write { tx in
                try append(tx, AccessIntent(action: "export.fulfilled", clientID: plan.records.client.id, recordID: requestID,
                                            purpose: .patientRequest), .error, kind.logCode)
            }
            throw error
        }
    }

    struct ExportPlan {
        var records: ExportRecords
    }

    private func exportPlan(_ tx: any StoreTransaction, clientID: String, includePsychotherapy: Bool, requestID: String) throws -> ExportPlan {
        let profile = try self.profile(tx, clientID)
        var notes: [ExportNote] = []
        var withheld: [ExportWithheld] = []
        var agreements: [ExportAgreement] = []
        for summary in try tx.recordSummaries(clientID: clientID) {
            guard [RecordKind.progress, .psychotherapy, .agreement].contains(summary.kind) else { continue }
            if summary.kind == .psychotherapy && !(includePsychotherapy && summary.author == user) {
                withheld.append(ExportWithheld(id: summary.id, kind: summary.kind.rawValue, author: summary.author, reason: summary.author == user
                    ? "psychotherapy note withheld by its author (45 CFR 164.524(a)(1)(i)); release it with --include-psychotherapy"
                    : "psychotherapy note of another therapist (45 CFR 164.524(a)(1)(i)); only its author can release it"))
                continue
            }
            guard let rec = try tx.record(id: summary.id) else { continue }
            switch rec.kind {
            case .progress, .psychotherapy:
                let plain = try openRecord(tx, rec)
                notes.append(ExportNote(id: rec.id, kind: rec.kind.rawValue, author: rec.author, createdAt: Timestamp.iso(rec.createdAt),
                                        file: "notes/\(rec.id).txt", sha256: Encoding.hex(SHA256.hash(plain)), bytes: plain.count))
            case .agreement:
                let a = try agreement(tx, rec)
                guard let body = a.body else { continue }
                agreements.append(ExportAgreement(id: a.id, kind: a.kind, version: a.version, author: a.author, createdAt: a.createdAt,
                                                  body: body, acknowledgements: try acknowledgements(tx, rec)))
            default:
                continue
            }
        }
        var disclosures: [ExportDisclosure] = []
        let cutoff = CalendarDate.string(from: vault.now().addingTimeInterval(-6 * 365.2425 * 86400))
        for e in try tx.logEntries(matching: LogFilter(clientID: clientID, action: "disclosure.add", outcome: Outcome.success.rawValue)) {
            guard let row = try tx.record(id: e.recordID), row.kind == .disclosure else {
                throw VaultError.badData("disclosure \(e.recordID) (log entry \(e.seq)) is missing from the vault")
            }
            let plain = try openRecord(tx, row)
            guard Self.disclosureDigest(plain) == e.detail else { throw VaultError.badData("disclosure \(e.recordID) was altered") }
            let b = try JSONDecoder().decode(DisclosureBody.self, from: Data(plain))
            if b.date >= cutoff {
                disclosures.append(ExportDisclosure(id: row.id, date: b.date, recipientName: b.recipientName, recipientAddress: b.recipientAddress,
                                                    description: b.description, purpose: b.purpose, basis: b.basis,
                                                    clientInformed: b.clientInformed, logSeq: e.seq))
            }
        }
        disclosures.sort { ($0.date, $0.logSeq) > ($1.date, $1.logSeq) }
        let records = ExportRecords(format: "confidant-export/v1", practice: meta.practice, vaultId: Encoding.hex(meta.vaultID),
                                    exportedAt: Timestamp.iso(nowMillis), exportedBy: user, requestId: requestID,
                                    client: ExportClient(id: clientID, name: profile.name, dateOfBirth: profile.dateOfBirth, contact: profile.contact),
                                    notes: notes, agreements: agreements, disclosures: disclosures, accessReport: [], withheld: withheld)
        return ExportPlan(records: records)
    }

    /// A signed checkpoint of the current log and, for every entry about the client, its bytes,
    /// signature and inclusion proof.
    private func exportProof(clientID: String) throws -> (proof: ExportProof, access: [ExportAccess], rows: [LogRow]) {
        try vault.store.read { tx in
            guard let head = try tx.latestTreeHead() else { throw VaultError.badData("the access log is empty") }
            let size = Int(head.size)
            // Which entries are about this client (a filtered query), then one streaming pass
            // over every leaf hash to build their proofs in ~32 bytes per leaf pair.
            let about = try tx.logEntries(matching: LogFilter(clientID: clientID)).filter { $0.seq <= Int64(size) }
            var builder = MerkleProofBuilder(indexes: about.map { Int($0.seq) - 1 })
            var seen = 0
            var after: Int64 = 0
            while seen < size {
                let hashes = try tx.leafHashes(after: after, limit: min(65536, size - seen))
                if hashes.isEmpty { break }
                for h in hashes { builder.append(h.1) }
                seen += hashes.count
                after = hashes.last?.0 ?? after
            }
            guard seen == size, builder.finish() == head.root else {
                throw VaultError.badData("the access log does not match its tree head; run 'confidant log verify'")
            }
            guard let logKey = try tx.dataKey(id: meta.logKeyID) else { throw VaultError.badData("the vault's log key is missing") }
            let pair = try Ed25519KeyPair(seed: try unwrap(tx, logKey))
            let checkpoint = Checkpoint.sign(vaultID: meta.vaultID, size: size, root: head.root, time: vault.now(), key: pair)
            var keys: [String: [String]] = [:]
            for signer in Set(about.map(\.signer)) where !signer.isEmpty {
                keys[signer] = try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: signer).map { Encoding.base64($0) }
            }
            let entries = about.map { r in
                ExportProofEntry(seq: r.seq, entry: Encoding.base64(r.entry), leafHash: Encoding.hex(r.leafHash), signer: r.signer,
                                 signature: Encoding.base64(r.signature),
                                 inclusionProof: builder.proof(index: Int(r.seq) - 1).map { Encoding.hex($0) })
            }
            let proof = ExportProof(format: "confidant-export-proof/v1", logPublicKey: Encoding.base64(logKey.publicKey),
                                    checkpoint: checkpoint.text(publicKey: logKey.publicKey), treeSize: size,
                                    rootHash: Encoding.base64(head.root), signingKeys: keys, entries: entries)
            let access = about.map { ExportAccess(seq: $0.seq, time: Timestamp.iso($0.time), actor: $0.actor, action: $0.action,
                                                  record: $0.recordID, purpose: $0.purpose, outcome: $0.outcome) }
            return (proof, access, about)
        }
    }

    /// One note's plaintext, for the export writer (the export's access entry covers it).
    func exportNotePlaintext(_ id: String) throws -> [UInt8] {
        try vault.store.read { tx in
            guard let rec = try tx.record(id: id) else { throw VaultError.badData("note \(id) disappeared during the export") }
            return try openRecord(tx, rec)
        }
    }
}
