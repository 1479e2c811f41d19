import Foundation
import VaultCrypto

/// An authorization in records.json (`authorizations`): what the client signed (45 CFR
/// 164.508), its revocations, and where its signed copies are in the archive.
public struct ExportAuthorization: Sendable, Codable, Equatable {
    public var id: String
    public var recipient: String
    /// The records it names, or nil when it names kinds.
    public var recordIds: [String]?
    public var kinds: [String]?
    public var purpose: String
    public var signedOn: String?
    public var signedBy: String?
    public var expires: String?
    public var expiresEvent: String?
    /// The day a recorded revocation took effect.
    public var revokedOn: String?
    /// The signed copy filed with it, as a file of the archive.
    public var signedCopy: ExportAttachment?
    /// Each revocation recorded, with the client's signed copy of it if one was filed.
    public var revocations: [ExportRevocation]
}

public struct ExportRevocation: Sendable, Codable, Equatable {
    public var id: String
    public var on: String
    public var signedCopy: ExportAttachment?
}

/// A file of the archive that records.json points to (a signed copy, a delivered accounting).
public struct ExportAttachment: Sendable, Codable, Equatable {
    /// Its path inside the archive (`signed-copies/ID.EXT`, `accountings/ID.json`).
    public var file: String
    public var sha256: String
    public var bytes: Int
}

/// An amendment request in records.json (`amendments`), 45 CFR 164.526: what the client asked,
/// when, and the practice's decision. Statements of disagreement and rebuttals filed on it are
/// in `addenda` with its `requestId`.
public struct ExportAmendment: Sendable, Codable, Equatable {
    public var id: String
    public var recordIds: [String]
    /// What the client asked to change, in its own words.
    public var requested: String
    public var receivedOn: String
    public var dueOn: String
    /// `open`, `extended`, `accepted` or `refused`.
    public var state: String
    /// The denial's ground (164.526(a)(2)) and the reason given, once decided.
    public var ground: String?
    public var reason: String?
}

/// An accounting of disclosures delivered to the client (`accountings`), 45 CFR 164.528(c):
/// the exact document it was given, as `accountings/REQUEST.json`; its SHA-256 is the detail of
/// the signed `accounting.fulfilled` entry in the access report.
public struct ExportAccounting: Sendable, Codable, Equatable {
    public var requestId: String
    public var from: String
    public var to: String
    public var deliveredAt: String
    public var disclosures: Int
    public var fee: String?
    public var document: ExportAttachment
}

/// The bytes of the files records.json's attachments name, in archive order.
struct ExportAttachments {
    var files: [(name: String, bytes: [UInt8])] = []

    mutating func add(_ folder: String, id: String, bytes: [UInt8]) -> ExportAttachment {
        let ext = folder == ExportLayout.accountingsFolder ? "json" : Self.fileExtension(bytes)
        let name = "\(folder)/\(id).\(ext)"
        files.append((name, bytes))
        return ExportAttachment(file: name, sha256: Encoding.hex(SHA256.hash(bytes)), bytes: bytes.count)
    }

    mutating func wipe() {
        for i in files.indices { secureWipe(&files[i].bytes) }
        files = []
    }

    /// `pdf`, `png`, `jpg`, `txt` (UTF-8 text) or `bin`, from the first bytes.
    static func fileExtension(_ b: [UInt8]) -> String {
        if b.starts(with: Array("%PDF".utf8)) { return "pdf" }
        if b.starts(with: [0x89, 0x50, 0x4e, 0x47]) { return "png" }
        if b.starts(with: [0xff, 0xd8, 0xff]) { return "jpg" }
        if !b.contains(0), String(validating: b, as: UTF8.self) != nil { return "txt" }
        return "bin"
    }
}
