import Foundation
import VaultCrypto

extension Session {
    /// Fulfils an accounting request: writes one age-encrypted JSON document
    /// (``AccountingDocument``, `confidant-accounting/v1`) to `sink`, holding exactly the
    /// disclosures the client is owed for the period it asked for, up to today.
    ///
    /// Fails closed as an export does: the `accounting.fulfill` access entry is committed
    /// before any plaintext leaves the transaction. Once the file is written, one transaction
    /// marks the request fulfilled, keeps the delivered document sealed (an `accounting.fulfill`
    /// request event with its bytes and SHA-256) and appends the signed `accounting.fulfilled`
    /// entry whose detail is `sha256:HEX`. A failure before that leaves the request open.
    /// - Parameter fee: a reasonable, cost-based fee for a second or later request in 12 months.
    /// - Throws: ``VaultError`` usage (64) for a closed request or a fee on a free one; not
    ///   found (66); not permitted (77) for anyone but a care-team therapist.
    public func fulfilAccounting(requestID: String, fee: String?, recipient: AgeRecipient,
                                 sink: ([UInt8]) throws -> Void) throws -> AccountingDelivery {
        if let fee { try TextInput.validate(fee, field: "--fee") }
        var plan = try perform(AccessIntent(action: "accounting.fulfill", recordID: requestID, purpose: .patientRequest)) { tx, intent in
            let req = try accountingRequest(tx, requestID)
            intent.value.clientID = req.clientID
            try require(.therapist, "fulfilling an accounting request")
            _ = try existingClient(tx, req.clientID)
            try requireCareTeam(tx, req.clientID)
            guard RequestState.isOpen(req.state) else { throw VaultError.usage("accounting request \(requestID) is already \(req.state)") }
            _ = try requesterAuthority(tx, req)
            return try accountingPlan(tx, req, fee: fee)
        }
        defer { secureWipe(&plan.bytes) }
        let done = AccessIntent(action: "accounting.fulfilled", clientID: plan.clientID, recordID: requestID, purpose: .patientRequest)
        do {
            let digest = Encoding.hex(SHA256.hash(plan.bytes))
            let file = try Age.encrypt(plan.bytes, to: [recipient])
            try sink(file)
            try vault.store.write { tx in
                guard var row = try tx.exportRequest(id: requestID), RequestState.isOpen(row.state) else {
                    throw VaultError.usage("accounting request \(requestID) was fulfilled by another process meanwhile")
                }
                row.state = "fulfilled"
                row.fulfilledAt = nowMillis
                row.fulfilledBy = user
                try tx.updateExportRequest(row)
                try storeRequestEvent(tx, request: row, event: "fulfill", body: AccountingFulfilBody(
                    document: Data(plan.bytes).base64EncodedString(), sha256: digest, from: plan.document.period.from,
                    to: plan.document.period.to, deliveredAt: plan.document.deliveredAt, disclosures: plan.document.disclosures.count,
                    fee: plan.document.fee))
                try append(tx, done, .success, "sha256:\(digest)")
            }
            return AccountingDelivery(requestId: requestID, client: plan.clientID, from: plan.document.period.from,
                                      to: plan.document.period.to, disclosures: plan.document.disclosures.count, sha256: digest,
                                      bytes: file.count)
        } catch {
            throw logRefusal(done, error, outcome: .error)
        }
    }

    struct AccountingPlan {
        var clientID: String
        var document: AccountingDocument
        var bytes: [UInt8]
    }

    /// The document for `req`: the rows ``clientAccountingRows`` gives from the period's first day.
    private func accountingPlan(_ tx: any StoreTransaction, _ req: ExportRequestRow, fee: String?) throws -> AccountingPlan {
        let asked = try accountingBody(tx, req)
        let fee = fee ?? asked.fee
        if fee != nil {
            let days = try accountingBodies(tx, clientID: req.clientID).map(\.1.receivedOn)
            if AccountingPolicy.countIn12Months(days, received: asked.receivedOn) <= 1 {
                throw VaultError.usage("request \(req.id) is the client's first accounting request in 12 months, which is free (45 CFR 164.528(c)(2)); leave out --fee")
            }
        }
        let profile = try self.profile(tx, req.clientID)
        let period = AccountingDocument.Period(from: asked.from, to: CalendarDate.string(from: vault.now()))
        let rows = try clientAccountingRows(tx, clientID: req.clientID, cutoff: asked.from).map {
            AccountingDocument.Disclosure(date: $0.body.date, recipientName: $0.body.recipientName, recipientAddress: $0.body.recipientAddress,
                                          description: $0.body.description, purpose: $0.body.purpose)
        }
        let letter = AccountingPolicy.letter(practice: meta.practice, clientName: profile.name, receivedOn: asked.receivedOn,
                                             period: period, count: rows.count, fee: fee)
        let doc = AccountingDocument(format: AccountingDocument.formatName, practice: meta.practice,
                                     client: .init(id: req.clientID, name: profile.name), requestId: req.id, receivedOn: asked.receivedOn,
                                     period: period, deliveredAt: Timestamp.iso(nowMillis), disclosures: rows, fee: fee, letter: letter)
        return AccountingPlan(clientID: req.clientID, document: doc, bytes: [UInt8](try JSONEncoder.exportPretty.encode(doc)))
    }
}
