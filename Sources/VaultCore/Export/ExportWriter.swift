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
        let r = records
        try zip.write("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>Records of \(Self.esc(r.client.name))</title>
        <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}table{border-collapse:collapse}
        td,th{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}</style>
        </head><body>
        <h1>Records of \(Self.esc(r.client.name))</h1>
        <p>From \(Self.esc(r.practice)), exported \(Self.esc(r.exportedAt)) by \(Self.esc(r.exportedBy)) (request \(Self.esc(r.requestId))).</p>
        <p>Date of birth: \(Self.esc(r.client.dateOfBirth ?? "not recorded")). Contact: \(Self.esc(r.client.contact ?? "not recorded")).</p>

        """)
        try zip.write("<h2>Agreements</h2>\n")
        for a in r.agreements {
            let body = String(decoding: (try? JSONEncoder.exportPretty.encode(a.body)) ?? Data(), as: UTF8.self)
            let acks = a.acknowledgements.map { "acknowledged by \($0.user) at \($0.time)\($0.signatureValid && $0.matchesAgreement ? " (signature verifies)" : " (signature does NOT verify)")" }
            try zip.write("<h3>\(Self.esc(a.kind)) agreement, version \(a.version)</h3>\n<p>Reviewed \(Self.esc(a.body.reviewedOn)); \(Self.esc(acks.isEmpty ? "no electronic acknowledgement" : acks.joined(separator: "; ")))</p>\n<pre>\(Self.esc(body))</pre>\n")
        }
        try zip.write("<h2>Notes</h2>\n")
        for n in r.notes {
            var text = try session.exportNotePlaintext(n.id)
            try zip.write("<h3>\(Self.esc(n.kind)) note \(Self.esc(n.id))</h3>\n<p>Written \(Self.esc(n.createdAt)) by \(Self.esc(n.author)).</p>\n<pre>")
            try zip.write(Self.esc(String(decoding: text, as: UTF8.self)))
            try zip.write("</pre>\n")
            secureWipe(&text)
        }
        try zip.write("<h2>Withheld</h2>\n")
        if r.withheld.isEmpty { try zip.write("<p>Nothing was withheld.</p>\n") }
        for w in r.withheld { try zip.write("<p>\(Self.esc(w.kind)) note \(Self.esc(w.id)) by \(Self.esc(w.author)): \(Self.esc(w.reason))</p>\n") }
        try zip.write("<h2>Accounting of disclosures (45 CFR 164.528)</h2>\n<table><tr><th>Date</th><th>Recipient</th><th>Address</th><th>What</th><th>Purpose</th></tr>\n")
        for d in r.disclosures {
            try zip.write("<tr><td>\(Self.esc(d.date))</td><td>\(Self.esc(d.recipientName))</td><td>\(Self.esc(d.recipientAddress))</td><td>\(Self.esc(d.description))</td><td>\(Self.esc(d.purpose))</td></tr>\n")
        }
        try zip.write("</table>\n<h2>Who accessed your records</h2>\n<table><tr><th>#</th><th>Time</th><th>Who</th><th>What</th><th>Record</th><th>Purpose</th><th>Outcome</th></tr>\n")
        for a in r.accessReport {
            try zip.write("<tr><td>\(a.seq)</td><td>\(Self.esc(a.time))</td><td>\(Self.esc(a.actor))</td><td>\(Self.esc(a.action))</td><td>\(Self.esc(a.record))</td><td>\(Self.esc(a.purpose))</td><td>\(Self.esc(a.outcome))</td></tr>\n")
        }
        try zip.write("</table>\n<p>Each row above is an entry of the practice's tamper-evident access log; proof.json holds the proofs.</p>\n</body></html>\n")
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
                "resourceType": "DocumentReference", "id": n.id, "status": "current",
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
                "resourceType": "DocumentReference", "id": a.id, "status": a.version == (r.agreements.filter { $0.kind == a.kind }.map(\.version).max() ?? a.version) ? "current" : "superseded",
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
