import Foundation
import VaultCrypto

extension Session {
    /// Records a client's signed authorization (164.508); returns its id.
    public func addAuthorization(clientID: String, authorization a: ClientAuthorization) throws -> String {
        try a.validateText()
        return try perform(AccessIntent(action: "authorization.add", clientID: clientID, purpose: .treat)) { tx, intent in
            try require(.therapist, "recording an authorization")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            guard !a.recipient.trimmingCharacters(in: .whitespaces).isEmpty, !a.purpose.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw VaultError.usage("an authorization needs --recipient and --purpose")
            }
            guard CalendarDate.isValid(a.expires) else { throw VaultError.usage("--expires must be a date YYYY-MM-DD") }
            guard (a.recordIDs?.isEmpty == false) != (a.kinds?.isEmpty == false) else {
                throw VaultError.usage("name what is authorized with either --records or --kinds")
            }
            for k in a.kinds ?? [] where ![RecordKind.progress, .psychotherapy, .agreement].map(\.rawValue).contains(k) {
                throw VaultError.usage("--kinds takes progress, psychotherapy or agreement, not '\(k)'")
            }
            for rid in a.recordIDs ?? [] {
                guard let r = try tx.record(id: rid), r.clientID == clientID else {
                    throw VaultError.notFound("no record '\(rid)' of client \(clientID)")
                }
            }
            let key = try currentCareKey(tx, clientID)
            let secret = try unwrap(tx, key)
            let id = Self.newID(prefix: "z")
            intent.value.recordID = id
            try tx.insertRecord(try sealed(RecordRow(id: id, clientID: clientID, kind: .authorization, subkind: "", author: user,
                                                     keyID: key.id, keyVersion: key.version, formatVersion: Schema.formatVersion,
                                                     createdAt: nowMillis, sequence: 1, ciphertext: []),
                                           secret: secret, plaintext: [UInt8](try JSONEncoder.sorted.encode(a))))
            return id
        }
    }

    /// Releases records to a third party, judged against what the client was told.
    ///
    /// Refused (77) when the basis is an exception not explained in the confidentiality
    /// agreement in force on the disclosure's date (unless `cosigner`, a compliance officer,
    /// co-signs: then it is flagged for review), when a psychotherapy note is included without a
    /// client authorization that names it, or when an authorization is expired or does not
    /// cover the recipient and records. An abuse report without the informed-client field is a
    /// usage error (64).
    public func disclose(_ r: DisclosureRequest, cosigner: Session? = nil) throws -> AccountingEntry {
        let purposeCode: Purpose = switch r.basis {
        case "harm-to-self", "harm-to-others": .threat
        case "child-abuse", "elder-abuse": .publicHealth
        case "legal-order": .legal
        case ClientAuthorization.basisCode: .patientRequest
        default: .legal
        }
        try r.validateText()
        return try perform(AccessIntent(action: "disclosure.add", clientID: r.clientID, purpose: purposeCode)) { tx, intent in
            try require(.therapist, "disclosing records")
            _ = try existingClient(tx, r.clientID)
            try requireCareTeam(tx, r.clientID)
            for (value, option) in [(r.recipientName, "--to"), (r.recipientAddress, "--address"), (r.purpose, "--purpose")]
            where value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw VaultError.usage("\(option) must not be empty")
            }
            guard !r.recordIDs.isEmpty else { throw VaultError.usage("--records must name at least one record") }
            let date = r.date ?? CalendarDate.string(from: vault.now())
            guard CalendarDate.isValid(date) else { throw VaultError.usage("--date must be a date YYYY-MM-DD") }
            let catalogue = try exceptionCatalogue(tx)
            let isAuthorization = r.basis == ClientAuthorization.basisCode
            guard isAuthorization || catalogue.contains(where: { $0.code == r.basis }) else {
                throw VaultError.usage("unknown basis '\(r.basis)'; use \(ClientAuthorization.basisCode) or one of \(catalogue.map(\.code).joined(separator: ", "))")
            }
            if AbuseReport.codes.contains(r.basis) {
                guard let informed = r.clientInformed else {
                    throw VaultError.usage("a \(r.basis) report must say whether the client was informed: --client-informed yes|no (45 CFR 164.512(c)(2))")
                }
                if !informed, (r.notInformedReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    throw VaultError.usage("--client-informed no needs --not-informed-reason (45 CFR 164.512(c)(2))")
                }
            }
            if let cosigner {
                guard cosigner.roles.contains(.compliance), cosigner.user != user else {
                    throw VaultError.notPermitted("--cosign needs a compliance officer other than yourself; '\(cosigner.user)' is not one")
                }
            }
            // The records, their hashes, and the psychotherapy rule.
            var disclosed: [DisclosedRecord] = []
            var rows: [RecordRow] = []
            for rid in r.recordIDs {
                guard let rec = try tx.record(id: rid), rec.clientID == r.clientID,
                      [RecordKind.progress, .psychotherapy, .agreement].contains(rec.kind) else {
                    throw VaultError.notFound("no note or agreement '\(rid)' of client \(r.clientID)")
                }
                if rec.kind == .psychotherapy && rec.author != user {
                    throw VaultError.notPermitted("psychotherapy note \(rid) can only be disclosed by its author")
                }
                let plain = try openRecord(tx, rec)
                disclosed.append(DisclosedRecord(id: rid, kind: rec.kind == .agreement ? "agreement:\(rec.subkind)" : rec.kind.rawValue,
                                                 sha256: Encoding.hex(SHA256.hash(plain))))
                rows.append(rec)
            }
            var override = false
            if isAuthorization {
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
                guard auth.expires >= date else {
                    throw VaultError.notPermitted("authorization \(authID) expired on \(auth.expires)")
                }
                guard auth.recipient.trimmingCharacters(in: .whitespaces).lowercased() == r.recipientName.trimmingCharacters(in: .whitespaces).lowercased() else {
                    throw VaultError.notPermitted("authorization \(authID) does not name '\(r.recipientName)' as recipient")
                }
                for rec in rows {
                    if rec.kind == .psychotherapy && !auth.namesPsychotherapy(recordID: rec.id) {
                        throw VaultError.notPermitted("psychotherapy note \(rec.id) needs an authorization that names psychotherapy notes; \(authID) does not")
                    }
                    guard auth.covers(recordID: rec.id, kind: rec.kind) else {
                        throw VaultError.notPermitted("authorization \(authID) does not cover record \(rec.id)")
                    }
                }
            } else {
                if let psy = rows.first(where: { $0.kind == .psychotherapy }) {
                    throw VaultError.notPermitted("psychotherapy note \(psy.id) can only be disclosed under a client authorization that names psychotherapy notes")
                }
                let inForce = try agreementInForce(tx, clientID: r.clientID, on: date)
                let stated = inForce?.body?.exceptionsExplained?.contains(r.basis) ?? false
                if !stated {
                    guard cosigner != nil else {
                        let version = inForce.map { "version \($0.version), reviewed \($0.body?.reviewedOn ?? "")" } ?? "none on file"
                        throw VaultError.notPermitted("exception '\(r.basis)' was not explained to the client in the confidentiality agreement in force on \(date) (\(version)); a compliance officer can co-sign with --cosign")
                    }
                    override = true
                }
            }
            let body = DisclosureBody(date: date, recipientName: r.recipientName, recipientAddress: r.recipientAddress,
                                      description: describe(disclosed), purpose: r.purpose, records: disclosed, basis: r.basis,
                                      authorizationID: isAuthorization ? r.authorizationID : nil,
                                      clientInformed: r.clientInformed, notInformedReason: r.notInformedReason,
                                      disclosedBy: user, cosignedBy: cosigner?.user, override: override)
            let plain = [UInt8](try JSONEncoder.sorted.encode(body))
            let key = try currentCareKey(tx, r.clientID)
            let secret = try unwrap(tx, key)
            guard let audit = try tx.dataKey(id: meta.auditKeyID) else { throw VaultError.badData("the vault's audit key is missing") }
            let id = Self.newID(prefix: "d")
            intent.value.recordID = id
            var row = try sealed(RecordRow(id: id, clientID: r.clientID, kind: .disclosure, subkind: "", author: user, keyID: key.id,
                                           keyVersion: key.version, formatVersion: Schema.formatVersion, createdAt: nowMillis,
                                           sequence: 1, ciphertext: []), secret: secret, plaintext: plain)
            row.auditCopy = try SealedBox.seal(plain, to: audit.publicKey)
            try tx.insertRecord(row)
            intent.value.flags.insert("disclosure")
            if override { intent.value.flags.insert("basis-not-stated") }
            if r.clientInformed == false { intent.value.flags.insert("client-not-informed") }
            intent.value.successDetail = Self.disclosureDigest(row)
            if let cosigner {
                try cosigner.append(tx, AccessIntent(action: "disclosure.cosign", clientID: r.clientID, recordID: id, purpose: .operations,
                                                     flags: override ? ["basis-not-stated"] : []), .success, Self.disclosureDigest(row))
            }
            return AccountingEntry(id: id, logSeq: 0, body: body)
        }
    }

    /// `ct-sha256:<hex>` of a disclosure's copy sealed to the audit key, recorded in its log
    /// entry so that an altered or removed disclosure is detected by the accounting. Over a
    /// ciphertext, never the plaintext (an unkeyed hash of a short body could be confirmed by
    /// guessing); the audit copy is never re-encrypted, so key rotation leaves it valid.
    static func disclosureDigest(_ row: RecordRow) -> String {
        "ct-sha256:" + Encoding.hex(SHA256.hash(row.auditCopy))
    }

    func describe(_ records: [DisclosedRecord]) -> String {
        var counts: [String: Int] = [:]
        for r in records { counts[r.kind, default: 0] += 1 }
        let parts = counts.keys.sorted().map { k -> String in
            let n = counts[k] ?? 0
            let name = k.hasPrefix("agreement:") ? "\(k.dropFirst(10)) agreement" : "\(k) note"
            return "\(n) \(name)\(n == 1 ? "" : "s")"
        }
        return parts.joined(separator: ", ") + " (" + records.map(\.id).joined(separator: ", ") + ")"
    }

    /// The confidentiality agreement in force on `date`: the latest version reviewed on or
    /// before it (ties: the later version).
    func agreementInForce(_ tx: any StoreTransaction, clientID: String, on date: String) throws -> AgreementRecord? {
        let versions = try tx.records(clientID: clientID).filter { $0.kind == .agreement && $0.subkind == AgreementKind.confidentiality.rawValue }
        var best: AgreementRecord?
        for v in versions {
            let a = try agreement(tx, v)
            guard let reviewed = a.body?.reviewedOn, reviewed <= date else { continue }
            if let b = best, let br = b.body?.reviewedOn, (br, b.version) > (reviewed, a.version) { continue }
            best = a
        }
        return best
    }

    /// The accounting of disclosures (164.528), newest first, from the tamper-evident log.
    ///
    /// Care-team therapists read it with the client key, compliance officers with the audit key.
    /// Every disclosure entry of the log must still have its record with the same content hash;
    /// a missing or altered record is an error (65), so the accounting cannot silently lose a row.
    /// - Parameter since: `YYYY-MM-DD`; default six years before today.
    public func accounting(clientID: String, since: String? = nil) throws -> [AccountingEntry] {
        try perform(AccessIntent(action: "disclosure.accounting", clientID: clientID, purpose: .operations)) { tx, _ in
            try requireAny([.therapist, .compliance], "reading the accounting of disclosures")
            _ = try existingClient(tx, clientID)
            let onTeam = try isOnCareTeam(tx, clientID)
            let asTherapist = roles.contains(.therapist) && onTeam
            guard asTherapist || roles.contains(.compliance) else {
                throw VaultError.notPermitted("user '\(user)' is not on the care team of client \(clientID)")
            }
            let audit = asTherapist ? nil : try auditKeyPair(tx)
            if !asTherapist && audit == nil {
                throw VaultError.notPermitted("user '\(user)' does not hold the audit key yet; ask an admin to enrol it with --recovery-key")
            }
            let cutoff: String
            if let since {
                guard CalendarDate.isValid(since) else { throw VaultError.usage("--since must be a date YYYY-MM-DD") }
                cutoff = since
            } else {
                cutoff = CalendarDate.string(from: vault.now().addingTimeInterval(-6 * 365.2425 * 86400))
            }
            var out: [AccountingEntry] = []
            for e in try disclosureEntries(tx, clientID: clientID) {
                guard let row = try tx.record(id: e.recordID), row.kind == .disclosure, row.clientID == clientID else {
                    throw VaultError.badData("disclosure \(e.recordID) (log entry \(e.seq)) is missing from the vault; the accounting is incomplete — run 'confidant log verify'")
                }
                let plain: [UInt8]
                if let audit {
                    do { plain = try SealedBox.open(row.auditCopy, keyPair: audit) } catch {
                        throw VaultError.badData("disclosure \(e.recordID) does not open with the audit key")
                    }
                } else {
                    plain = try openRecord(tx, row)
                }
                guard Self.disclosureDigest(row) == e.detail else {
                    throw VaultError.badData("disclosure \(e.recordID) no longer matches its log entry \(e.seq); it was altered")
                }
                let body: DisclosureBody
                do { body = try JSONDecoder().decode(DisclosureBody.self, from: Data(plain)) } catch {
                    throw VaultError.badData("disclosure \(e.recordID) is malformed")
                }
                if body.date >= cutoff { out.append(AccountingEntry(id: row.id, logSeq: e.seq, body: body)) }
            }
            return out.sorted { ($0.body.date, $0.logSeq) > ($1.body.date, $1.logSeq) }
        }
    }

    /// The `disclosure.add` entries of a client, each checked against its signed bytes, and
    /// covering every disclosure record the client has: an entry whose columns were edited (to
    /// drop it from the query) or a disclosure with no entry is a 65, never a shorter list.
    func disclosureEntries(_ tx: any StoreTransaction, clientID: String) throws -> [LogRow] {
        let entries = try tx.logEntries(matching: LogFilter(clientID: clientID, action: "disclosure.add", outcome: Outcome.success.rawValue))
        for e in entries where (try? AccessEntry.decode(e.entry))?.matchesColumns(of: e) != true {
            throw VaultError.badData("log entry \(e.seq) no longer matches its signed bytes; the accounting is incomplete — run 'confidant log verify'")
        }
        let logged = Set(entries.map(\.recordID))
        for r in try tx.recordSummaries(clientID: clientID) where r.kind == .disclosure && !logged.contains(r.id) {
            throw VaultError.badData("disclosure \(r.id) has no signed disclosure entry in the log (it was edited); the accounting is incomplete — run 'confidant log verify'")
        }
        return entries
    }
}
