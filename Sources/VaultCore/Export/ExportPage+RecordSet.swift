import Foundation

/// The page's sections on authorizations, amendment requests and delivered accountings, in
/// plain language.
extension ExportPage {
    /// The record an id names, in words ("your session note of 3 November 2026").
    func recordName(_ id: String) -> String? {
        if let n = records.notes.first(where: { $0.id == id }) { return "your " + noteTitle(n).lowercasedFirst }
        if let a = records.agreements.first(where: { $0.id == id }) { return "your \(a.kind) agreement (version \(a.version))" }
        if records.withheld.contains(where: { $0.id == id }) { return "a record that is not included in this copy" }
        return nil
    }

    func recordSetContext() -> [String: Any] {
        let auths = records.authorizations ?? [], amendments = records.amendments ?? [], accountings = records.accountings ?? []
        return ["authorizationCount": auths.count, "authorizations": auths.map(authorizationContext),
                "amendmentCount": amendments.count, "amendments": amendments.map(amendmentContext),
                "accountingCount": accountings.count, "accountings": accountings.map(accountingContext)]
    }

    private func authorizationContext(_ a: ExportAuthorization) -> [String: Any] {
        let what: String
        if let ids = a.recordIds {
            what = ids.map { recordName($0) ?? "a record of yours" }.joined(separator: ", ")
        } else {
            let words = ["progress": "your session notes", "psychotherapy": "your psychotherapy notes", "agreement": "your treatment agreements"]
            what = (a.kinds ?? []).map { words[$0] ?? $0 }.joined(separator: " and ")
        }
        let by = a.signedBy == nil || a.signedBy == "client" ? "you" : a.signedBy ?? "you"
        let signed = a.signedOn.map { "Signed by \(by) on \(day($0))." } ?? "Signed by \(by)."
        let ends = a.expires.map { "It ends on \(day($0))." } ?? a.expiresEvent.map { "It ends at this event: \($0)." } ?? ""
        var c: [String: Any] = ["recipient": a.recipient, "what": what, "purpose": a.purpose, "signed": signed, "ends": ends]
        if let revoked = a.revokedOn { c["revoked"] = day(revoked) }
        if let copy = a.signedCopy { c["copy"] = copy.file }
        c["revocationCopies"] = a.revocations.compactMap { $0.signedCopy?.file }
        return c
    }

    private func amendmentContext(_ m: ExportAmendment) -> [String: Any] {
        let what = m.recordIds.map { recordName($0) ?? "a record of yours" }.joined(separator: ", ")
        let decision: String
        switch m.state {
        case "accepted": decision = "The practice accepted it; the correction is shown with the record."
        case "refused":
            let ground = m.ground.flatMap(AmendmentDenialGround.init(rawValue:))?.meaning ?? "no ground was recorded"
            decision = "The practice denied it because \(ground). It said: \(m.reason ?? "")"
        default: decision = "The practice has not decided yet; it must answer by \(day(m.dueOn))."
        }
        let filed = (records.addenda ?? []).filter { $0.requestId == m.id }.map(\.kind)
        var c: [String: Any] = ["received": day(m.receivedOn), "what": what, "requested": m.requested, "decision": decision]
        if filed.contains("disagreement") {
            c["statements"] = filed.contains("rebuttal")
                ? "Your statement of disagreement and the practice's reply to it are kept with the record, and shown with it above."
                : "Your statement of disagreement is kept with the record, and shown with it above."
        }
        return c
    }

    private func accountingContext(_ a: ExportAccounting) -> [String: Any] {
        var c: [String: Any] = ["delivered": time(a.deliveredAt), "from": day(a.from), "to": day(a.to), "file": a.document.file,
                                "count": a.disclosures == 1 ? "1 disclosure" : "\(a.disclosures) disclosures"]
        if let fee = a.fee { c["fee"] = fee }
        return c
    }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
