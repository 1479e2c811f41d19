import Foundation
import VaultCrypto

extension Session {
    /// Releases records to a third party, judged against what the client was told.
    ///
    /// Refused (77) when the basis is an exception not explained in the confidentiality
    /// agreement in force on the disclosure's date (unless `cosigner`, a compliance officer,
    /// co-signs: then it is flagged for review), when a psychotherapy note is included without a
    /// client authorization that names it, or when an authorization is expired or does not
    /// cover the recipient and records. An abuse report without the informed-client field is a
    /// usage error (64).
    public func disclose(_ r: DisclosureRequest, cosigner: Session? = nil) throws(VaultError) -> AccountingEntry {
        try r.validateText()
        return try perform(AccessIntent(action: "disclosure.add", clientID: r.clientID, purpose: DisclosurePolicy.purpose(basis: r.basis))) { tx, intent in
            try require(.therapist, "disclosing records")
            _ = try existingClient(tx, r.clientID)
            try requireCareTeam(tx, r.clientID)
            let date = try checkDisclosureRequest(tx, r, cosigner: cosigner)
            let (disclosed, rows) = try disclosedRecords(tx, r)
            let override = try judgeBasis(tx, r, date: date, rows: rows, cosigned: cosigner != nil)
            let isAuthorization = r.basis == ClientAuthorization.basisCode
            let body = DisclosureBody(date: date, recipientName: r.recipientName, recipientAddress: r.recipientAddress,
                                      description: describe(disclosed), purpose: r.purpose, records: disclosed, basis: r.basis,
                                      authorizationID: isAuthorization ? r.authorizationID : nil,
                                      clientInformed: r.clientInformed, notInformedReason: r.notInformedReason,
                                      disclosedBy: user, cosignedBy: cosigner?.user, override: override)
            let row = try storeDisclosure(tx, clientID: r.clientID, body: body)
            intent.value.recordID = row.id
            intent.value.flags.insert("disclosure")
            if override { intent.value.flags.insert("basis-not-stated") }
            if r.clientInformed == false { intent.value.flags.insert("client-not-informed") }
            intent.value.successDetail = Self.disclosureDigest(row)
            if let cosigner {
                try cosigner.append(tx, AccessIntent(action: "disclosure.cosign", clientID: r.clientID, recordID: row.id, purpose: .operations,
                                                     flags: override ? ["basis-not-stated"] : []), .success, Self.disclosureDigest(row))
            }
            return AccountingEntry(id: row.id, logSeq: 0, body: body)
        }
    }

    /// The request's own checks (64 for what the user must fix, 77 for a co-signer who may not
    /// co-sign); returns the disclosure's date.
    private func checkDisclosureRequest(_ tx: any StoreTransaction, _ r: DisclosureRequest, cosigner: Session?) throws -> String {
        for (value, option) in [(r.recipientName, "--to"), (r.recipientAddress, "--address"), (r.purpose, "--purpose")]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw VaultError.usage("\(option) must not be empty")
        }
        guard !r.recordIDs.isEmpty else { throw VaultError.usage("--records must name at least one record") }
        let date = r.date ?? CalendarDate.string(from: vault.now())
        guard CalendarDate.isValid(date) else { throw VaultError.usage("--date must be a date YYYY-MM-DD") }
        let catalogue = try exceptionCatalogue(tx)
        guard r.basis == ClientAuthorization.basisCode || catalogue.contains(where: { $0.code == r.basis }) else {
            let codes = catalogue.map(\.code).joined(separator: ", ")
            throw VaultError.usage("unknown basis '\(r.basis)'; use \(ClientAuthorization.basisCode) or one of \(codes)")
        }
        if let problem = DisclosurePolicy.abuseReportProblem(basis: r.basis, clientInformed: r.clientInformed, notInformedReason: r.notInformedReason) {
            throw VaultError.usage(problem)
        }
        if let cosigner {
            _ = try enforce(DisclosurePolicy.decide(cosigner: cosigner.user, cosignerRoles: cosigner.roles, actor: user))
        }
        return date
    }

    /// The records named, each opened and hashed for the sealed body; psychotherapy notes only by
    /// their author.
    private func disclosedRecords(_ tx: any StoreTransaction, _ r: DisclosureRequest) throws -> ([DisclosedRecord], [RecordRow]) {
        var disclosed: [DisclosedRecord] = []
        var rows: [RecordRow] = []
        for rid in r.recordIDs {
            guard let rec = try tx.record(id: rid), rec.clientID == r.clientID,
                  [RecordKind.progress, .psychotherapy, .agreement].contains(rec.kind) else {
                throw VaultError.notFound("no note or agreement '\(rid)' of client \(r.clientID)")
            }
            if rec.kind == .psychotherapy {
                _ = try enforce(DisclosurePolicy.decide(psychotherapyNote: rid, author: rec.author, actor: user))
            }
            let plain = try openRecord(tx, rec)
            disclosed.append(DisclosedRecord(id: rid, kind: rec.kind == .agreement ? "agreement:\(rec.subkind)" : rec.kind.rawValue,
                                             sha256: Encoding.hex(SHA256.hash(plain))))
            rows.append(rec)
        }
        return (disclosed, rows)
    }

    /// The basis against the authorization or the confidentiality agreement in force; returns
    /// whether a co-signature stands in for an exception the client was not told of.
    private func judgeBasis(_ tx: any StoreTransaction, _ r: DisclosureRequest, date: String, rows: [RecordRow], cosigned: Bool) throws -> Bool {
        let records = rows.map { (id: $0.id, kind: $0.kind) }
        guard r.basis == ClientAuthorization.basisCode else {
            let inForce = try agreementInForce(tx, clientID: r.clientID, on: date)
            let version = inForce.map { "version \($0.version), reviewed \($0.body?.reviewedOn ?? "")" } ?? "none on file"
            let facts = DisclosurePolicy.ExceptionFacts(
                basis: r.basis, date: date, explained: inForce?.body?.exceptionsExplained?.contains(r.basis) ?? false,
                agreementInForce: version, cosigned: cosigned, psychotherapyNote: records.first { $0.kind == .psychotherapy }?.id)
            return try enforce(DisclosurePolicy.decide(facts))
        }
        guard let authID = r.authorizationID else {
            throw VaultError.usage("--basis client-authorization needs --authorization AUTH_ID")
        }
        guard let authRow = try tx.record(id: authID), authRow.kind == .authorization, authRow.clientID == r.clientID else {
            throw VaultError.notFound("no authorization '\(authID)' of client \(r.clientID)")
        }
        let auth: ClientAuthorization
        do { auth = try JSONDecoder().decode(ClientAuthorization.self, from: Data(try openRecord(tx, authRow))) } catch let e as VaultError {
            throw e
        } catch { throw VaultError.badData("authorization \(authID) is malformed") }
        return try enforce(DisclosurePolicy.decide(authorization: auth, id: authID, date: date, recipient: r.recipientName, records: records))
    }

    /// Acts on a decision: nothing for allowed, true for co-signed, 77 for refused.
    private func enforce(_ d: DisclosurePolicy.Decision) throws -> Bool {
        switch d {
        case .allowed: return false
        case .cosigned: return true
        case .refused(let why): throw VaultError.notPermitted(why)
        }
    }

    /// Seals the body under the client's current care key, with a copy sealed to the audit key.
    private func storeDisclosure(_ tx: any StoreTransaction, clientID: String, body: DisclosureBody) throws -> RecordRow {
        let plain = [UInt8](try JSONEncoder.sorted.encode(body))
        let key = try currentCareKey(tx, clientID)
        let secret = try unwrap(tx, key)
        guard let audit = try tx.dataKey(id: meta.auditKeyID) else { throw VaultError.badData("the vault's audit key is missing") }
        var row = try sealed(RecordRow(id: Self.newID(prefix: "d"), clientID: clientID, kind: .disclosure, subkind: "", author: user,
                                       keyID: key.id, keyVersion: key.version, formatVersion: Schema.formatVersion, createdAt: nowMillis,
                                       sequence: 1, ciphertext: []), secret: secret, plaintext: plain)
        row.auditCopy = try SealedBox.seal(plain, to: audit.publicKey)
        try tx.insertRecord(row)
        return row
    }

    /// `ct-sha256:<hex>` of a disclosure's copy sealed to the audit key, recorded in its log
    /// entry so that an altered or removed disclosure is detected by the accounting. Over a
    /// ciphertext, never the plaintext (an unkeyed hash of a short body could be confirmed by
    /// guessing); the audit copy is never re-encrypted, so key rotation leaves it valid.
    static func disclosureDigest(_ row: RecordRow) -> String {
        "ct-sha256:" + Encoding.hex(SHA256.hash(row.auditCopy))
    }
}
