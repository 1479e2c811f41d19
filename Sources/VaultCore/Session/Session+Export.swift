import Foundation
import VaultCrypto

extension Session {
    // Requesting, listing, extending, denying and reviewing: Session+AccessRequests.swift.

    /// Fulfils an export request: writes the client's records as an age-encrypted ZIP to `sink`
    /// (see docs/export-format.md). The access entry is committed before any plaintext is
    /// produced; notes are decrypted one at a time and streamed, so memory stays flat.
    /// `withhold` (record id → ground) and partial denials withhold records; `thirdParty` must
    /// match the client's signed direction on file.
    public func fulfilExport(requestID: String, includePsychotherapy: Bool, withhold: [String: DenialGround] = [:], thirdParty: String? = nil,
                             recipient: AgeRecipient, sink: @escaping ([UInt8]) throws -> Void) throws -> ExportSummary {
        var plan = try perform(AccessIntent(action: "export.fulfill", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            guard let req = try tx.exportRequest(id: requestID) else {
                throw VaultError.notFound("no export request '\(requestID)'; 'confidant export requests' lists them")
            }
            intent.value.clientID = req.clientID
            try require(.therapist, "fulfilling an export")
            _ = try existingClient(tx, req.clientID)
            try requireCareTeam(tx, req.clientID)
            try requireFulfillable(req)
            var plan = try exportPlan(tx, clientID: req.clientID, includePsychotherapy: includePsychotherapy, requestID: requestID)
            try applyAccessDecisions(tx, req, &plan.records, withhold: withhold, thirdParty: thirdParty)
            plan.hidden = try applyRepresentativeScope(tx, req, &plan.records)
            return plan
        }
        // The access entry is committed; now write. Once every file but proof.json is written,
        // its manifest hash is signed into the `export.fulfilled` entry, the request counts as
        // fulfilled, and proof.json (proving that entry too) ends the archive. A failure is
        // logged; before the manifest is signed the request stays open for a retry.
        defer { plan.attachments.wipe() }
        let clientID = plan.records.client.id
        let done = AccessIntent(action: "export.fulfilled", clientID: clientID, recordID: requestID, purpose: .patientRequest)
        do {
            let (all, logKey) = try exportStart(clientID: clientID)
            let about = all.filter { !plan.hidden.contains($0.recordID) }
            var records = plan.records
            records.accessReport = about.map(ExportAccess.init(row:))
            let writer = ExportWriter(session: self, records: records, attachments: plan.attachments.files, auditRows: about) { digest in
                let entry = try self.vault.store.write { tx in
                    guard RequestState.isOpen(try tx.exportRequest(id: requestID)?.state ?? "") else {
                        throw VaultError.usage("export request \(requestID) was fulfilled by another process meanwhile")
                    }
                    try tx.fulfilExportRequest(id: requestID, at: self.nowMillis, by: self.user)
                    return try self.append(tx, done, .success, ExportManifest.entryDetail(digest: digest))
                }
                return try self.exportProof(rows: about, manifestSeq: entry.seq, logKey: logKey)
            }
            return try writer.write(recipient: recipient, sink: sink)
        } catch {
            // A failure while writing is an error whatever its kind (the request may stay open).
            throw logRefusal(done, error, outcome: .error)
        }
    }

    struct ExportPlan {
        var records: ExportRecords
        /// Records outside a representative's scope: their access entries are left out too.
        var hidden: Set<String> = []
        /// The bytes of the signed copies and accountings records.json points to.
        var attachments = ExportAttachments()
    }

    private func exportPlan(_ tx: any StoreTransaction, clientID: String, includePsychotherapy: Bool, requestID: String) throws -> ExportPlan {
        let profile = try self.profile(tx, clientID)
        var notes: [ExportNote] = []
        var withheld: [ExportWithheld] = []
        var agreements: [ExportAgreement] = []
        for summary in try tx.recordSummaries(clientID: clientID) {
            guard [RecordKind.progress, .psychotherapy, .agreement].contains(summary.kind) else { continue }
            if summary.kind == .psychotherapy && !(includePsychotherapy && summary.author == user) {
                withheld.append(.psychotherapyNote(summary, ownNote: summary.author == user, practice: meta.practice))
                continue
            }
            guard let rec = try tx.record(id: summary.id) else { continue }
            switch rec.kind {
            case .progress, .psychotherapy:
                let note = try openNoteRecord(tx, rec)
                notes.append(ExportNote(id: rec.id, kind: rec.kind.rawValue, author: rec.author, createdAt: Timestamp.iso(rec.createdAt),
                                        file: "notes/\(rec.id).txt", sha256: Encoding.hex(SHA256.hash(note.text)), bytes: note.text.count,
                                        labels: SecurityLabel.codes(kind: rec.kind.rawValue) + note.labels.map(\.rawValue)))
            case .agreement:
                let a = try agreement(tx, rec)
                guard let body = a.body else { continue }
                agreements.append(ExportAgreement(id: a.id, kind: a.kind, version: a.version, author: a.author, createdAt: a.createdAt,
                                                  body: body, acknowledgements: try acknowledgements(tx, rec)))
            default:
                continue
            }
        }
        let disclosures = try exportDisclosures(tx, clientID: clientID)
        var records = ExportRecords(format: "confidant-export/v1", practice: meta.practice, vaultId: Encoding.hex(meta.vaultID),
                                    exportedAt: Timestamp.iso(nowMillis), exportedBy: user, requestId: requestID,
                                    client: ExportClient(id: clientID, name: profile.name, dateOfBirth: profile.dateOfBirth, contact: profile.contact),
                                    notes: notes, agreements: agreements, disclosures: disclosures, accessReport: [], withheld: withheld)
        records.addenda = try exportAddenda(tx, clientID: clientID, records: Set(notes.map(\.id) + agreements.map(\.id)))
        var attachments = ExportAttachments()
        try exportRecordSet(tx, clientID: clientID, into: &records, attachments: &attachments)
        return ExportPlan(records: records, attachments: attachments)
    }

    /// One note's plaintext, for the export writer (the export's access entry covers it).
    func exportNotePlaintext(_ id: String) throws -> [UInt8] {
        try vault.store.read { tx in
            guard let rec = try tx.record(id: id) else { throw VaultError.badData("note \(id) disappeared during the export") }
            return try openNoteRecord(tx, rec).text
        }
    }

    /// The client's accounting as its export carries it, newest first: accountable disclosures
    /// (not under an exclusion or an authorization) dated or entered in the last six years, none
    /// held by a suspension (164.528(a)(2)); one a restore lost is listed from its entry.
    private func exportDisclosures(_ tx: any StoreTransaction, clientID: String) throws -> [ExportDisclosure] {
        var out: [ExportDisclosure] = []
        let cutoff = RetentionPolicy.accountingCutoff(now: vault.now())
        let today = CalendarDate.string(from: vault.now())
        let held = try suspensions(tx, clientID: clientID, audit: nil)
        let restoredAt = try lastRestore(tx)
        for e in try disclosureEntries(tx, clientID: clientID) {
            let b: DisclosureBody
            if let row = try tx.record(id: e.recordID), row.kind == .disclosure {
                b = try disclosureBody(tx, row, entry: e, audit: nil)
            } else if let restoredAt, e.seq < restoredAt {
                b = try lostDisclosureBody(e, audit: nil)
            } else {
                throw VaultError.badData("disclosure \(e.recordID) (log entry \(e.seq)) is missing from the vault")
            }
            let entered = CalendarDate.string(from: Date(timeIntervalSince1970: Double(e.time) / 1000))
            guard b.date >= cutoff || entered >= cutoff, b.accountable,
                  !held.contains(where: { $0.holds(recipient: b.recipientName, today: today) }) else { continue }
            out.append(ExportDisclosure(id: e.recordID, date: b.date, recipientName: b.recipientName, recipientAddress: b.recipientAddress,
                                        description: b.description, purpose: b.purpose, basis: b.basis,
                                        clientInformed: b.clientInformed, logSeq: e.seq))
        }
        return out.sorted { ($0.date, $0.logSeq) > ($1.date, $1.logSeq) }
    }
}
