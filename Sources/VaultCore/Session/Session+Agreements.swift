import Foundation
import VaultCrypto

/// An agreement's metadata, and its body once opened.
public struct AgreementRecord: Sendable, Codable, Equatable {
    public var id: String
    public var clientID: String
    public var kind: String
    /// 1 for the first agreement of this kind for this client, then 2, 3, ...
    public var version: Int
    public var author: String
    public var createdAt: String
    public var body: AgreementBody?
    /// Client signatures over this version's hash (shown by `agreement show`).
    public var acknowledgements: [Acknowledgement]?
}

extension Session {
    /// Stores a new version of an agreement, validated field by field.
    /// - Throws: ``VaultError`` bad data (65) naming the invalid field.
    public func addAgreement(clientID: String, kind: AgreementKind, json: Data) throws(VaultError) -> AgreementRecord {
        try perform(AccessIntent(action: "agreement.add", clientID: clientID, purpose: .treat)) { tx, intent in
            try require(.therapist, "adding an agreement")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            let body = try AgreementBody.parse(json, kind: kind, knownExceptions: try exceptionCatalogue(tx).map(\.code))
            // Reviewed with the client on a real day: not after today, not before its birth (64).
            if let problem = DisclosurePolicy.dateProblem(body.reviewedOn, field: "reviewedOn", today: CalendarDate.string(from: vault.now()),
                                                          dateOfBirth: try profile(tx, clientID).dateOfBirth) {
                throw VaultError.usage(problem)
            }
            let key = try currentCareKey(tx, clientID)
            let secret = try unwrap(tx, key)
            let id = Self.newID(prefix: "a")
            intent.value.recordID = id
            let version = try tx.recordCount(clientID: clientID, subkind: kind.rawValue) + 1
            let now = nowMillis
            try tx.insertRecord(try sealed(RecordRow(id: id, clientID: clientID, kind: .agreement, subkind: kind.rawValue, author: user,
                                                     keyID: key.id, keyVersion: key.version, formatVersion: Vault.formatVersion,
                                                     createdAt: now, sequence: version, ciphertext: []),
                                           secret: secret, plaintext: [UInt8](try body.canonicalJSON())))
            return AgreementRecord(id: id, clientID: clientID, kind: kind.rawValue, version: version, author: user,
                                   createdAt: Timestamp.iso(now), body: body)
        }
    }

    /// Lists a client's agreements (every version), with their review dates.
    public func listAgreements(clientID: String) throws(VaultError) -> [AgreementRecord] {
        try perform(AccessIntent(action: "agreement.list", clientID: clientID, purpose: .treat)) { tx, _ in
            try require(.therapist, "listing agreements")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            return try tx.records(clientID: clientID).filter { $0.kind == .agreement }.map { try agreement(tx, $0) }
        }
    }

    /// Opens one agreement version.
    public func showAgreement(id: String, purpose: Purpose, reason: String? = nil) throws(VaultError) -> AgreementRecord {
        try TextInput.validate(reason, field: "--reason")
        return try perform(AccessIntent(action: "agreement.show", recordID: id, purpose: purpose, reason: reason)) { tx, intent in
            guard let rec = try tx.record(id: id), rec.kind == .agreement else {
                throw VaultError.notFound("no agreement '\(id)' in this vault; 'confidant agreement list CLIENT' shows the ids")
            }
            intent.value.clientID = rec.clientID
            try require(.therapist, "reading an agreement")
            _ = try existingClient(tx, rec.clientID)
            // Outside the care team, an open emergency release reaches the current safety plan
            // (what a covering clinician needs in a crisis), with ETREAT, and nothing else.
            var viaRelease = false
            if try !isOnCareTeam(tx, rec.clientID) {
                let current = try tx.recordCount(clientID: rec.clientID, subkind: "safety")
                guard rec.subkind == "safety", rec.sequence == current, purpose == .emergencyTreat,
                      try emergencyReleaseOpen(tx, clientID: rec.clientID) else {
                    try requireCareTeam(tx, rec.clientID)
                    throw VaultError.notPermitted("agreement \(id) is not reachable outside the care team")
                }
                intent.value.flags.insert("break-glass")
                viaRelease = true
            }
            var a = try agreement(tx, rec, viaBreakGlass: viaRelease)
            a.acknowledgements = try acknowledgements(tx, rec, viaBreakGlass: viaRelease)
            return a
        }
    }

    func agreement(_ tx: any StoreTransaction, _ rec: RecordRow, viaBreakGlass: Bool = false) throws -> AgreementRecord {
        let bytes = try openRecord(tx, rec, viaBreakGlass: viaBreakGlass)
        let body: AgreementBody
        do { body = try JSONDecoder().decode(AgreementBody.self, from: Data(bytes)) } catch {
            throw VaultError.badData("agreement \(rec.id) is malformed")
        }
        return AgreementRecord(id: rec.id, clientID: rec.clientID, kind: rec.subkind, version: rec.sequence, author: rec.author,
                               createdAt: Timestamp.iso(rec.createdAt), body: body)
    }
}
