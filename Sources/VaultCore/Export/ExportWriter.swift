import Foundation
import VaultCrypto

/// Writes an export archive (ZIP) through an age encryptor, one note at a time.
///
/// Every file's SHA-256 and size are taken while it streams. After the last listed file,
/// manifest.json lists them; `commit` then signs its hash into the `export.fulfilled` entry
/// and returns proof.json, which proves that entry, and proof.json ends the archive.
struct ExportWriter {
    let session: Session
    let records: ExportRecords
    /// Signed copies and delivered accountings, by archive name, as records.json lists them.
    let attachments: [(name: String, bytes: [UInt8])]
    let auditRows: [LogRow]
    /// Commits the entry carrying `manifest:<hex>` for the given manifest SHA-256 and returns
    /// the proofs of the access report and of that entry.
    let commit: ([UInt8]) throws -> ExportProof

    func write(recipient: AgeRecipient, sink: @escaping ([UInt8]) throws -> Void) throws -> ExportSummary {
        var total: Int64 = 0
        let age = try AgeEncryptor(recipients: [recipient], sink: { bytes in total += Int64(bytes.count); try sink(bytes) })
        let zip = ZipStreamWriter(sink: { try age.write($0) })
        // The notes, one file each.
        for n in records.notes {
            var text = try session.exportNotePlaintext(n.id)
            guard Encoding.hex(SHA256.hash(text)) == n.sha256 else { throw VaultError.badData("note \(n.id) changed during the export") }
            try zip.begin(n.file)
            try zip.write(text)
            secureWipe(&text)
        }
        for file in attachments {
            try zip.begin(file.name)
            try zip.write(file.bytes)
        }
        try zip.begin(ExportLayout.records)
        try zip.write([UInt8](try JSONEncoder.exportPretty.encode(records)))
        try zip.begin("index.html")
        try writeHTML(zip)
        try zip.begin("fhir-bundle.json")
        try writeFHIR(zip)
        try zip.begin("README.txt")
        try zip.write(Self.readme)
        try zip.end()
        let manifest = try ExportManifest(files: zip.files).encoded()
        try zip.begin(ExportLayout.manifest)
        try zip.write(manifest)
        try zip.end()
        let proof = try commit(SHA256.hash(manifest))
        try zip.begin(ExportLayout.proof)
        try zip.write([UInt8](try JSONEncoder.exportPretty.encode(proof)))
        try zip.finish()
        try age.finish()
        return ExportSummary(requestId: records.requestId, client: records.client.id, notes: records.notes.count,
                             agreements: records.agreements.count, disclosures: records.disclosures.count,
                             accessEntries: records.accessReport.count, withheld: records.withheld.count, bytes: total)
    }

    static let readme = """
    This archive is your copy of your records, made by your practice with Confidant.

      index.html        everything, readable in any web browser (no scripts, nothing loaded from the internet)
      records.json      the same as data (format confidant-export/v1)
      notes/            each note as a text file
      signed-copies/    the signed copies of your authorizations (and of any revocation), as filed
      accountings/      each accounting of disclosures you were given, exactly as delivered
      fhir-bundle.json  the same as a FHIR R4 Bundle, for other health software
      manifest.json     the name, size and SHA-256 of every file above, signed by your practice
      proof.json        proofs that the manifest and the access report are in the practice's tamper-evident log

    To check the proofs without trusting the practice's software, run the independent verifier
    (tools/verify_export.py in the Confidant source, Python with PyNaCl) on this folder, and
    compare the log public key in proof.json with the one the practice publishes
    (verify_export.py --log-key KEY, or confidant export open --log-key KEY).

    """

    // MARK: index.html

    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private func writeHTML(_ zip: ZipStreamWriter) throws {
        let catalogue = try session.vault.store.read { tx in try session.exceptionCatalogue(tx) }
        let page = ExportPage(records: records, zone: session.practiceTimeZone(), catalogue: catalogue)
        try zip.write(ExportPageTemplates.render("head", page.headContext()))
        for n in records.notes {
            try zip.write(ExportPageTemplates.render("note", page.noteContext(n)))
            var text = try session.exportNotePlaintext(n.id)
            try zip.write(Self.esc(String(decoding: text, as: UTF8.self)))
            secureWipe(&text)
            try zip.write(ExportPageTemplates.render("noteEnd", page.noteEndContext(n)))
        }
        try zip.write(ExportPageTemplates.render("tail", page.tailContext()))
    }

    // MARK: fhir-bundle.json

    private func writeFHIR(_ zip: ZipStreamWriter) throws {
        let r = records
        let vaultID = r.vaultId
        try zip.write(#"{"resourceType":"Bundle","id":"confidant-export-\#(r.requestId)","type":"collection","timestamp":"\#(r.exportedAt)","entry":["#)
        var first = true
        func entry(_ url: String, _ resource: [String: Any]) throws {
            let data = try JSONSerialization.data(withJSONObject: ["fullUrl": url, "resource": resource], options: [.sortedKeys, .withoutEscapingSlashes])
            try zip.write((first ? "\n" : ",\n") + String(decoding: data, as: UTF8.self))
            first = false
        }
        var patient: [String: Any] = ["resourceType": "Patient", "id": r.client.id,
                                      "identifier": [["system": "urn:confidant:client", "value": r.client.id]],
                                      "name": [["text": r.client.name]]]
        if let dob = r.client.dateOfBirth { patient["birthDate"] = dob }
        if let contact = r.client.contact { patient["telecom"] = [["system": contact.contains("@") ? "email" : "phone", "value": contact]] }
        try entry("urn:confidant:\(vaultID):client:\(r.client.id)", patient)
        for n in r.notes {
            var text = try session.exportNotePlaintext(n.id)
            var sha1 = SHA1()
            sha1.update(text)
            secureWipe(&text)
            try entry("urn:confidant:\(vaultID):record:\(n.id)", [
                "resourceType": "DocumentReference", "id": n.id, "status": "current", "meta": ["security": SecurityLabel.fhir(kind: n.kind, labels: n.sealedLabels)],
                "type": ["text": n.kind == "progress" ? "Progress note" : "Psychotherapy note"],
                "subject": ["reference": "Patient/\(r.client.id)"], "date": n.createdAt,
                "author": [["display": n.author]],
                "content": [["attachment": ["contentType": "text/plain; charset=utf-8", "url": n.file, "size": n.bytes,
                                            "hash": Encoding.base64(sha1.finish()), "title": "\(n.kind) note \(n.id)"]]],
            ])
        }
        for a in r.agreements {
            let json = [UInt8](try JSONEncoder.exportPretty.encode(a.body))
            var sha1 = SHA1()
            sha1.update(json)
            try entry("urn:confidant:\(vaultID):record:\(a.id)", [
                "resourceType": "DocumentReference", "id": a.id, "meta": ["security": SecurityLabel.fhir(kind: "agreement")], "status": a.version == (r.agreements.filter { $0.kind == a.kind }.map(\.version).max() ?? a.version) ? "current" : "superseded",
                "type": ["text": "\(a.kind) agreement"], "subject": ["reference": "Patient/\(r.client.id)"], "date": a.createdAt,
                "author": [["display": a.author]],
                "content": [["attachment": ["contentType": "application/json", "data": Encoding.base64(json), "size": json.count,
                                            "hash": Encoding.base64(sha1.finish()), "title": "\(a.kind) agreement, version \(a.version)"]]],
            ])
        }
        for row in auditRows {
            try entry("urn:confidant:\(vaultID):log:\(row.seq)", FHIRAuditExport.auditEvent(row, vaultID: vaultID, practice: r.practice))
        }
        try zip.write("\n]}\n")
    }
}

extension JSONEncoder {
    static var exportPretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
