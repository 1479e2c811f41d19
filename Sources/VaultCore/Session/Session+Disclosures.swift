import Foundation
import VaultCrypto

extension Session {
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
        let versions = try tx.recordSummaries(clientID: clientID)
            .filter { $0.kind == .agreement && $0.subkind == AgreementKind.confidentiality.rawValue }.compactMap { try tx.record(id: $0.id) }
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
    public func accounting(clientID: String, since: String? = nil) throws(VaultError) -> [AccountingEntry] {
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
                cutoff = RetentionPolicy.accountingCutoff(now: vault.now())
            }
            return try accountingRows(tx, clientID: clientID, cutoff: cutoff, audit: audit)
        }
    }

    /// The rows of a client's accounting from `cutoff` (`YYYY-MM-DD`) to today, newest first:
    /// every disclosure dated or entered on or after it, with the suspension holding it (if
    /// any) and whether a restore lost its record. Staff see them all; what the client is owed
    /// leaves out the suspended and the not-accountable ones (``clientAccountingRows``).
    func accountingRows(_ tx: any StoreTransaction, clientID: String, cutoff: String, audit: X25519KeyPair?) throws -> [AccountingEntry] {
        var out: [AccountingEntry] = []
        let today = CalendarDate.string(from: vault.now())
        let held = try suspensions(tx, clientID: clientID, audit: audit)
        let restoredAt = try lastRestore(tx)
        for e in try disclosureEntries(tx, clientID: clientID) {
            var lost = false
            let body: DisclosureBody
            if let row = try tx.record(id: e.recordID), row.kind == .disclosure, row.clientID == clientID {
                body = try disclosureBody(tx, row, entry: e, audit: audit)
            } else if let restoredAt, e.seq < restoredAt {
                // Lost when an older backup was restored: the entry's sealed copy says what was disclosed.
                body = try lostDisclosureBody(e, audit: audit)
                lost = true
            } else {
                throw VaultError.badData("disclosure \(e.recordID) (log entry \(e.seq)) is missing from the vault; the accounting is incomplete — run 'confidant log verify'")
            }
            // In the accounting when its date or its entry lies in the period: a disclosure
            // entered today but dated years ago is still accounted for.
            let entered = CalendarDate.string(from: Date(timeIntervalSince1970: Double(e.time) / 1000))
            if body.date >= cutoff || entered >= cutoff {
                let until = held.filter { $0.holds(recipient: body.recipientName, today: today) }.map(\.until).max()
                out.append(AccountingEntry(id: e.recordID, logSeq: e.seq, body: body, suspendedUntil: until, lostInRestore: lost ? true : nil))
            }
        }
        return out.sorted { ($0.body.date, $0.logSeq) > ($1.body.date, $1.logSeq) }
    }

    /// What the client is owed (164.528(a)-(b)): ``accountingRows`` without disclosures held by a
    /// suspension (164.528(a)(2)) or not accountable (an exclusion, or under an authorization).
    func clientAccountingRows(_ tx: any StoreTransaction, clientID: String, cutoff: String) throws -> [AccountingEntry] {
        try accountingRows(tx, clientID: clientID, cutoff: cutoff, audit: nil).filter { $0.body.accountable && $0.suspendedUntil == nil }
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

    /// A stored disclosure, opened (care key, or the audit key for compliance) and checked
    /// against its entry.
    func disclosureBody(_ tx: any StoreTransaction, _ row: RecordRow, entry e: LogRow, audit: X25519KeyPair?) throws -> DisclosureBody {
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
        do { return try JSONDecoder().decode(DisclosureBody.self, from: Data(plain)) } catch {
            throw VaultError.badData("disclosure \(e.recordID) is malformed")
        }
    }

    /// What a disclosure entry whose record a restore lost says: its body, sealed to the audit
    /// key in the entry. Without that key, only the entry's date is known.
    func lostDisclosureBody(_ e: LogRow, audit: X25519KeyPair?) throws -> DisclosureBody {
        let entered = CalendarDate.string(from: Date(timeIntervalSince1970: Double(e.time) / 1000))
        if let audit, let plain = try? SealedBox.open(e.sealedReason, keyPair: audit),
           let body = try? JSONDecoder().decode(DisclosureBody.self, from: Data(plain)) {
            return body
        }
        return DisclosureBody(date: entered, recipientName: "(lost in a restore; a compliance officer's accounting shows it)",
                              recipientAddress: "", description: "disclosure \(e.recordID)", purpose: "", records: [], basis: "",
                              disclosedBy: e.actor, override: false)
    }

    /// The seq of the newest successful `vault.restore` statement, if any.
    func lastRestore(_ tx: any StoreTransaction) throws -> Int64? {
        try tx.logEntries(matching: LogFilter(action: "vault.restore", outcome: Outcome.success.rawValue)).map(\.seq).max()
    }
}
