import Foundation

/// records.json, format `confidant-export/v1` (docs/export-format.md).
public struct ExportRecords: Sendable, Codable, Equatable {
    public var format: String
    public var practice: String
    public var vaultId: String
    public var exportedAt: String
    public var exportedBy: String
    public var requestId: String
    public var client: ExportClient
    public var notes: [ExportNote]
    public var agreements: [ExportAgreement]
    public var disclosures: [ExportDisclosure]
    public var accessReport: [ExportAccess]
    public var withheld: [ExportWithheld]
    /// The access request this export answers: received, due, form, third party named by the client.
    public var accessRequest: ExportAccessRequest? = nil
    /// Addenda, statements of disagreement and rebuttals linked to the exported records.
    public var addenda: [ExportAddendum]? = nil
    /// The client's authorizations, with their signed copies (files of the archive).
    public var authorizations: [ExportAuthorization]? = nil
    /// The client's amendment requests and their decisions.
    public var amendments: [ExportAmendment]? = nil
    /// The accountings of disclosures delivered to the client (files of the archive).
    public var accountings: [ExportAccounting]? = nil

    /// Every archive file records.json points to besides the notes: signed copies, then
    /// delivered accountings.
    var attachments: [ExportAttachment] {
        (authorizations ?? []).flatMap { a in [a.signedCopy].compactMap { $0 } + a.revocations.compactMap(\.signedCopy) }
            + (accountings ?? []).map(\.document)
    }
}

public struct ExportClient: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var dateOfBirth: String?
    public var contact: String?
}

public struct ExportNote: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var author: String
    public var createdAt: String
    /// Path of the note's text inside the archive.
    public var file: String
    public var sha256: String
    public var bytes: Int
    /// HL7 v3 ActCode sensitivity labels (`PSY`; `PSYTHPN` for a psychotherapy note), then
    /// those the practice sealed into the note (`SUD`, `ETH`).
    public var labels: [String]? = nil

    /// The labels the practice put on the note (not those of its kind).
    var sealedLabels: [String] { (labels ?? []).filter { NoteLabel(rawValue: $0) != nil } }
}

public struct ExportAgreement: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var version: Int
    public var author: String
    public var createdAt: String
    public var body: AgreementBody
    public var acknowledgements: [Acknowledgement]
}

public struct ExportDisclosure: Sendable, Codable, Equatable {
    public var id: String
    public var date: String
    public var recipientName: String
    public var recipientAddress: String
    public var description: String
    public var purpose: String
    public var basis: String
    public var clientInformed: Bool?
    public var logSeq: Int64
}

public struct ExportAccess: Sendable, Codable, Equatable {
    public var seq: Int64
    public var time: String
    public var actor: String
    public var action: String
    public var record: String
    public var purpose: String
    public var outcome: String
    /// The kind of the record the signed entry names (`progress`, `agreement`, ...); absent
    /// when it names none.
    public var recordKind: String? = nil
    /// Its HL7 v3 Confidentiality code (`R`, `V`), as signed.
    public var confidentiality: String? = nil
}

public struct ExportWithheld: Sendable, Codable, Equatable {
    public var id: String
    public var kind: String
    public var author: String
    public var reason: String
    /// The denial ground's code (45 CFR 164.524(a)); `reason` says it in plain language.
    public var ground: String? = nil
    /// Whether the client may have the withholding reviewed.
    public var reviewable: Bool? = nil
    /// How to ask for that review (reviewable grounds only).
    public var howToAskForReview: String? = nil
}

/// The access request an export answers (records.json `accessRequest`).
public struct ExportAccessRequest: Sendable, Codable, Equatable {
    public var receivedOn: String?
    public var due: String
    public var form: String?
    /// The third party the client directed the copy to, in writing (164.524(c)(3)(ii)).
    public var thirdParty: String? = nil
}

/// proof.json, format `confidant-export-proof/v2`.
public struct ExportProof: Sendable, Codable, Equatable {
    public static let formatName = "confidant-export-proof/v2"

    public var format: String
    /// The vault's log public key (Ed25519, base64) that signed the checkpoint.
    public var logPublicKey: String
    /// The checkpoint text (C2SP signed note).
    public var checkpoint: String
    public var treeSize: Int
    /// Root hash (base64) in the checkpoint.
    public var rootHash: String
    /// Every Ed25519 public key (base64) each signer has had, for entry signatures.
    public var signingKeys: [String: [String]]
    /// One per access-report row, in the same order.
    public var entries: [ExportProofEntry]
    /// The `export.fulfilled` entry whose detail is `manifest:<hex SHA-256 of manifest.json>`.
    public var manifestEntry: ExportProofEntry
}

public struct ExportProofEntry: Sendable, Codable, Equatable {
    public var seq: Int64
    /// Canonical entry bytes, base64 (docs/access-log.md).
    public var entry: String
    public var leafHash: String
    public var signer: String
    public var signature: String
    /// RFC 9162 inclusion proof (hex nodes) of leaf `seq - 1` in the tree of `treeSize` leaves.
    public var inclusionProof: [String]
}

/// What `export fulfill` reports.
public struct ExportSummary: Sendable, Codable, Equatable {
    public var requestId: String
    public var client: String
    public var notes: Int
    public var agreements: Int
    public var disclosures: Int
    public var accessEntries: Int
    public var withheld: Int
    public var bytes: Int64
}

extension ExportAccess {
    /// The report row of a log entry: its columns, and the record kind and confidentiality
    /// code its signed bytes carry (format 3).
    init(row: LogRow) {
        let signed = AccessEntry(row: row)
        self.init(seq: row.seq, time: Timestamp.iso(row.time), actor: row.actor, action: row.action, record: row.recordID,
                  purpose: row.purpose, outcome: row.outcome, recordKind: signed.recordKind.isEmpty ? nil : signed.recordKind,
                  confidentiality: signed.confidentiality.isEmpty ? nil : signed.confidentiality)
    }
}
