import Foundation
import VaultCrypto

extension Session {
    /// Records a client's request to amend records (45 CFR 164.526(b)), due 60 days after
    /// `receivedOn` (today when nil). By the client, its representative, or staff on its behalf;
    /// the requested change is sealed as the request's first event.
    /// - Throws: ``VaultError`` not found (66: a record not the client's), usage (64: no records,
    ///   empty text, a bad date), not permitted (77).
    public func requestAmendment(clientID: String, recordIDs: [String], text: String, receivedOn: String?) throws(VaultError) -> AmendmentSummary {
        try perform(AccessIntent(action: "amendment.request", clientID: clientID, purpose: .patientRequest)) { tx, intent in
            _ = try existingClient(tx, clientID)
            try requireActsFor(tx, clientID: clientID, intent: intent, "request an amendment")
            guard !recordIDs.isEmpty else { throw VaultError.usage("--records must name at least one record to amend") }
            _ = try amendableRecords(tx, clientID: clientID, recordIDs)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw VaultError.usage("the requested amendment is empty; give --file with what should change and why")
            }
            let received = try receivedDay(tx, clientID: clientID, given: receivedOn)
            guard let dueOn = RequestDeadline.adding(RequestKind.amendment.dueDays, to: received), let dueAt = RequestDeadline.dueAt(dueOn) else {
                throw VaultError.usage("--received-on must be a date YYYY-MM-DD")
            }
            let row = ExportRequestRow(id: Self.newID(prefix: RequestKind.amendment.idPrefix), clientID: clientID, requestedBy: user,
                                       requestedAt: nowMillis, dueAt: dueAt, state: "open", fulfilledAt: 0, fulfilledBy: "")
            intent.value.recordID = row.id
            try tx.insertExportRequest(row)
            let body = AmendmentRequestBody(recordIds: recordIDs, text: text, receivedOn: received)
            try storeRequestEvent(tx, request: row, event: "request", body: body)
            return AmendmentSummary(id: row.id, clientId: clientID, state: row.state, receivedOn: received, dueOn: dueOn,
                                    recordIds: recordIDs, text: text)
        }
    }

    /// Extends an open amendment request once by 30 days, with the reason the client is told
    /// (164.526(b)(2)(ii)); a second extension is 64. Care-team therapist.
    public func extendAmendment(requestID: String, reason: String) throws(VaultError) -> AmendmentSummary {
        try TextInput.validate(reason, field: "--reason")
        return try perform(AccessIntent(action: "amendment.extend", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            var row = try amendmentRequest(tx, requestID)
            intent.value.clientID = row.clientID
            try require(.therapist, "extending an amendment request")
            try requireCareTeam(tx, row.clientID)
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--reason must say why the decision is delayed") }
            guard row.state == "open" else {
                throw VaultError.usage(row.state == "extended" ? "amendment request \(requestID) was already extended; it may be extended once (45 CFR 164.526(b)(2)(ii))"
                                                               : "amendment request \(requestID) was already decided (\(row.state))")
            }
            guard let dueOn = RequestDeadline.adding(RequestKind.extensionDays, to: RequestDeadline.dueDay(row)),
                  let dueAt = RequestDeadline.dueAt(dueOn) else { throw VaultError.badData("request \(requestID) has no valid due date") }
            row.dueAt = dueAt
            row.state = "extended"
            try tx.updateExportRequest(row)
            try storeRequestEvent(tx, request: row, event: "extend", body: AmendmentExtensionBody(reason: reason, dueOn: dueOn))
            var out = try amendmentSummary(tx, row)
            out.reason = reason
            return out
        }
    }

    /// Decides an open amendment request (care-team therapist). Accepting links an addendum with
    /// `text` (else the request's own text) to each record (164.526(c)); denying records the
    /// 164.526(a)(2) ground and the reason (164.526(d)). Deciding twice is 64.
    public func decideAmendment(requestID: String, accept: Bool, ground: AmendmentDenialGround?, reason: String,
                                text: String?) throws(VaultError) -> AmendmentSummary {
        try TextInput.validate(reason, field: "--reason")
        return try perform(AccessIntent(action: "amendment.decide", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            var row = try amendmentRequest(tx, requestID)
            intent.value.clientID = row.clientID
            try require(.therapist, "deciding an amendment request")
            try requireCareTeam(tx, row.clientID)
            guard RequestState.isOpen(row.state) else { throw VaultError.usage("amendment request \(requestID) was already decided (\(row.state))") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--reason must not be empty") }
            guard accept || ground != nil else {
                throw VaultError.usage("a denial needs --ground, one of \(AmendmentDenialGround.codes) (45 CFR 164.526(a)(2))")
            }
            let request = try amendmentBody(tx, row)
            var made: [String] = []
            if accept {
                for record in try amendableRecords(tx, clientID: row.clientID, request.recordIds) {
                    made.append(try storeAddendum(tx, kind: .addendum, on: [record], text: text ?? request.text, requestID: requestID).id)
                }
            }
            row.state = accept ? "accepted" : "refused"
            row.fulfilledAt = nowMillis
            row.fulfilledBy = user
            try tx.updateExportRequest(row)
            let decision = AmendmentDecisionBody(state: row.state, ground: accept ? nil : ground?.rawValue, reason: reason, addenda: made)
            try storeRequestEvent(tx, request: row, event: "decide", body: decision)
            var out = try amendmentSummary(tx, row)
            (out.ground, out.reason, out.addenda) = (decision.ground, reason, made)
            return out
        }
    }

    /// Files the client's statement of disagreement with a denial (164.526(d)(1)(ii)), linked to
    /// the request and its records; before a denial, or a second time, 64.
    public func fileDisagreement(requestID: String, text: String) throws(VaultError) -> NoteAddendum {
        try linkedStatement(.disagreement, requestID: requestID, text: text)
    }

    /// Files the practice's rebuttal of the client's statement of disagreement (164.526(d)(3));
    /// the client is given a copy. Care-team therapist; without a statement, or twice, 64.
    public func fileRebuttal(requestID: String, text: String) throws(VaultError) -> NoteAddendum {
        try linkedStatement(.rebuttal, requestID: requestID, text: text)
    }

    private func linkedStatement(_ kind: AddendumKind, requestID: String, text: String) throws(VaultError) -> NoteAddendum {
        try perform(AccessIntent(action: "amendment.\(kind == .disagreement ? "disagree" : "rebut")", recordID: requestID,
                                 purpose: .patientRequest)) { tx, intent in
            let row = try amendmentRequest(tx, requestID)
            intent.value.clientID = row.clientID
            if kind == .disagreement {
                try requireActsFor(tx, clientID: row.clientID, "file a statement of disagreement")
            } else {
                try require(.therapist, "rebutting a statement of disagreement")
                try requireCareTeam(tx, row.clientID)
            }
            guard row.state == "refused" else {
                throw VaultError.usage("amendment request \(requestID) is \(row.state), not denied; a statement of disagreement follows a denial")
            }
            let filed = try addenda(tx, clientID: row.clientID).filter { $0.requestId == requestID }
            if filed.contains(where: { $0.kind == kind }) {
                throw VaultError.usage("a \(kind.title) was already filed for amendment request \(requestID)")
            }
            if kind == .rebuttal && !filed.contains(where: { $0.kind == .disagreement }) {
                throw VaultError.usage("amendment request \(requestID) has no statement of disagreement to rebut")
            }
            let records = try amendableRecords(tx, clientID: row.clientID, try amendmentBody(tx, row).recordIds)
            let added = try storeAddendum(tx, kind: kind, on: records, text: text, requestID: requestID)
            intent.value.recordID = added.id
            return added
        }
    }

    /// An amendment request, opened for a care-team therapist, the client or its representative.
    public func amendment(requestID: String) throws(VaultError) -> AmendmentSummary {
        try perform(AccessIntent(action: "amendment.show", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            let row = try amendmentRequest(tx, requestID)
            intent.value.clientID = row.clientID
            try requireActsFor(tx, clientID: row.clientID, "read an amendment request")
            var out = try amendmentSummary(tx, row)
            if let d = try requestEvents(tx, request: row, event: "decide", as: AmendmentDecisionBody.self).last {
                (out.ground, out.reason, out.addenda) = (d.ground, d.reason, d.addenda)
            }
            return out
        }
    }

    private func amendmentRequest(_ tx: any StoreTransaction, _ id: String) throws -> ExportRequestRow {
        guard RequestKind(id: id) == .amendment, let row = try tx.exportRequest(id: id) else {
            throw VaultError.notFound("no amendment request '\(id)'; 'confidant export requests' lists requests")
        }
        return row
    }

    private func amendmentBody(_ tx: any StoreTransaction, _ row: ExportRequestRow) throws -> AmendmentRequestBody {
        guard let body = try requestEvents(tx, request: row, event: "request", as: AmendmentRequestBody.self).first else {
            throw VaultError.badData("amendment request \(row.id) has lost its sealed text; restore it from a backup")
        }
        return body
    }

    private func amendmentSummary(_ tx: any StoreTransaction, _ row: ExportRequestRow) throws -> AmendmentSummary {
        let body = try amendmentBody(tx, row)
        return AmendmentSummary(id: row.id, clientId: row.clientID, state: row.state, receivedOn: body.receivedOn,
                                dueOn: RequestDeadline.dueDay(row), recordIds: body.recordIds, text: body.text)
    }

    /// The records named, each a note or agreement of the client (66 otherwise).
    private func amendableRecords(_ tx: any StoreTransaction, clientID: String, _ ids: [String]) throws -> [RecordRow] {
        try ids.map { rid in
            guard let rec = try tx.record(id: rid), rec.clientID == clientID,
                  [RecordKind.progress, .psychotherapy, .agreement].contains(rec.kind) else {
                throw VaultError.notFound("no note or agreement '\(rid)' of client \(clientID)")
            }
            return rec
        }
    }
}
