import Foundation

/// An agreement laid out for a person to read: a title, labelled facts, then headed sections in
/// the order of the agreement. ``AgreementRender`` turns it into text or HTML, so the CLI and a
/// web console show the same document.
public struct AgreementDocument: Sendable, Equatable {
    public struct Fact: Sendable, Equatable {
        public var label: String
        public var value: String
    }

    public struct Section: Sendable, Equatable {
        public var heading: String
        public var items: [String]
    }

    public var title: String
    public var facts: [Fact]
    public var sections: [Section]
    /// One line per client acknowledgement (who, when, whether the signature verifies), or one
    /// line saying there is none.
    public var acknowledgements: [String]

    /// Lays out `record` (its body must be open).
    /// - Parameter catalogue: the exception catalogue in force, for the meaning of each code.
    public init(_ record: AgreementRecord, catalogue: [ConfidentialityException]) {
        let body = record.body
        title = Self.title(record)
        facts = [Fact(label: "Agreement", value: "\(record.id), version \(record.version)"),
                 Fact(label: "Client", value: record.clientID),
                 Fact(label: "Written by", value: "\(record.author), \(record.createdAt)")]
        if let body {
            facts.append(Fact(label: "Reviewed with the client", value: body.reviewedOn))
            if let next = body.nextReviewOn { facts.append(Fact(label: "Next review", value: next)) }
            if let ack = body.acknowledgedOn { facts.append(Fact(label: "Acknowledged on (as entered)", value: ack)) }
        }
        sections = body.map { Self.sections($0, catalogue: catalogue) } ?? []
        acknowledgements = (record.acknowledgements ?? []).map { ack in
            let state = ack.signatureValid && ack.matchesAgreement
                ? "signature verifies" : (ack.signatureValid ? "signed an earlier text" : "SIGNATURE DOES NOT VERIFY")
            return "Acknowledged by \(ack.user) at \(ack.time): \(state)"
        }
        if acknowledgements.isEmpty { acknowledgements = ["Not acknowledged by the client in Confidant."] }
    }

    static func title(_ record: AgreementRecord) -> String {
        switch (AgreementKind(rawValue: record.kind), record.body?.isSafetyPlan ?? false) {
        case (.safety, true): "Safety plan"
        case (.safety, false): "Safety agreement"
        case (.relationship, _): "Treatment agreement (client and therapist)"
        case (.confidentiality, _): "Confidentiality agreement"
        case (nil, _): "Agreement"
        }
    }

    static func sections(_ b: AgreementBody, catalogue: [ConfidentialityException]) -> [Section] {
        var out: [Section] = []
        func add(_ heading: String, _ items: [String]?) {
            if let items, !items.isEmpty { out.append(Section(heading: heading, items: items)) }
        }
        switch b.kind {
        case .relationship:
            add("Client commitments", b.clientCommitments)
            add("Therapist commitments", b.therapistCommitments)
            add("Treatment goals", b.treatmentGoals)
            add("Treatment term", b.treatmentTerm.map { t in
                ["From \(t.start) to \(t.end)"] + (t.renewal.map { ["Renewal: \($0)"] } ?? [])
            })
        case .safety where b.isSafetyPlan:
            add("Step 1. Warning signs", b.warningSigns)
            add("Step 2. Internal coping strategies", b.internalCoping)
            add("Step 3. People and social settings that provide distraction",
                (b.distractionPeople ?? []).map(Self.contact) + (b.distractionPlaces ?? []))
            add("Step 4. People I can ask for help", b.askForHelp?.map(Self.contact))
            add("Step 5. Professionals and agencies I can contact in a crisis", b.professionals?.map(Self.contact))
            add("Step 6. Making the environment safe", b.safeEnvironment)
            add("Reasons for living", b.reasonsForLiving)
            add("Behaviours I agree to work on", b.refrainFrom)
        case .safety:
            add("Behaviours the client agrees to refrain from", b.refrainFrom)
            add("Crisis plan", b.crisisPlan.map { [$0] })
            add("Crisis contacts", b.crisisContacts?.map { "\($0.name) (\($0.relation)): phone \($0.phone)" })
        case .confidentiality:
            add("Limits of confidentiality explained", b.exceptionsExplained?.map { code in
                guard let e = catalogue.first(where: { $0.code == code }) else { return "\(code): (not in this vault's catalogue)" }
                return "\(code): \(e.meaning) (\(e.basis); \(e.kind == .required ? "required by law" : "permitted"))"
            })
        }
        return out
    }

    /// `Name (relation): phone …; text …; email …; address …; hours …`.
    static func contact(_ c: SafetyContact) -> String {
        let ways = [("phone", c.phone), ("text", c.text), ("email", c.email), ("address", c.address), ("hours", c.hours)]
            .compactMap { label, value in value.map { "\(label) \($0)" } }
        let who = c.relation.map { "\(c.name) (\($0))" } ?? c.name
        return ways.isEmpty ? who : "\(who): \(ways.joined(separator: "; "))"
    }
}
