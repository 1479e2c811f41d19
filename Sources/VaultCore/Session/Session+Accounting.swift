import Foundation
import VaultCrypto

/// Accounting requests (45 CFR 164.528(c)): a client asks for the list of disclosures it is
/// owed; the practice answers within 60 days (one 30-day extension with a written reason) and
/// keeps what it delivered (Session+AccountingFulfil.swift).
extension Session {
    /// Records a client's request for an accounting of disclosures, received on `receivedOn`
    /// (default today), due 60 days later. `since` asks for a period shorter than six years
    /// (164.528(a)(3)); `fee` records a reasonable, cost-based fee, allowed only for a second or
    /// later request in 12 months (164.528(c)(2)). By the client itself or on its behalf.
    /// - Throws: ``VaultError`` usage (64) for a bad date or a fee on a free request; not found
    ///   (66) for an unknown client; not permitted (77) for a user who may not act for it.
    public func requestAccounting(clientID: String, receivedOn: String?, since: String?, fee: String?) throws(VaultError) -> AccountingReceipt {
        if let fee { try TextInput.validate(fee, field: "--fee") }
        return try perform(AccessIntent(action: "accounting.request", clientID: clientID, purpose: .patientRequest)) { tx, intent in
            _ = try existingClient(tx, clientID)
            try requireActsFor(tx, clientID: clientID, intent: intent, "request an accounting of disclosures")
            let received = try receivedDay(tx, clientID: clientID, given: receivedOn)
            if let since, let problem = AccountingPolicy.sinceProblem(since, received: received) { throw VaultError.usage(problem) }
            let earlier = try accountingBodies(tx, clientID: clientID).map(\.1.receivedOn)
            let count = AccountingPolicy.countIn12Months(earlier + [received], received: received)
            if fee != nil && count == 1 {
                throw VaultError.usage("this is the client's first accounting request in 12 months, which is free (45 CFR 164.528(c)(2)); leave out --fee")
            }
            guard let dueDay = RequestDeadline.adding(RequestKind.accounting.dueDays, to: received),
                  let dueAt = RequestDeadline.dueAt(dueDay) else { throw VaultError.usage("--received-on must be a date YYYY-MM-DD") }
            let row = ExportRequestRow(id: Self.newID(prefix: RequestKind.accounting.idPrefix), clientID: clientID, requestedBy: user,
                                       requestedAt: nowMillis, dueAt: dueAt, state: "open", fulfilledAt: 0, fulfilledBy: "")
            intent.value.recordID = row.id
            try tx.insertExportRequest(row)
            let from = since ?? AccountingPolicy.fullPeriodStart(received)
            try storeRequestEvent(tx, request: row, event: "request", body: AccountingRequestBody(
                receivedOn: received, from: from, shorterPeriod: since != nil, askedBy: user, askedAs: actingRole(), fee: fee))
            return AccountingReceipt(id: row.id, client: clientID, receivedOn: received, due: dueDay, from: from,
                                     requestsIn12Months: count, free: count == 1, fee: fee)
        }
    }

    /// Extends an open accounting request once by 30 days, before it is due, with the reason
    /// sealed and the written notice to the client recorded (164.528(c)(1)(ii)). Care-team
    /// therapists.
    /// - Throws: ``VaultError`` usage (64) for a second extension, a closed or overdue request;
    ///   not found (66); not permitted (77).
    public func extendAccounting(requestID: String, reason: String) throws(VaultError) -> AccountingExtension {
        try TextInput.validate(reason, field: "--reason")
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--reason must say why the accounting is late") }
        return try perform(AccessIntent(action: "accounting.extend", recordID: requestID, purpose: .patientRequest, reason: reason)) { tx, intent in
            var req = try accountingRequest(tx, requestID)
            intent.value.clientID = req.clientID
            try require(.therapist, "extending an accounting request")
            _ = try existingClient(tx, req.clientID)
            try requireCareTeam(tx, req.clientID)
            let previous = RequestDeadline.dueDay(req)
            switch req.state {
            case "open": break
            case "extended": throw VaultError.usage("accounting request \(requestID) was already extended (due \(previous)); 45 CFR 164.528(c)(1)(ii) allows one extension")
            default: throw VaultError.usage("accounting request \(requestID) is \(req.state); only an open request can be extended")
            }
            guard req.dueAt >= nowMillis else {
                throw VaultError.usage("accounting request \(requestID) was due \(previous); an extension must be given before the due date")
            }
            guard let due = RequestDeadline.adding(RequestKind.extensionDays, to: previous), let dueAt = RequestDeadline.dueAt(due) else {
                throw VaultError.badData("accounting request \(requestID) has no valid due date")
            }
            let asked = try accountingBody(tx, req)
            let notice = "Your request of \(asked.receivedOn) for an accounting of disclosures will be answered by \(due) "
                + "instead of \(previous), because: \(reason)"
            req.state = "extended"
            req.dueAt = dueAt
            try tx.updateExportRequest(req)
            try storeRequestEvent(tx, request: req, event: "extend", body: AccountingExtensionBody(
                reason: reason, previousDue: previous, newDue: due, notice: notice, extendedBy: user))
            return AccountingExtension(id: requestID, previousDue: previous, due: due, notice: notice)
        }
    }

    /// A client's accounting requests, oldest first, with what each delivered. Care-team
    /// therapists and the client itself see the sealed details; compliance officers and admins
    /// off the care team see ids, dates and states.
    public func accountingRequests(clientID: String) throws(VaultError) -> [AccountingRequestSummary] {
        try perform(AccessIntent(action: "accounting.list", clientID: clientID, purpose: .operations)) { tx, _ in
            _ = try existingClient(tx, clientID)
            let keyed: Bool
            if roles.contains(.client) {
                try requireActsFor(tx, clientID: clientID, "list accounting requests")
                keyed = true
            } else {
                try requireAny([.therapist, .compliance, .admin], "listing accounting requests")
                keyed = try isOnCareTeam(tx, clientID)
                if !keyed && !roles.contains(.compliance) && !roles.contains(.admin) { try requireCareTeam(tx, clientID) }
            }
            let rows = try tx.exportRequests().filter { $0.clientID == clientID && RequestKind(id: $0.id) == .accounting }
            return try rows.sorted { ($0.requestedAt, $0.id) < ($1.requestedAt, $1.id) }.map { r in
                var s = AccountingRequestSummary(id: r.id, requestedBy: r.requestedBy, requestedAt: Timestamp.iso(r.requestedAt),
                                                 due: RequestDeadline.dueDay(r), state: r.state)
                guard keyed else { return s }
                let asked = try accountingBody(tx, r)
                s.receivedOn = asked.receivedOn
                s.from = asked.from
                s.fee = asked.fee
                s.extensionReason = try requestEvents(tx, request: r, event: "extend", as: AccountingExtensionBody.self).last?.reason
                if let done = try requestEvents(tx, request: r, event: "fulfill", as: AccountingFulfilBody.self).last {
                    s.from = done.from
                    s.to = done.to
                    s.deliveredAt = done.deliveredAt
                    s.disclosures = done.disclosures
                    s.sha256 = done.sha256
                    s.fee = done.fee ?? s.fee
                }
                return s
            }
        }
    }

    /// The accounting request `id` (66 when there is none).
    func accountingRequest(_ tx: any StoreTransaction, _ id: String) throws -> ExportRequestRow {
        guard RequestKind(id: id) == .accounting, let r = try tx.exportRequest(id: id) else {
            throw VaultError.notFound("no accounting request '\(id)'; 'confidant accounting list CLIENT' lists them")
        }
        return r
    }

    /// The sealed details of one accounting request.
    func accountingBody(_ tx: any StoreTransaction, _ r: ExportRequestRow) throws -> AccountingRequestBody {
        guard let body = try requestEvents(tx, request: r, event: "request", as: AccountingRequestBody.self).first else {
            throw VaultError.badData("accounting request \(r.id) has no sealed request record; the vault was tampered with")
        }
        return body
    }

    /// Every accounting request of the client with its sealed details, in one pass.
    func accountingBodies(_ tx: any StoreTransaction, clientID: String) throws -> [(String, AccountingRequestBody)] {
        var out: [(String, AccountingRequestBody)] = []
        for s in try tx.recordSummaries(clientID: clientID) where s.kind == .request && s.subkind == "accounting.request" {
            guard let rec = try tx.record(id: s.id) else { continue }
            do {
                let e = try JSONDecoder().decode(RequestEvent<AccountingRequestBody>.self, from: Data(try openRecord(tx, rec)))
                out.append((e.requestID, e.body))
            } catch let e as VaultError { throw e } catch {
                throw VaultError.badData("request record \(s.id) is malformed")
            }
        }
        return out
    }

    /// The role this user acts in for a client's request: the client itself, a representative,
    /// or staff on its behalf.
    private func actingRole() -> String {
        for r in [Role.client, .representative, .therapist, .admin] where roles.contains(r) { return r.rawValue }
        return Role.format(roles)
    }
}
