import Foundation
import VaultCrypto

extension Session {
    /// Appends a signed addendum to a note (notes are never edited, 45 CFR 164.526(c)(1)). A
    /// care-team therapist amends a progress note; a psychotherapy note only its author, and
    /// the addendum is sealed under the same author-only key as the note.
    /// - Throws: ``VaultError`` not found (66: no such note), not permitted (77: off the care
    ///   team, another author's psychotherapy note), usage (64: empty text).
    public func amendNote(id noteID: String, text: String) throws(VaultError) -> NoteAddendum {
        try perform(AccessIntent(action: "note.amend", recordID: noteID, purpose: .treat)) { tx, intent in
            guard let note = try tx.record(id: noteID), note.kind == .progress || note.kind == .psychotherapy else {
                throw VaultError.notFound("no note '\(noteID)' in this vault; 'confidant note list CLIENT' shows the ids")
            }
            intent.value.clientID = note.clientID
            try require(.therapist, "amending a note")
            _ = try existingClient(tx, note.clientID)
            try requireCareTeam(tx, note.clientID)
            let added = try storeAddendum(tx, kind: .addendum, on: [note], text: text, requestID: nil)
            intent.value.recordID = added.id
            return added
        }
    }

    /// Seals a new addendum record linked to `records` (all of one client). An addendum to a
    /// psychotherapy note is its author's alone (77 for anyone else) and sealed under the
    /// author's key; everything else under the client's care key.
    func storeAddendum(_ tx: any StoreTransaction, kind: AddendumKind, on records: [RecordRow], text: String,
                       requestID: String?) throws -> NoteAddendum {
        guard let clientID = records.first?.clientID, records.allSatisfy({ $0.clientID == clientID }) else {
            throw VaultError.usage("an addendum names at least one record of one client")
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw VaultError.usage("the \(kind.title) is empty; give --file or write it on standard input")
        }
        let body = AddendumBody(recordIds: records.map(\.id), text: text, requestId: requestID)
        let plain = [UInt8](try JSONEncoder.sorted.encode(body))
        let id = Self.newID(prefix: "x")
        let psychotherapy = kind == .addendum && records.count == 1 && records[0].kind == .psychotherapy
        if psychotherapy {
            guard records[0].author == user else {
                throw VaultError.notPermitted("psychotherapy note \(records[0].id) is amended only by its author, \(records[0].author)")
            }
            let (key, secret) = try authorKey(tx, clientID: clientID)
            let row = try sealed(RecordRow(id: id, clientID: clientID, kind: .addendum, subkind: kind.rawValue, author: user, keyID: key.id,
                                           keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: nowMillis,
                                           sequence: 1, ciphertext: []), secret: secret, plaintext: plain)
            try tx.insertRecord(row)
        } else {
            try storeSealed(tx, clientID: clientID, id: id, kind: .addendum, subkind: kind.rawValue, plaintext: Data(plain))
        }
        return NoteAddendum(id: id, kind: kind, recordIds: body.recordIds, requestId: requestID, author: user,
                            createdAt: Timestamp.iso(nowMillis), text: text, createdMillis: nowMillis)
    }

    /// This author's current psychotherapy-note key for the client (as `note add` makes it).
    private func authorKey(_ tx: any StoreTransaction, clientID: String) throws -> (DataKeyRow, SecretBytes) {
        let existing = try tx.currentDataKey(clientID: clientID, scope: .psychotherapy, owner: user)
        if let existing, try tx.wrap(keyID: existing.id, recipient: recipient) != nil {
            try requireSignedKey(tx, existing)
            return (existing, try unwrap(tx, existing))
        }
        return try createDataKey(tx, clientID: clientID, scope: .psychotherapy, owner: user,
                                 version: (existing?.version ?? 0) + 1, recipients: [user])
    }

    /// The client's addenda, statements of disagreement and rebuttals this user can open, oldest
    /// first (those sealed to another author's psychotherapy key are left out).
    func addenda(_ tx: any StoreTransaction, clientID: String, viaBreakGlass: Bool = false) throws -> [NoteAddendum] {
        var out: [NoteAddendum] = []
        for s in try tx.recordSummaries(clientID: clientID) where s.kind == .addendum {
            guard let rec = try tx.record(id: s.id), let key = try tx.dataKey(id: rec.keyID) else { continue }
            if key.scope == .psychotherapy && key.owner != user { continue }
            if viaBreakGlass && key.scope != .care { continue }
            guard let kind = AddendumKind(rawValue: rec.subkind),
                  let body = try? JSONDecoder().decode(AddendumBody.self, from: Data(try openRecord(tx, rec, viaBreakGlass: viaBreakGlass))) else {
                throw VaultError.badData("addendum \(rec.id) is malformed; restore it from a backup")
            }
            out.append(NoteAddendum(id: rec.id, kind: kind, recordIds: body.recordIds, requestId: body.requestId, author: rec.author,
                                    createdAt: Timestamp.iso(rec.createdAt), text: body.text, createdMillis: rec.createdAt))
        }
        // Stable on the store's insertion order: a statement and its rebuttal made in the same
        // millisecond (a fixed clock) keep the order they were filed in.
        return out.enumerated().sorted { ($0.element.createdMillis, $0.offset) < ($1.element.createdMillis, $1.offset) }.map(\.element)
    }

    /// The addenda linked to one note, in order.
    func addenda(_ tx: any StoreTransaction, of note: RecordRow, viaBreakGlass: Bool = false) throws -> [NoteAddendum] {
        try addenda(tx, clientID: note.clientID, viaBreakGlass: viaBreakGlass).filter { $0.recordIds.contains(note.id) }
    }

    /// How many addenda each record has (for `note list`).
    func addendumCounts(_ tx: any StoreTransaction, clientID: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for a in try addenda(tx, clientID: clientID) { for r in Set(a.recordIds) { counts[r, default: 0] += 1 } }
        return counts
    }

    /// What goes with a later disclosure of `recordIDs` (164.526(d)(5)): every addendum,
    /// statement of disagreement and rebuttal linked to them, with the SHA-256 of its text; nil
    /// when there is none.
    func includedAddenda(_ tx: any StoreTransaction, clientID: String, records recordIDs: [String]) throws -> [DisclosedRecord]? {
        let wanted = Set(recordIDs)
        let linked = try addenda(tx, clientID: clientID).filter { !wanted.isDisjoint(with: $0.recordIds) }
        guard !linked.isEmpty else { return nil }
        return linked.map { DisclosedRecord(id: $0.id, kind: $0.kind.rawValue, sha256: Encoding.hex(SHA256.hash(Array($0.text.utf8)))) }
    }
}
