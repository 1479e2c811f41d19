import Foundation
import VaultCrypto

extension Session {
    /// Records a client's request for a copy of its records (164.524(b)): due 30 days after the
    /// day it was received (`input.receivedOn`, default today). By the client itself, or by staff
    /// on its behalf (care-team therapist, admin). The received day, the form asked for and a
    /// signed direction to send the copy to a third party are sealed request events; the
    /// plaintext row holds only the due instant and the state.
    public func requestExport(clientID: String, _ input: AccessRequestInput = AccessRequestInput()) throws(VaultError) -> ExportRequestRow {
        try perform(AccessIntent(action: "export.request", clientID: clientID, purpose: .patientRequest)) { tx, intent in
            _ = try existingClient(tx, clientID)
            try requireActsFor(tx, clientID: clientID, intent: intent, "request an export")
            let received = try receivedDay(tx, clientID: clientID, given: input.receivedOn)
            guard let dueDay = RequestDeadline.adding(RequestKind.access.dueDays, to: received), let due = RequestDeadline.dueAt(dueDay) else {
                throw VaultError.usage("--received-on must be a date YYYY-MM-DD")
            }
            let row = ExportRequestRow(id: Self.newID(prefix: RequestKind.access.idPrefix), clientID: clientID, requestedBy: user,
                                       requestedAt: nowMillis, dueAt: due, state: "open", fulfilledAt: 0, fulfilledBy: "")
            intent.value.recordID = row.id
            try tx.insertExportRequest(row)
            try storeRequestEvent(tx, request: row, event: "receive", body: AccessReceipt(receivedOn: received, form: input.form?.rawValue, enteredBy: user))
            if let name = input.thirdParty {
                guard let direction = input.direction, !direction.isEmpty, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw VaultError.usage("a copy to a third party needs --to-third-party NAME and the client's signed direction, --direction-file F")
                }
                try storeRequestEvent(tx, request: row, event: "direct", body: AccessDirection(
                    thirdParty: name, directionSHA256: Encoding.hex(SHA256.hash(Array(direction))),
                    direction: direction.base64EncodedString(), recordedBy: user))
            }
            return row
        }
    }

    /// Access requests this user may see (all for admin/compliance, its clients' for a therapist,
    /// its own for a client), with the received day where this user can open it;
    /// `overdueOnly` keeps running (open or extended) requests past their due day.
    public func exportRequests(overdueOnly: Bool = false) throws(VaultError) -> [AccessRequestSummary] {
        try perform(AccessIntent(action: "export.requests", purpose: .operations)) { tx, _ in
            let me = try tx.user(named: user)
            let now = nowMillis
            return try tx.exportRequests().compactMap { r -> AccessRequestSummary? in
                guard RequestKind(id: r.id) == .access else { return nil }
                let overdue = RequestState.isOpen(r.state) && r.dueAt < now
                if overdueOnly && !overdue { return nil }
                let staff = roles.contains(.admin) || roles.contains(.compliance)
                let visible = try staff || (roles.contains(.client) ? me?.clientID == r.clientID : isOnCareTeam(tx, r.clientID))
                guard visible else { return nil }
                let received = try? requestEvents(tx, request: r, event: "receive", as: AccessReceipt.self).first?.receivedOn
                return AccessRequestSummary(id: r.id, clientID: r.clientID, requestedBy: r.requestedBy, requestedAt: Timestamp.iso(r.requestedAt),
                                            receivedOn: received ?? nil, due: RequestDeadline.dueDay(r), state: r.state, overdue: overdue)
            }
        }
    }

    /// Extends a running access request once by 30 days (164.524(b)(2)(iii)), before it is due,
    /// with the reason; the written notice to the client (reason and new date) is returned and
    /// kept sealed. A second extension is a usage error (64). Care-team therapists.
    public func extendExport(requestID: String, reason: String) throws(VaultError) -> AccessDecision {
        try perform(AccessIntent(action: "export.extend", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            let req = try accessRequest(tx, requestID, intent)
            try require(.therapist, "extending an access request")
            try requireCareTeam(tx, req.clientID)
            let why = try accessText(reason, "--reason")
            guard req.state != "extended" else {
                throw VaultError.usage("access request \(requestID) was already extended once; the law allows one 30-day extension only")
            }
            guard req.state == "open" else { throw VaultError.usage("access request \(requestID) is \(req.state); only a running request can be extended") }
            guard nowMillis <= req.dueAt else {
                throw VaultError.usage("access request \(requestID) was due \(RequestDeadline.dueDay(req)); an extension must be given before the due day ends")
            }
            let old = RequestDeadline.dueDay(req)
            guard let day = RequestDeadline.adding(RequestKind.extensionDays, to: old), let due = RequestDeadline.dueAt(day) else {
                throw VaultError.badData("access request \(requestID) has no valid due day")
            }
            let notice = "Notice of extension — \(meta.practice)\n\nWe need more time to act on your request \(requestID) for a copy of your records.\n"
                + "Reason: \(why)\nWe will act on it by \(day) (it was due \(old)). The law allows one extension of 30 days."
            var row = req
            row.dueAt = due
            row.state = "extended"
            try tx.updateExportRequest(row)
            try storeRequestEvent(tx, request: row, event: "extend", body: AccessExtension(
                reason: why, previousDue: old, due: day, by: user, on: accessToday, notice: notice, noticeRecorded: true))
            return AccessDecision(requestID: requestID, due: day, state: row.state, notice: notice)
        }
    }

    /// Denies a running access request on `ground` (164.524(a)): in whole (state `denied`), or
    /// with `records` only those records (they are withheld on that ground at fulfilment and the
    /// request stays open for the rest). The denial notice (164.524(d)(2)) is returned and kept
    /// sealed. Care-team therapists.
    public func denyExport(requestID: String, ground: DenialGround, reason: String, records: [String]? = nil) throws(VaultError) -> AccessDecision {
        try perform(AccessIntent(action: "export.deny", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            let req = try accessRequest(tx, requestID, intent)
            try require(.therapist, "denying an access request")
            try requireCareTeam(tx, req.clientID)
            let why = try accessText(reason, "--reason")
            guard RequestState.isOpen(req.state) else { throw VaultError.usage("access request \(requestID) is \(req.state); only a running request can be denied") }
            if let records {
                guard !records.isEmpty else { throw VaultError.usage("--records needs at least one record id") }
                for rid in records { try requireExportable(tx, rid, clientID: req.clientID) }
            }
            let notice = DenialNotice.text(practice: meta.practice, requestID: requestID, ground: ground, reason: why, records: records, date: accessToday)
            try storeRequestEvent(tx, request: req, event: "deny", body: AccessDenial(
                id: Self.newID(prefix: "d"), ground: ground, reason: why, records: records, by: user, on: accessToday, notice: notice))
            var row = req
            if records == nil {
                row.state = "denied"
                try tx.updateExportRequest(row)
            }
            return AccessDecision(requestID: requestID, due: RequestDeadline.dueDay(row), state: row.state, notice: notice)
        }
    }

    /// The access request `id` (66 if none, or if it is of another kind); sets the intent's client.
    func accessRequest(_ tx: any StoreTransaction, _ id: String, _ intent: IntentBox) throws -> ExportRequestRow {
        guard RequestKind(id: id) == .access, let req = try tx.exportRequest(id: id) else {
            throw VaultError.notFound("no access request '\(id)'; 'confidant export requests' lists them")
        }
        intent.value.clientID = req.clientID
        _ = try existingClient(tx, req.clientID)
        return req
    }

    /// A record of the client that an export carries (a note or an agreement); 66 otherwise.
    func requireExportable(_ tx: any StoreTransaction, _ rid: String, clientID: String) throws {
        guard let r = try tx.record(id: rid), r.clientID == clientID, [RecordKind.progress, .psychotherapy, .agreement].contains(r.kind) else {
            throw VaultError.notFound("no note or agreement '\(rid)' of client \(clientID)")
        }
    }

    func accessText(_ text: String, _ flag: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw VaultError.usage("\(flag) must not be empty") }
        return t
    }

    var accessToday: String { CalendarDate.string(from: vault.now()) }
}
