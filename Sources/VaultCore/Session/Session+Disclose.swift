import Foundation
import VaultCrypto

extension Session {
    /// Releases records (or records an oral disclosure) to a third party, under a basis.
    ///
    /// A **required** basis (a mandated report, a court order) is never refused because the
    /// client was not told of it: it is recorded, flagged `not-explained` and reviewed. A
    /// **permitted** basis not explained in the confidentiality agreement in force on the date is
    /// refused (77) unless a compliance officer co-signs (`cosigner`) or, in a practice with no
    /// other compliance user, the discloser attests; both are flagged `override`. Psychotherapy
    /// notes go only under an authorization for them alone or the 164.508(a)(2)(ii) bases. The
    /// date may not be after today nor before the client's birth (64); one more than
    /// `disclosure.late-days` before today raises `late-entry`.
    public func disclose(_ r: DisclosureRequest, cosigner: Session? = nil) throws(VaultError) -> AccountingEntry {
        try r.validateText()
        return try perform(AccessIntent(action: "disclosure.add", clientID: r.clientID, purpose: DisclosurePolicy.purpose(basis: r.basis))) { tx, intent in
            try require(.therapist, "disclosing records")
            _ = try existingClient(tx, r.clientID)
            try requireCareTeam(tx, r.clientID)
            let (date, exception) = try checkDisclosureRequest(tx, r, cosigner: cosigner)
            let (disclosed, rows) = r.oral ? ([], []) : try disclosedRecords(tx, r)
            let judged = try judgeBasis(tx, r, date: date, rows: rows, cosigned: cosigner != nil, kind: exception?.kind)
            var body = disclosureBody(r, date: date, disclosed: disclosed, judged: judged, cosigner: cosigner)
            body.addenda = try includedAddenda(tx, clientID: r.clientID, records: disclosed.map(\.id))  // 164.526(d)(5)
            let row = try storeDisclosure(tx, clientID: r.clientID, body: body)
            intent.value.recordID = row.id
            // The whole body, sealed to the audit key in the entry itself: what the log says was
            // disclosed survives a restore that loses the record (the accounting reads it back).
            intent.value.reason = String(decoding: try JSONEncoder.sorted.encode(body), as: UTF8.self)
            intent.value.flags.formUnion(try disclosureFlags(tx, r, date: date, judged: judged))
            intent.value.successDetail = Self.disclosureDigest(row)
            if let cosigner {
                try cosigner.append(tx, AccessIntent(action: "disclosure.cosign", clientID: r.clientID, recordID: row.id, purpose: .operations,
                                                     flags: judged.decision == .cosigned ? ["override"] : []), .success, Self.disclosureDigest(row))
            }
            return AccountingEntry(id: row.id, logSeq: 0, body: body)
        }
    }

    /// What the basis check found: the decision, and the agreement version relied on.
    struct BasisJudgement {
        var decision: DisclosurePolicy.Decision
        var version: Int?
        /// When that agreement version was entered (ms), for the `recent-agreement` rule.
        var enteredAt: Int64?
    }

    private func disclosureBody(_ r: DisclosureRequest, date: String, disclosed: [DisclosedRecord], judged: BasisJudgement,
                                cosigner: Session?) -> DisclosureBody {
        let override = judged.decision == .cosigned || judged.decision == .attested
        var body = DisclosureBody(date: date, recipientName: r.recipientName, recipientAddress: r.recipientAddress,
                                  description: r.oral ? "oral report to \(r.recipientName): \(r.summary ?? "")" : describe(disclosed),
                                  purpose: r.purpose,
                                  records: disclosed, basis: r.basis,
                                  authorizationID: r.basis == ClientAuthorization.basisCode ? r.authorizationID : nil,
                                  clientInformed: r.clientInformed, notInformedReason: r.notInformedReason,
                                  disclosedBy: user, cosignedBy: cosigner?.user, override: override)
        body.oral = r.oral ? true : nil
        body.summary = r.oral ? r.summary : nil
        body.notExplained = judged.decision == .notExplained ? true : nil
        body.attestation = judged.decision == .attested ? r.attest : nil
        body.assurance = r.assurance
        body.subject = r.subject
        body.agreementVersion = judged.version
        body.notAccountable = r.notAccountable
        body.byAssociate = r.byAssociate
        if let ba = r.byAssociate { body.description += " — made by business associate \(ba)" }
        return body
    }

    /// The review flags of a disclosure entry.
    private func disclosureFlags(_ tx: any StoreTransaction, _ r: DisclosureRequest, date: String,
                                 judged: BasisJudgement) throws -> Set<String> {
        var flags: Set<String> = ["disclosure"]
        if judged.decision == .notExplained { flags.insert("not-explained") }
        if judged.decision == .cosigned || judged.decision == .attested { flags.insert("override") }
        if r.clientInformed == false { flags.insert("client-not-informed") }
        if r.oral { flags.insert("oral") }
        let lateDays = Int(try tx.setting(SettingKey.disclosureLateDays.rawValue) ?? SettingKey.disclosureLateDays.defaultValue) ?? 7
        if let late = DisclosurePolicy.days(from: date, to: CalendarDate.string(from: vault.now())), late > lateDays {
            flags.insert("late-entry")
        }
        if let entered = judged.enteredAt, nowMillis - entered < 86_400_000 { flags.insert("recent-agreement") }
        return flags
    }

    /// The request's own checks (64 for what the user must fix, 77 for a co-signer who may not
    /// co-sign); returns the disclosure's date and the exception relied on (nil: an authorization).
    private func checkDisclosureRequest(_ tx: any StoreTransaction, _ r: DisclosureRequest,
                                        cosigner: Session?) throws -> (String, ConfidentialityException?) {
        for (value, option) in [(r.recipientName, "--to"), (r.purpose, "--purpose")] where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw VaultError.usage("\(option) must not be empty")
        }
        if r.oral {
            guard r.recordIDs.isEmpty else { throw VaultError.usage("an oral disclosure (--oral) names no --records") }
            guard !(r.summary ?? "").trimmingCharacters(in: .whitespaces).isEmpty else {
                throw VaultError.usage("an oral disclosure needs --summary TEXT: what was said")
            }
        } else if r.recordIDs.isEmpty {
            throw VaultError.usage("--records must name at least one record (or record a phone report with --oral --summary TEXT)")
        }
        let date = r.date ?? CalendarDate.string(from: vault.now())
        guard CalendarDate.isValid(date) else { throw VaultError.usage("--date must be a date YYYY-MM-DD") }
        if let problem = DisclosurePolicy.dateProblem(date, field: "--date", today: CalendarDate.string(from: vault.now()),
                                                      dateOfBirth: try profile(tx, r.clientID).dateOfBirth) {
            throw VaultError.usage(problem)
        }
        let catalogue = try exceptionCatalogue(tx)
        let exception = catalogue.first { $0.code == r.basis }
        guard r.basis == ClientAuthorization.basisCode || exception != nil else {
            let codes = catalogue.map(\.code).joined(separator: ", ")
            throw VaultError.usage("unknown basis '\(r.basis)'; use \(ClientAuthorization.basisCode) or one of \(codes)")
        }
        if let problem = DisclosurePolicy.informProblem(basis: r.basis, mustInform: exception?.mustInform ?? false,
                                                        clientInformed: r.clientInformed, notInformedReason: r.notInformedReason) {
            throw VaultError.usage(problem)
        }
        if r.basis == "legal-process", (r.assurance ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw VaultError.usage("legal-process needs --assurance TEXT: the satisfactory assurance received (45 CFR 164.512(e)(1)(ii))")
        }
        if cosigner != nil && r.attest != nil { throw VaultError.usage("give --cosign or --attest, not both") }
        if let code = r.notAccountable, !DisclosureBody.exclusions.contains(code) {
            throw VaultError.usage("--not-accountable takes one of \(DisclosureBody.exclusions.sorted().joined(separator: ", ")) (45 CFR 164.528(a)(1)), not '\(code)'")
        }
        if let cosigner {
            _ = try enforce(DisclosurePolicy.decide(cosigner: cosigner.user, cosignerRoles: cosigner.roles, actor: user))
        }
        return (date, exception)
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
            let plain = rec.kind == .agreement ? try openRecord(tx, rec) : try openNoteRecord(tx, rec).text
            disclosed.append(DisclosedRecord(id: rid, kind: rec.kind == .agreement ? "agreement:\(rec.subkind)" : rec.kind.rawValue,
                                             sha256: Encoding.hex(SHA256.hash(plain))))
            rows.append(rec)
        }
        return (disclosed, rows)
    }

    /// The basis against the authorization or the confidentiality agreement in force.
    private func judgeBasis(_ tx: any StoreTransaction, _ r: DisclosureRequest, date: String, rows: [RecordRow], cosigned: Bool,
                            kind: ExceptionKind?) throws -> BasisJudgement {
        let records = rows.map { (id: $0.id, kind: $0.kind) }
        guard r.basis == ClientAuthorization.basisCode else {
            let inForce = try agreementInForce(tx, clientID: r.clientID, on: date)
            let version = inForce.map { "version \($0.version), reviewed \($0.body?.reviewedOn ?? "")" } ?? "none on file"
            let otherCompliance = try tx.users().contains { $0.name != user && $0.roleSet.contains(.compliance) }
            let facts = DisclosurePolicy.ExceptionFacts(
                basis: r.basis, kind: kind ?? .permitted, date: date, explained: inForce?.body?.exceptionsExplained?.contains(r.basis) ?? false,
                agreementInForce: version, cosigned: cosigned, attested: r.attest != nil, otherComplianceUser: otherCompliance,
                psychotherapyNote: records.first { $0.kind == .psychotherapy }?.id, subjectAuthor: r.subject == "author")
            let decision = DisclosurePolicy.decide(facts)
            _ = try enforce(decision)
            let entered = try inForce.flatMap { a in try tx.record(id: a.id)?.createdAt }
            return BasisJudgement(decision: decision, version: inForce?.version, enteredAt: entered)
        }
        guard let authID = r.authorizationID else {
            throw VaultError.usage("--basis client-authorization needs --authorization AUTH_ID")
        }
        let auth = try authorization(tx, id: authID, clientID: r.clientID)
        let decision = DisclosurePolicy.decide(authorization: auth, id: authID, date: date, recipient: r.recipientName, records: records)
        _ = try enforce(decision)
        return BasisJudgement(decision: decision, version: nil, enteredAt: nil)
    }

    /// Acts on a decision: true when it stands in for an explanation, 77 for refused.
    private func enforce(_ d: DisclosurePolicy.Decision) throws -> Bool {
        switch d {
        case .allowed: return false
        case .notExplained, .cosigned, .attested: return true
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
                                       keyID: key.id, keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: nowMillis,
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
