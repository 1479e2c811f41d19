import Foundation

/// What index.html says, in plain language: the contexts its templates
/// (``ExportPageTemplates``) render. No HL7 purpose code, action code, command-line flag or UTC
/// timestamp reaches the page: purposes and actions are said in words, times in the practice's
/// zone, notes titled by their date.
struct ExportPage {
    let records: ExportRecords
    let zone: TimeZone
    let catalogue: [ConfidentialityException]

    // MARK: dates

    /// `3 November 2026` for an ISO time or a `YYYY-MM-DD` day; the text unchanged otherwise.
    func day(_ text: String) -> String {
        if text.count == 10, let ms = Timestamp.dayStart(text) { return format(ms, "d MMMM yyyy", utc: true) }
        guard let ms = Self.millis(text) else { return text }
        return format(ms, "d MMMM yyyy", utc: false)
    }

    /// `3 November 2026 at 09:15` in the practice's zone.
    func time(_ iso: String) -> String {
        guard let ms = Self.millis(iso) else { return iso }
        return format(ms, "d MMMM yyyy 'at' HH:mm", utc: false)
    }

    private func format(_ ms: Int64, _ pattern: String, utc: Bool) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = utc ? TimeZone(identifier: "UTC") : zone
        f.dateFormat = pattern
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func millis(_ iso: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: iso).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    // MARK: contexts

    func headContext() -> [String: Any] {
        let r = records
        var c: [String: Any] = ["practice": r.practice, "clientName": r.client.name, "preparedOn": time(r.exportedAt),
                "dateOfBirth": r.client.dateOfBirth.map(day) ?? "not recorded", "contact": r.client.contact ?? "not recorded",
                "zone": zone.identifier, "agreementCount": r.agreements.count, "noteCount": r.notes.count,
                "withheldCount": r.withheld.count, "disclosureCount": r.disclosures.count,
                "authorizationCount": r.authorizations?.count ?? 0, "amendmentCount": r.amendments?.count ?? 0,
                "accountingCount": r.accountings?.count ?? 0,
                "agreements": r.agreements.map(agreementContext)]
        if let received = r.accessRequest?.receivedOn { c["receivedOn"] = day(received) }
        if let third = r.accessRequest?.thirdParty { c["thirdParty"] = third }
        return c
    }

    private func agreementContext(_ a: ExportAgreement) -> [String: Any] {
        let acks = a.acknowledgements.map { ack -> Acknowledgement in
            var ack = ack
            ack.time = time(ack.time)
            return ack
        }
        let record = AgreementRecord(id: a.id, clientID: records.client.id, kind: a.kind, version: a.version, author: a.author,
                                     createdAt: day(a.createdAt), body: a.body, acknowledgements: acks)
        let doc = AgreementDocument(record, catalogue: catalogue)
        return ["title": "\(doc.title), version \(a.version)",
                "facts": doc.facts.filter { $0.label != "Agreement" && $0.label != "Client" }
                    .map { ["label": $0.label, "value": CalendarDate.isValid($0.value) ? day($0.value) : $0.value] },
                "sections": doc.sections.map { ["heading": $0.heading, "items": $0.items] },
                "acknowledgements": doc.acknowledgements]
    }

    func noteTitle(_ n: ExportNote) -> String {
        "\(n.kind == "psychotherapy" ? "Psychotherapy note" : "Session note") of \(day(n.createdAt))"
    }

    func noteContext(_ n: ExportNote) -> [String: Any] {
        var c: [String: Any] = ["title": noteTitle(n), "author": n.author, "written": time(n.createdAt)]
        if let label = n.sealedLabels.compactMap(NoteLabel.init(rawValue:)).first { c["protected"] = label.notice }
        return c
    }

    func noteEndContext(_ n: ExportNote) -> [String: Any] {
        let linked = (records.addenda ?? []).filter { $0.recordIds.contains(n.id) }
        return ["addenda": linked.map { a -> [String: Any] in
            let heading = switch a.kind {
            case "disagreement": "Your statement of disagreement"
            case "rebuttal": "The practice's reply to your statement"
            default: "Correction"
            }
            return ["heading": heading, "author": a.author, "written": time(a.createdAt), "text": a.text]
        }]
    }

    func tailContext() -> [String: Any] {
        let r = records
        let (people, maintenance) = ExportPageSentences(page: self).accessSentences()
        return ["practice": r.practice, "recordSet": recordSetContext(),
                "withheld": r.withheld.map { w -> [String: Any] in
                    var c: [String: Any] = ["what": withheldWhat(w), "reason": w.reason]
                    if let review = w.howToAskForReview { c["review"] = review }
                    return c
                },
                "hasDisclosures": !r.disclosures.isEmpty,
                "disclosures": r.disclosures.map { d in
                    ["date": day(d.date), "recipient": d.recipientName, "address": d.recipientAddress.isEmpty ? "not known" : d.recipientAddress,
                     "what": d.description, "why": d.purpose]
                },
                "accesses": people.map { ["sentence": $0] },
                "hasMaintenance": !maintenance.isEmpty, "maintenanceCount": maintenance.count,
                "maintenance": maintenance.map { ["sentence": $0] }]
    }

    private func withheldWhat(_ w: ExportWithheld) -> String {
        switch w.kind {
        case "psychotherapy": "A psychotherapy note by \(w.author)"
        case "progress": "A session note by \(w.author)"
        case "agreement": "An agreement written by \(w.author)"
        default: "A record by \(w.author)"
        }
    }
}
