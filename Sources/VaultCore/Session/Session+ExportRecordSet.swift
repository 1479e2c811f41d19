import Foundation
import VaultCrypto

extension Session {
    /// The parts of the designated record set besides notes, agreements and their addenda
    /// (docs/export-format.md, "What the export holds"): the client's authorizations with their
    /// signed copies, its amendment requests and their decisions, and the accountings of
    /// disclosures it was given. Signed copies and accountings become files of the archive.
    func exportRecordSet(_ tx: any StoreTransaction, clientID: String, into records: inout ExportRecords,
                         attachments: inout ExportAttachments) throws {
        let auths = try exportAuthorizations(tx, clientID: clientID, attachments: &attachments)
        let amendments = try exportAmendments(tx, clientID: clientID)
        let accountings = try exportAccountings(tx, clientID: clientID, attachments: &attachments)
        records.authorizations = auths.isEmpty ? nil : auths
        records.amendments = amendments.isEmpty ? nil : amendments
        records.accountings = accountings.isEmpty ? nil : accountings
    }

    /// Every authorization of the client, oldest first, with each revocation recorded.
    private func exportAuthorizations(_ tx: any StoreTransaction, clientID: String,
                                      attachments: inout ExportAttachments) throws -> [ExportAuthorization] {
        let rows = try tx.recordSummaries(clientID: clientID).filter { $0.kind == .authorization }
            .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        var revocations: [String: [ExportRevocation]] = [:]
        for s in rows where s.subkind == "revocation" {
            guard let rec = try tx.record(id: s.id) else { continue }
            guard let rev = try? JSONDecoder().decode(AuthorizationRevocation.self, from: Data(try openRecord(tx, rec))) else {
                throw VaultError.badData("revocation \(s.id) is malformed")
            }
            let copy = try rev.signedCopy.map { attachments.add(ExportLayout.signedCopiesFolder, id: s.id, bytes: try Self.copyBytes($0, of: s.id)) }
            revocations[rev.authorizationID, default: []].append(ExportRevocation(id: s.id, on: rev.on, signedCopy: copy))
        }
        return try rows.filter { $0.subkind.isEmpty }.map { s in
            let a = try authorization(tx, id: s.id, clientID: clientID)
            let copy = try a.signedCopy.map { attachments.add(ExportLayout.signedCopiesFolder, id: s.id, bytes: try Self.copyBytes($0, of: s.id)) }
            return ExportAuthorization(id: s.id, recipient: a.recipient, recordIds: a.recordIDs, kinds: a.kinds, purpose: a.purpose,
                                       signedOn: a.signedOn, signedBy: a.signedBy, expires: a.expires, expiresEvent: a.expiresEvent,
                                       revokedOn: a.revokedOn, signedCopy: copy, revocations: revocations[s.id] ?? [])
        }
    }

    private static func copyBytes(_ base64: String, of id: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { throw VaultError.badData("the signed copy of \(id) is malformed") }
        return [UInt8](data)
    }

    /// Every amendment request of the client, oldest first, with its decision if made.
    private func exportAmendments(_ tx: any StoreTransaction, clientID: String) throws -> [ExportAmendment] {
        var out: [(Int64, ExportAmendment)] = []
        for s in try tx.recordSummaries(clientID: clientID) where s.kind == .request && s.subkind == "amendment.request" {
            guard let rec = try tx.record(id: s.id),
                  let e = try? JSONDecoder().decode(RequestEvent<AmendmentRequestBody>.self, from: Data(try openRecord(tx, rec))),
                  let row = try tx.exportRequest(id: e.requestID) else {
                throw VaultError.badData("amendment request record \(s.id) is malformed or has lost its request")
            }
            let decision = try requestEvents(tx, request: row, event: "decide", as: AmendmentDecisionBody.self).last
            out.append((rec.createdAt, ExportAmendment(id: row.id, recordIds: e.body.recordIds, requested: e.body.text,
                                                       receivedOn: e.body.receivedOn, dueOn: RequestDeadline.dueDay(row), state: row.state,
                                                       ground: decision?.ground, reason: decision?.reason)))
        }
        return out.sorted { ($0.0, $0.1.id) < ($1.0, $1.1.id) }.map(\.1)
    }

    /// Every accounting delivered to the client, oldest first: the exact bytes it was given.
    private func exportAccountings(_ tx: any StoreTransaction, clientID: String,
                                   attachments: inout ExportAttachments) throws -> [ExportAccounting] {
        var out: [(Int64, ExportAccounting)] = []
        for s in try tx.recordSummaries(clientID: clientID) where s.kind == .request && s.subkind == "accounting.fulfill" {
            guard let rec = try tx.record(id: s.id),
                  let e = try? JSONDecoder().decode(RequestEvent<AccountingFulfilBody>.self, from: Data(try openRecord(tx, rec))),
                  let data = Data(base64Encoded: e.body.document) else {
                throw VaultError.badData("delivered accounting \(s.id) is malformed")
            }
            let doc = attachments.add(ExportLayout.accountingsFolder, id: e.requestID, bytes: [UInt8](data))
            guard doc.sha256 == e.body.sha256 else { throw VaultError.badData("delivered accounting \(s.id) does not match its SHA-256") }
            out.append((rec.createdAt, ExportAccounting(requestId: e.requestID, from: e.body.from, to: e.body.to, deliveredAt: e.body.deliveredAt,
                                                        disclosures: e.body.disclosures, fee: e.body.fee, document: doc)))
        }
        return out.sorted { ($0.0, $0.1.requestId) < ($1.0, $1.1.requestId) }.map(\.1)
    }
}
