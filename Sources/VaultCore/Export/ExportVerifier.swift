import Foundation
import VaultCrypto

/// The checks of an export's signed content, on the bytes of records.json, proof.json and
/// manifest.json (docs/export-format.md, "How to verify"). No file system access.
enum ExportVerifier {
    struct Verified {
        var records: ExportRecords
        var proof: ExportProof
        var manifest: ExportManifest
        var treeSize: Int
    }

    /// Parses `--log-key`: the practice's published log public key, standard base64 of 32 bytes.
    static func parseLogKey(_ text: String) throws -> [UInt8] {
        guard let key = try? Encoding.fromBase64(text.trimmingCharacters(in: .whitespaces)), key.count == 32 else {
            throw VaultError.usage("--log-key must be the log public key your practice publishes: base64 of 32 bytes (44 characters)")
        }
        return key
    }

    /// - Throws: ``VaultError`` bad data (65) naming the first check that fails.
    static func verify(records recordsBytes: [UInt8], proof proofBytes: [UInt8], manifest manifestBytes: [UInt8],
                       pinnedLogKey: [UInt8]?) throws -> Verified {
        let records = try decode(recordsBytes, ExportRecords.self, ExportLayout.records)
        let proof = try decode(proofBytes, ExportProof.self, ExportLayout.proof)
        let manifest = try decode(manifestBytes, ExportManifest.self, ExportLayout.manifest)
        guard proof.format == ExportProof.formatName, manifest.format == ExportManifest.formatName else {
            throw VaultError.badData("the export's proof.json or manifest.json is not a format this version reads (\(ExportProof.formatName), \(ExportManifest.formatName))")
        }
        let logKey = try Encoding.fromBase64(proof.logPublicKey)
        if let pinnedLogKey, logKey != pinnedLogKey {
            throw VaultError.badData("the export's log public key \(proof.logPublicKey) is not the pinned --log-key \(Encoding.base64(pinnedLogKey)); it was not signed with your practice's log")
        }
        let checkpoint = try Checkpoint.parse(proof.checkpoint, publicKey: logKey, vaultID: try Encoding.fromHex(records.vaultId))
        guard checkpoint.size == proof.treeSize, Encoding.base64(checkpoint.root) == proof.rootHash else {
            throw VaultError.badData("proof.json's tree size or root differs from its signed checkpoint")
        }
        let proven = try verifyAccessReport(records, proof, checkpoint)
        for a in records.accountings ?? [] {
            guard proven.contains(where: { $0.action == "accounting.fulfilled" && $0.outcome == .success && $0.recordID == a.requestId
                                           && $0.detail == "sha256:" + a.document.sha256 }) else {
                throw VaultError.badData("the accounting of request \(a.requestId) is not the one the practice's log says it delivered")
            }
        }
        try verifyManifestEntry(records, proof, checkpoint, manifestBytes: manifestBytes)
        try verifyListing(manifest, records: records, recordsBytes: recordsBytes)
        return Verified(records: records, proof: proof, manifest: manifest, treeSize: checkpoint.size)
    }

    private static func decode<T: Decodable>(_ bytes: [UInt8], _ type: T.Type, _ name: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch { throw VaultError.badData("\(name) in the export is malformed") }
    }

    /// One proof entry: leaf hash, inclusion in the checkpoint's tree, and its actor's signature.
    private static func provenEntry(_ p: ExportProofEntry, _ proof: ExportProof, _ checkpoint: Checkpoint) throws -> AccessEntry {
        let bytes = try Encoding.fromBase64(p.entry)
        let leaf = AccessEntry.leafHash(bytes)
        guard Encoding.hex(leaf) == p.leafHash, p.seq >= 1,
              MerkleTree.verifyInclusion(leafHash: leaf, index: Int(p.seq) - 1, treeSize: checkpoint.size,
                                         proof: try p.inclusionProof.map { try Encoding.fromHex($0) }, root: checkpoint.root) else {
            throw VaultError.badData("log entry \(p.seq) is not in the signed log (its inclusion proof fails)")
        }
        let e = try AccessEntry.decode(bytes)
        let keys = try (proof.signingKeys[p.signer] ?? []).map { try Encoding.fromBase64($0) }
        let sig = try Encoding.fromBase64(p.signature)
        guard e.seq == p.seq, p.signer == e.actor, keys.contains(where: { Ed25519.isValid(signature: sig, message: bytes, publicKey: $0) }) else {
            throw VaultError.badData("log entry \(p.seq)'s signature does not verify")
        }
        return e
    }

    /// The access report is exactly the proven entries, field by field.
    private static func verifyAccessReport(_ records: ExportRecords, _ proof: ExportProof, _ checkpoint: Checkpoint) throws -> [AccessEntry] {
        guard proof.entries.count == records.accessReport.count else {
            throw VaultError.badData("the access report has \(records.accessReport.count) rows but proof.json proves \(proof.entries.count)")
        }
        var proven: [AccessEntry] = []
        for (p, row) in zip(proof.entries, records.accessReport) {
            let e = try provenEntry(p, proof, checkpoint)
            proven.append(e)
            guard e.seq == row.seq, e.clientID == records.client.id, Timestamp.iso(e.time) == row.time, e.actor == row.actor,
                  e.action == row.action, e.recordID == row.record, e.purpose == row.purpose, e.outcome.rawValue == row.outcome,
                  e.recordKind == row.recordKind ?? "", e.confidentiality == row.confidentiality ?? "" else {
                throw VaultError.badData("access report row \(row.seq) does not match its signed log entry")
            }
        }
        return proven
    }

    /// The `export.fulfilled` entry signs this manifest, for this client and request, after the
    /// report's own `export.fulfill` entry.
    private static func verifyManifestEntry(_ records: ExportRecords, _ proof: ExportProof, _ checkpoint: Checkpoint,
                                            manifestBytes: [UInt8]) throws {
        let e = try provenEntry(proof.manifestEntry, proof, checkpoint)
        guard e.action == "export.fulfilled", e.outcome == .success, e.clientID == records.client.id,
              e.recordID == records.requestId, e.actor == records.exportedBy else {
            throw VaultError.badData("proof.json's manifest entry \(e.seq) is not the signed fulfilment of request \(records.requestId)")
        }
        guard e.detail == ExportManifest.entryDetail(manifestBytes: manifestBytes) else {
            throw VaultError.badData("manifest.json is not the manifest the practice signed (log entry \(e.seq)); the export was altered")
        }
        guard records.accessReport.contains(where: { $0.action == "export.fulfill" && $0.record == records.requestId
                  && $0.outcome == Outcome.success.rawValue && $0.actor == e.actor && $0.seq < e.seq }) else {
            throw VaultError.badData("the access report does not reach this export's own export.fulfill entry")
        }
    }

    /// The manifest lists defined names once each, records.json as it is, and exactly the
    /// notes records.json lists, with their hashes and sizes.
    private static func verifyListing(_ manifest: ExportManifest, records: ExportRecords, recordsBytes: [UInt8]) throws {
        var listed: [String: ExportManifestFile] = [:]
        for f in manifest.files {
            guard ExportLayout.isDefinedFile(f.name), !ExportLayout.unlisted.contains(f.name), f.size >= 0,
                  listed.updateValue(f, forKey: f.name) == nil else {
                throw VaultError.badData("manifest.json lists a name the format does not define, or one twice")
            }
        }
        guard let r = listed[ExportLayout.records], r.size == Int64(recordsBytes.count), r.sha256 == Encoding.hex(SHA256.hash(recordsBytes)) else {
            throw VaultError.badData("records.json does not match its hash in the signed manifest; the export was altered")
        }
        for n in records.notes {
            guard n.file == "notes/\(n.id).txt", let f = listed[n.file], f.sha256 == n.sha256, f.size == Int64(n.bytes) else {
                throw VaultError.badData("note \(n.id) in records.json does not match the signed manifest")
            }
        }
        guard Set(listed.keys.filter(ExportLayout.isNoteFile)) == Set(records.notes.map(\.file)) else {
            throw VaultError.badData("the signed manifest and records.json list different notes")
        }
        for a in records.attachments {
            guard ExportLayout.folder(of: a.file) != nil, let f = listed[a.file], f.sha256 == a.sha256, f.size == Int64(a.bytes) else {
                throw VaultError.badData("\(a.file) in records.json does not match the signed manifest")
            }
        }
        let others = listed.keys.filter { ExportLayout.folder(of: $0) != nil && !ExportLayout.isNoteFile($0) }
        guard Set(others) == Set(records.attachments.map(\.file)), others.count == records.attachments.count else {
            throw VaultError.badData("the signed manifest and records.json list different signed copies or accountings")
        }
    }
}
