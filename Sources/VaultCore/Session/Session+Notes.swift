import Foundation
import VaultCrypto

/// A note's metadata (no content).
public struct NoteSummary: Sendable, Codable, Equatable {
    public var id: String
    public var clientID: String
    public var kind: String
    public var author: String
    public var createdAt: String
    public var keyVersion: Int
    public var bytes: Int
    /// How many addenda are linked to it (`note list`; nil when none).
    public var addenda: Int? = nil
}

/// An opened note.
public struct OpenedNote: Sendable, Equatable {
    public var summary: NoteSummary
    public var content: [UInt8]
    /// With `--break-glass` and no open release: the id of the emergency request just made
    /// (nothing is shown until a second staff member approves it).
    public var emergencyRequest: String? = nil
    /// Its addenda, statements of disagreement and rebuttals, oldest first.
    public var addenda: [NoteAddendum] = []
    /// The practice's sealed sensitivity labels (SUD, ETH), if any.
    public var labels: [NoteLabel] = []
    /// The content as text (invalid UTF-8 replaced), for `--json`.
    public var text: String { String(decoding: content, as: UTF8.self) }
}

extension Session {
    /// Stores a note encrypted under the client's current care key (progress) or under the
    /// author's psychotherapy-note key for this client, created on first use and wrapped only to
    /// the author and recovery. `labels` (SUD, ETH) are sealed inside the note with its text.
    /// `minorConsented` marks care the minor lawfully consented to on its own (164.502(g)(3)),
    /// sealed: a parent's authority never covers it.
    public func addNote(clientID: String, kind: NoteKind, content: [UInt8], labels: Set<NoteLabel> = [],
                        minorConsented: Bool = false) throws(VaultError) -> NoteSummary {
        try perform(AccessIntent(action: "note.add", clientID: clientID, purpose: .treat)) { tx, intent in
            try require(.therapist, "writing a note")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            guard !content.isEmpty else { throw VaultError.usage("the note is empty; give --file or write it on standard input") }
            let key: DataKeyRow
            let secret: SecretBytes
            switch kind {
            case .progress:
                key = try currentCareKey(tx, clientID)
                secret = try unwrap(tx, key)
            case .psychotherapy:
                let existing = try tx.currentDataKey(clientID: clientID, scope: .psychotherapy, owner: user)
                if let existing, try tx.wrap(keyID: existing.id, recipient: recipient) != nil {
                    try requireSignedKey(tx, existing)
                    key = existing
                    secret = try unwrap(tx, existing)
                } else {
                    // First note, or the author's wraps were removed by a revoke: a new version.
                    (key, secret) = try createDataKey(tx, clientID: clientID, scope: .psychotherapy, owner: user,
                                                      version: (existing?.version ?? 0) + 1, recipients: [user])
                }
            }
            let id = Self.newID(prefix: "n")
            intent.value.recordID = id
            let now = nowMillis
            let row = try sealed(RecordRow(id: id, clientID: clientID, kind: kind.recordKind, subkind: "", author: user, keyID: key.id,
                                           keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: now, sequence: 1,
                                           ciphertext: []),
                                 secret: secret, plaintext: NoteEnvelope.seal(content, labels: labels))
            try tx.insertRecord(row)
            if minorConsented { try markMinorConsented(tx, clientID: clientID, noteID: id) }
            return noteSummary(row)
        }
    }

    /// Stores many progress notes for one client in one transaction (an import, or a batch
    /// written offline): one key unwrap, one access entry per note, one fsync for all.
    public func addNotes(clientID: String, contents: [[UInt8]]) throws(VaultError) -> [NoteSummary] {
        try perform(AccessIntent(action: "note.add.batch", clientID: clientID, purpose: .treat)) { tx, intent in
            try require(.therapist, "writing notes")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            guard !contents.isEmpty, contents.allSatisfy({ !$0.isEmpty }) else { throw VaultError.usage("every note must have content") }
            let key = try currentCareKey(tx, clientID)
            let secret = try unwrap(tx, key)
            var out: [NoteSummary] = []
            out.reserveCapacity(contents.count)
            for content in contents {
                let id = Self.newID(prefix: "n")
                let row = try sealed(RecordRow(id: id, clientID: clientID, kind: .progress, subkind: "", author: user, keyID: key.id,
                                               keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: nowMillis,
                                               sequence: 1, ciphertext: []), secret: secret, plaintext: content)
                try tx.insertRecord(row)
                out.append(noteSummary(row))
            }
            // One entry per note, appended after all rows are in: the first commits the client's
            // new state once (the transaction is atomic), so a batch costs O(n), not O(n²).
            for note in out {
                try append(tx, AccessIntent(action: "note.add", clientID: clientID, recordID: note.id, purpose: .treat), .success, "")
            }
            intent.value.successDetail = "notes:\(contents.count)"
            return out
        }
    }

    /// Lists a client's notes: progress notes, and psychotherapy notes of this author only.
    public func listNotes(clientID: String) throws(VaultError) -> [NoteSummary] {
        try perform(AccessIntent(action: "note.list", clientID: clientID, purpose: .treat)) { tx, _ in
            try require(.therapist, "listing notes")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            let counts = try addendumCounts(tx, clientID: clientID)
            return try tx.recordSummaries(clientID: clientID)
                .filter { $0.kind == .progress || ($0.kind == .psychotherapy && $0.author == user) }
                .map { var n = noteSummary($0); n.addenda = counts[n.id]; return n }
        }
    }

    /// Opens a note. The access entry (with purpose and sealed reason) is committed durably
    /// before the plaintext is returned; if it cannot be written, nothing is returned.
    /// - Throws: ``VaultError`` not found (66), not permitted (77: no grant, another author's
    ///   psychotherapy note), bad data (65: altered or moved ciphertext).
    ///
    /// With `breakGlass`, a therapist outside the care team asks for emergency access (purpose
    /// ETREAT, a reason required): a signed request, nothing shown. Once a second staff member
    /// approved it (``approveEmergency(id:)``), that therapist may open the client's progress
    /// notes with purpose ETREAT for `breakglass.hours` (default 24). Psychotherapy notes are
    /// never reachable this way.
    public func openNote(id: String, purpose: Purpose, reason: String? = nil, breakGlass: Bool = false) throws(VaultError) -> OpenedNote {
        try TextInput.validate(reason, field: "--reason")
        return try perform(AccessIntent(action: "note.open", recordID: id, purpose: purpose, reason: reason)) { tx, intent in
            guard let rec = try tx.record(id: id), rec.kind == .progress || rec.kind == .psychotherapy else {
                throw VaultError.notFound("no note '\(id)' in this vault; 'confidant note list CLIENT' shows the ids")
            }
            intent.value.clientID = rec.clientID
            if roles.contains(.therapist) { _ = try existingClient(tx, rec.clientID) }
            let onTeam = try isOnCareTeam(tx, rec.clientID)
            let released = onTeam ? false : try emergencyReleaseOpen(tx, clientID: rec.clientID)
            let facts = NoteAccessPolicy.Facts(
                user: user, roles: roles, noteID: id, clientID: rec.clientID, onCareTeam: onTeam,
                releaseOpen: released, breakGlass: breakGlass,
                purpose: purpose, psychotherapy: rec.kind == .psychotherapy, author: rec.author)
            var viaBreakGlass = false
            switch NoteAccessPolicy.decide(facts) {
            case .refused(let kind, let why): throw VaultError(kind, why)
            case .requestEmergency:
                // Ask; nothing is shown until a second staff member approves.
                intent.value.flags.insert("break-glass")
                let id = try requestEmergency(tx, clientID: rec.clientID, reason: reason)
                intent.value.successDetail = "emergency-requested"
                return OpenedNote(summary: noteSummary(rec), content: [], emergencyRequest: id)
            case .openThroughRelease:
                intent.value.flags.insert("break-glass")
                viaBreakGlass = true
            case .open: break
            }
            let note = try openNoteRecord(tx, rec, viaBreakGlass: viaBreakGlass)
            return OpenedNote(summary: noteSummary(rec), content: note.text, addenda: try addenda(tx, of: rec, viaBreakGlass: viaBreakGlass),
                              labels: note.labels)
        }
    }

    /// A note record's text and sealed labels.
    func openNoteRecord(_ tx: any StoreTransaction, _ rec: RecordRow, viaBreakGlass: Bool = false) throws -> (text: [UInt8], labels: [NoteLabel]) {
        try NoteEnvelope.open(try openRecord(tx, rec, viaBreakGlass: viaBreakGlass))
    }

    func noteSummary(_ r: RecordRow) -> NoteSummary {
        NoteSummary(id: r.id, clientID: r.clientID, kind: r.kind.rawValue, author: r.author, createdAt: Timestamp.iso(r.createdAt),
                    keyVersion: r.keyVersion, bytes: max(0, (r.ciphertextLength ?? r.ciphertext.count) - XChaCha20Poly1305.overhead))
    }
}
