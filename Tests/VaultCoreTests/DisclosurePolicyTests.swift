import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

/// Every rule of ``DisclosurePolicy``, cell by cell, against expectations written out here (not
/// derived from the policy), so flipping any rule fails a test.
@Suite("disclosure policy")
struct DisclosurePolicyTests {
    /// The catalogue's kinds, written out (SPEC §2).
    static let kinds: [String: ExceptionKind] = [
        "harm-to-self": .permitted, "harm-to-others": .permitted, "child-abuse": .required, "elder-abuse": .required,
        "legal-order": .required, "legal-process": .permitted, "hhs-investigation": .required, "health-oversight": .required,
        "law-enforcement": .permitted, "coroner": .permitted,
    ]
    /// Bases that carry psychotherapy notes without an authorization (164.508(a)(2)(ii)).
    static let psyBases: Set<String> = ["legal-order", "hhs-investigation", "health-oversight", "coroner", "harm-to-self", "harm-to-others"]

    @Test("the catalogue: every code with its kind, and only elder-abuse needs the informed-client field")
    func catalogue() {
        #expect(Dictionary(uniqueKeysWithValues: ConfidentialityException.catalogue.map { ($0.code, $0.kind) }) == Self.kinds)
        #expect(ConfidentialityException.catalogue.filter(\.mustInform).map(\.code) == ["elder-abuse"])
    }

    @Test("purpose of use for every basis")
    func purposes() {
        let expected: [String: Purpose] = ["harm-to-self": .threat, "harm-to-others": .threat, "child-abuse": .publicHealth,
                                           "elder-abuse": .publicHealth, "health-oversight": .publicHealth, "coroner": .publicHealth,
                                           "legal-order": .legal, "legal-process": .legal, "hhs-investigation": .legal,
                                           "law-enforcement": .legal, "state-duty": .legal, "client-authorization": .patientRequest]
        for (basis, purpose) in expected { #expect(DisclosurePolicy.purpose(basis: basis) == purpose, "\(basis)") }
    }

    @Test("an exception basis: every combination of kind, explained, co-signed, attested, other compliance, psychotherapy, subject")
    func exceptionCells() {
        var cells = 0
        for (basis, kind) in Self.kinds {
            for explained in [false, true] { for cosigned in [false, true] { for attested in [false, true] {
                for other in [false, true] { for psy in [nil, "r-psy"] { for subject in [false, true] {
                    cells += 1
                    let f = DisclosurePolicy.ExceptionFacts(basis: basis, kind: kind, date: "2026-11-20", explained: explained,
                                                            agreementInForce: "version 1, reviewed 2026-11-02", cosigned: cosigned,
                                                            attested: attested, otherComplianceUser: other, psychotherapyNote: psy,
                                                            subjectAuthor: subject)
                    #expect(DisclosurePolicy.decide(f) == Self.expected(f), "\(f)")
                } } }
            } } }
        }
        #expect(cells == 10 * 64)
    }

    /// The rules as the compliance guide states them.
    static func expected(_ f: DisclosurePolicy.ExceptionFacts) -> DisclosurePolicy.Decision {
        if f.psychotherapyNote != nil {
            let ok = psyBases.contains(f.basis) && (f.basis != "health-oversight" || f.subjectAuthor)
            if !ok {
                return .refused("psychotherapy note r-psy can be disclosed only under an authorization for psychotherapy notes alone, "
                                + "or under legal-order, hhs-investigation, health-oversight --subject author, coroner, harm-to-self "
                                + "or harm-to-others; not under \(f.basis)")
            }
        }
        if f.explained { return .allowed }
        switch (f.kind, f.cosigned, f.attested, f.otherComplianceUser) {
        case (.required, _, _, _): return .notExplained
        case (.permitted, true, _, _): return .cosigned
        case (.permitted, false, true, false): return .attested
        case (.permitted, false, true, true):
            return .refused("--attest is for a practice without another compliance user; ask a compliance officer to co-sign with --cosign")
        case (.permitted, false, false, _):
            return .refused("exception '\(f.basis)' was not explained to the client in the confidentiality agreement in force on "
                            + "2026-11-20 (version 1, reviewed 2026-11-02); a compliance officer can co-sign with --cosign")
        }
    }

    @Test("an authorization: signed-on, revocation, expiry (inclusive), recipient, coverage by id and by kind, psychotherapy")
    func authorizationCells() {
        var byKind = ClientAuthorization(recipient: "Dr. Lee", recordIDs: nil, kinds: ["progress"], purpose: "care", expires: "2026-12-31",
                                         signedOn: "2026-01-10")
        let byID = ClientAuthorization(recipient: "Dr. Lee", recordIDs: ["n1", "p1"], kinds: nil, purpose: "care", expires: "2026-12-31")
        let psyKind = ClientAuthorization(recipient: "Dr. Lee", recordIDs: nil, kinds: ["psychotherapy"], purpose: "care", expires: nil,
                                          expiresEvent: "end of treatment")
        func d(_ a: ClientAuthorization, date: String = "2026-12-31", to: String = "dr. lee ", _ recs: [(String, RecordKind)]) -> DisclosurePolicy.Decision {
            DisclosurePolicy.decide(authorization: a, id: "a1", date: date, recipient: to, records: recs.map { (id: $0.0, kind: $0.1) })
        }
        #expect(d(byKind, [("n1", .progress)]) == .allowed)
        #expect(d(byKind, date: "2026-01-09", [("n1", .progress)]) == .refused("authorization a1 was signed on 2026-01-10, after the disclosure date 2026-01-09"))
        #expect(d(byKind, date: "2027-01-01", [("n1", .progress)]) == .refused("authorization a1 expired on 2026-12-31"))
        #expect(d(byKind, to: "Dr. Leigh", [("n1", .progress)]) == .refused("authorization a1 does not name 'Dr. Leigh' as recipient"))
        #expect(d(byKind, [("g1", .agreement)]) == .refused("authorization a1 does not cover record g1"))
        #expect(d(byKind, [("p1", .psychotherapy)])
                == .refused("psychotherapy note p1 needs an authorization that names psychotherapy notes; a1 does not"))
        byKind.revokedOn = "2026-06-01"
        #expect(d(byKind, date: "2026-05-31", [("n1", .progress)]) == .allowed)
        #expect(d(byKind, date: "2026-06-01", [("n1", .progress)]) == .refused("authorization a1 was revoked on 2026-06-01"))
        #expect(d(byID, [("n1", .progress), ("p1", .psychotherapy)]) == .allowed)
        #expect(d(byID, [("n2", .progress)]) == .refused("authorization a1 does not cover record n2"))
        #expect(d(psyKind, date: "2030-01-01", [("p9", .psychotherapy)]) == .allowed)
        #expect(d(psyKind, [("n1", .progress)]) == .refused("authorization a1 does not cover record n1"))
    }

    @Test("dates: not after today, not before the date of birth; days between dates")
    func dates() {
        #expect(DisclosurePolicy.dateProblem("2026-12-03", field: "--date", today: "2026-12-02", dateOfBirth: nil) == "--date 2026-12-03 is after today (2026-12-02)")
        #expect(DisclosurePolicy.dateProblem("2026-12-02", field: "--date", today: "2026-12-02", dateOfBirth: nil) == nil)
        #expect(DisclosurePolicy.dateProblem("1989-12-31", field: "--date", today: "2026-12-02", dateOfBirth: "1990-01-01")
                == "--date 1989-12-31 is before the client's date of birth (1990-01-01)")
        #expect(DisclosurePolicy.dateProblem("1990-01-01", field: "--date", today: "2026-12-02", dateOfBirth: "1990-01-01") == nil)
        #expect(DisclosurePolicy.days(from: "2026-11-24", to: "2026-12-02") == 8)
        #expect(DisclosurePolicy.days(from: "2018-12-02", to: "2026-12-02") == 2922)
    }

    @Test("psychotherapy author rule, co-signer rule and the informed-client fields")
    func otherRules() {
        #expect(DisclosurePolicy.decide(psychotherapyNote: "p1", author: "rivera", actor: "rivera") == .allowed)
        #expect(DisclosurePolicy.decide(psychotherapyNote: "p1", author: "rivera", actor: "chen")
                == .refused("psychotherapy note p1 can only be disclosed by its author"))
        for roles in Self.roleSets {
            for name in ["morgan", "rivera"] {
                let want: DisclosurePolicy.Decision = roles.contains(.compliance) && name != "rivera"
                    ? .allowed : .refused("--cosign needs a compliance officer other than yourself; '\(name)' is not one")
                #expect(DisclosurePolicy.decide(cosigner: name, cosignerRoles: roles, actor: "rivera") == want, "\(name) \(roles)")
            }
        }
        for inform in [false, true] {
            #expect(DisclosurePolicy.informProblem(basis: "elder-abuse", mustInform: inform, clientInformed: nil, notInformedReason: nil)
                    == (inform ? "a elder-abuse report must say whether the client was informed: --client-informed yes|no (45 CFR 164.512(c)(2))" : nil))
            #expect(DisclosurePolicy.informProblem(basis: "elder-abuse", mustInform: inform, clientInformed: false, notInformedReason: "  ")
                    == (inform ? "--client-informed no needs --not-informed-reason (45 CFR 164.512(c)(2))" : nil))
            #expect(DisclosurePolicy.informProblem(basis: "elder-abuse", mustInform: inform, clientInformed: false, notInformedReason: "risk") == nil)
            #expect(DisclosurePolicy.informProblem(basis: "elder-abuse", mustInform: inform, clientInformed: true, notInformedReason: nil) == nil)
        }
    }

    /// Every non-empty set of roles.
    static let roleSets: [Set<Role>] = (1..<(1 << Role.allCases.count)).map { mask in
        Set(Role.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
    }
}
