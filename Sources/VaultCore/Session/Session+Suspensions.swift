import Foundation
import VaultCrypto

extension Session {
    /// Records an agency's suspension of the client's right to an accounting of the disclosures
    /// made to it (164.528(a)(2)): until `until` (inclusive), 30 days at most for an oral request.
    /// While it holds, those disclosures stay out of the client's exports and are marked
    /// suspended in the accounting staff read; when it ends a `suspension-ended` review item is raised.
    public func suspendAccounting(clientID: String, recipient: String, until: String, oral: Bool) throws(VaultError) -> String {
        try TextInput.validate(recipient, field: "--recipient")
        return try perform(AccessIntent(action: "disclosure.suspend", clientID: clientID, purpose: .legal)) { tx, intent in
            try require(.therapist, "recording a suspension of the accounting")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            guard !recipient.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--recipient must not be empty") }
            guard CalendarDate.isValid(until) else { throw VaultError.usage("--until must be a date YYYY-MM-DD") }
            let today = CalendarDate.string(from: vault.now())
            guard until >= today else { throw VaultError.usage("--until \(until) is in the past") }
            if oral, let days = DisclosurePolicy.days(from: today, to: until), days > 30 {
                throw VaultError.usage("an oral request suspends the accounting for 30 days at most (45 CFR 164.528(a)(2)(ii)); get it in writing")
            }
            let id = Self.newID(prefix: "s")
            let s = AccountingSuspension(id: id, recipient: recipient, until: until, oral: oral, recordedBy: user)
            let plain = [UInt8](try JSONEncoder.sorted.encode(s))
            let key = try currentCareKey(tx, clientID)
            guard let audit = try tx.dataKey(id: meta.auditKeyID) else { throw VaultError.badData("the vault's audit key is missing") }
            var row = try sealed(RecordRow(id: id, clientID: clientID, kind: .suspension, subkind: "", author: user, keyID: key.id,
                                           keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: nowMillis,
                                           sequence: 1, ciphertext: []), secret: try unwrap(tx, key), plaintext: plain)
            row.auditCopy = try SealedBox.seal(plain, to: audit.publicKey)
            try tx.insertRecord(row)
            intent.value.recordID = id
            // The end date is in the entry (a date, nothing about the client), so the review
            // can raise `suspension-ended` without any key.
            intent.value.successDetail = "until:\(until)"
            return id
        }
    }

    /// The client's suspensions, opened with the care key or (compliance) the audit key.
    func suspensions(_ tx: any StoreTransaction, clientID: String, audit: X25519KeyPair?) throws -> [AccountingSuspension] {
        // Summaries first (no blobs): a client's notes are never all loaded to find these.
        try tx.recordSummaries(clientID: clientID).filter { $0.kind == .suspension }.compactMap { try tx.record(id: $0.id) }.map { row in
            let plain: [UInt8]
            if let audit {
                guard let p = try? SealedBox.open(row.auditCopy, keyPair: audit) else {
                    throw VaultError.badData("suspension \(row.id) does not open with the audit key")
                }
                plain = p
            } else {
                plain = try openRecord(tx, row)
            }
            do { return try JSONDecoder().decode(AccountingSuspension.self, from: Data(plain)) } catch {
                throw VaultError.badData("suspension \(row.id) is malformed")
            }
        }
    }
}
