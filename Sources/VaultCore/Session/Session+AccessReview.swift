import Foundation
import VaultCrypto

extension Session {
    /// Reviews the latest unreviewed denial of an access request (164.524(a)(4)): only a
    /// reviewable one (64 otherwise), by a care-team therapist who took no part in the request
    /// (entered, extended or denied it; 77 otherwise) — or, for a practice with no second
    /// therapist, recorded with an outside reviewer's name and written decision (sealed).
    /// `overturn` reopens a whole denial (and lifts a partial one) for fulfilment; `uphold`
    /// keeps it.
    public func reviewExportDenial(requestID: String, decision: ReviewDecision, external: ExternalReview? = nil) throws(VaultError) -> AccessDecision {
        try perform(AccessIntent(action: "export.review-denial", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            let req = try accessRequest(tx, requestID, intent)
            try require(.therapist, "reviewing a denial of access")
            try requireCareTeam(tx, req.clientID)
            let denials = try requestEvents(tx, request: req, event: "deny", as: AccessDenial.self)
            let reviews = try requestEvents(tx, request: req, event: "review", as: AccessDenialReview.self)
            guard let denial = denials.last(where: { d in !reviews.contains { $0.denialID == d.id } }) else {
                throw VaultError.usage("access request \(requestID) has no denial waiting for review")
            }
            guard denial.ground.reviewable else {
                throw VaultError.usage("a denial on the ground \(denial.ground.rawValue) cannot be reviewed (45 CFR 164.524(a)(1)-(2))")
            }
            var review = AccessDenialReview(denialID: denial.id, decision: decision, reviewer: user, external: false,
                                            recordedBy: user, on: accessToday, decisionSHA256: nil, decisionFile: nil)
            if let external {
                review.reviewer = try accessText(external.reviewer, "--external-reviewer")
                review.external = true
                review.decisionSHA256 = Encoding.hex(SHA256.hash(Array(external.decisionFile)))
                review.decisionFile = external.decisionFile.base64EncodedString()
            } else if try accessParticipants(tx, req).contains(user) {
                throw VaultError.notPermitted("\(user) took part in access request \(requestID) (entered, extended or denied it); "
                    + "a therapist who took no part must review the denial, or record an outside reviewer with --external-reviewer NAME --file DECISION")
            }
            try storeRequestEvent(tx, request: req, event: "review", body: review)
            var row = req
            if decision == .overturn && denial.records == nil && req.state == "denied" {
                let extended = try !requestEvents(tx, request: req, event: "extend", as: AccessExtension.self).isEmpty
                row.state = extended ? "extended" : "open"
                try tx.updateExportRequest(row)
            }
            return AccessDecision(requestID: requestID, due: RequestDeadline.dueDay(row), state: row.state, notice: nil)
        }
    }

    /// Everyone who acted on a request: entered, extended or denied it.
    private func accessParticipants(_ tx: any StoreTransaction, _ req: ExportRequestRow) throws -> Set<String> {
        var who: Set<String> = [req.requestedBy]
        for r in try requestEvents(tx, request: req, event: "receive", as: AccessReceipt.self) { who.insert(r.enteredBy) }
        for e in try requestEvents(tx, request: req, event: "extend", as: AccessExtension.self) { who.insert(e.by) }
        for d in try requestEvents(tx, request: req, event: "deny", as: AccessDenial.self) { who.insert(d.by) }
        return who
    }

    /// Checks that a request may be fulfilled now (running, not denied or done).
    func requireFulfillable(_ req: ExportRequestRow) throws {
        guard RequestKind(id: req.id) == .access else {
            throw VaultError.notFound("no export request '\(req.id)'; 'confidant export requests' lists them")
        }
        if req.state == "denied" {
            throw VaultError.usage("access request \(req.id) was denied; a reviewer who overturns the denial reopens it ('confidant export review-denial')")
        }
        guard RequestState.isOpen(req.state) else { throw VaultError.usage("export request \(req.id) was already fulfilled") }
    }

    /// Applies the request's decisions to the export: the records withheld at fulfilment
    /// (`withhold`, record id → ground) and those of partial denials not overturned on review
    /// leave the notes and agreements and are listed as withheld with their ground; a copy to a
    /// third party must match the client's signed direction on file (77 otherwise) and is named.
    func applyAccessDecisions(_ tx: any StoreTransaction, _ req: ExportRequestRow, _ records: inout ExportRecords,
                              withhold: [String: DenialGround], thirdParty: String?) throws {
        var grounds: [String: DenialGround] = [:]
        let reviews = try requestEvents(tx, request: req, event: "review", as: AccessDenialReview.self)
        for d in try requestEvents(tx, request: req, event: "deny", as: AccessDenial.self)
        where !reviews.contains(where: { $0.denialID == d.id && $0.decision == .overturn }) {
            for rid in d.records ?? [] { grounds[rid] = d.ground }
        }
        for (rid, g) in withhold {
            try requireExportable(tx, rid, clientID: req.clientID)
            grounds[rid] = g
        }
        let practice = meta.practice
        for (rid, g) in grounds.sorted(by: { $0.key < $1.key }) where !records.withheld.contains(where: { $0.id == rid }) {
            guard let r = try tx.record(id: rid) else { continue }
            records.notes.removeAll { $0.id == rid }
            records.agreements.removeAll { $0.id == rid }
            records.withheld.append(ExportWithheld(id: rid, kind: r.kind.rawValue, author: r.author, reason: "\(g.meaning) (\(g.citation))",
                                                   ground: g.rawValue, reviewable: g.reviewable, howToAskForReview: g.howToAskForReview(practice: practice)))
        }
        let receipt = try requestEvents(tx, request: req, event: "receive", as: AccessReceipt.self).first
        records.accessRequest = ExportAccessRequest(receivedOn: receipt?.receivedOn, due: RequestDeadline.dueDay(req), form: receipt?.form)
        guard let thirdParty else { return }
        let wanted = thirdParty.trimmingCharacters(in: .whitespaces).lowercased()
        let directions = try requestEvents(tx, request: req, event: "direct", as: AccessDirection.self)
        guard let d = directions.first(where: { $0.thirdParty.trimmingCharacters(in: .whitespaces).lowercased() == wanted }) else {
            throw VaultError.notPermitted("no signed direction from the client to send a copy to '\(thirdParty)' is on file for request \(req.id); "
                + "record the request with 'confidant export request CLIENT --to-third-party NAME --direction-file F'")
        }
        records.accessRequest?.thirdParty = d.thirdParty
    }
}

extension ExportWithheld {
    /// A psychotherapy note, withheld unless its author includes it (164.524(a)(1)(i)).
    static func psychotherapyNote(_ s: RecordRow, ownNote: Bool, practice: String) -> ExportWithheld {
        let g = DenialGround.psychotherapyNotes
        return ExportWithheld(id: s.id, kind: s.kind.rawValue, author: s.author, reason: ownNote
            ? "psychotherapy note withheld by its author (\(g.citation)); you may ask \(practice) for it"
            : "psychotherapy note of another therapist (\(g.citation)); only its author can release it",
                              ground: g.rawValue, reviewable: false, howToAskForReview: nil)
    }
}
