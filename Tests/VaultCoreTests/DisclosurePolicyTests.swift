import Foundation
import Testing
@testable import VaultCore

/// Every rule of ``DisclosurePolicy``, cell by cell, against expectations written out here (not
/// derived from the policy), so flipping any rule fails a test.
@Suite("disclosure policy")
struct DisclosurePolicyTests {
    static let bases = ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order", "state-duty"]

    @Test("purpose of use for every basis")
    func purposes() {
        let expected: [String: Purpose] = ["harm-to-self": .threat, "harm-to-others": .threat, "child-abuse": .publicHealth,
                                           "elder-abuse": .publicHealth, "legal-order": .legal, "state-duty": .legal,
                                           "client-authorization": .patientRequest]
        for (basis, purpose) in expected { #expect(DisclosurePolicy.purpose(basis: basis) == purpose, "\(basis)") }
    }

    @Test("an exception basis: every combination of explained, co-signed and psychotherapy note")
    func exceptionCells() {
        for basis in Self.bases {
            for explained in [false, true] {
                for cosigned in [false, true] {
                    for psy in [nil, "r-psy"] {
                        let f = DisclosurePolicy.ExceptionFacts(basis: basis, date: "2026-11-20", explained: explained,
                                                                agreementInForce: "version 1, reviewed 2026-11-02", cosigned: cosigned,
                                                                psychotherapyNote: psy)
                        let want: DisclosurePolicy.Decision
                        if psy != nil {
                            want = .refused("psychotherapy note r-psy can only be disclosed under a client authorization that names psychotherapy notes")
                        } else if explained {
                            want = .allowed
                        } else if cosigned {
                            want = .cosigned
                        } else {
                            want = .refused("exception '\(basis)' was not explained to the client in the confidentiality agreement in force on "
                                            + "2026-11-20 (version 1, reviewed 2026-11-02); a compliance officer can co-sign with --cosign")
                        }
                        #expect(DisclosurePolicy.decide(f) == want, "\(basis) explained=\(explained) cosigned=\(cosigned) psy=\(psy ?? "-")")
                    }
                }
            }
        }
    }

    @Test("an authorization: expiry (inclusive), recipient (case and spaces ignored), coverage by id and by kind, psychotherapy")
    func authorizationCells() {
        let byKind = ClientAuthorization(recipient: "Dr. Lee", recordIDs: nil, kinds: ["progress"], purpose: "care", expires: "2026-12-31")
        let byID = ClientAuthorization(recipient: "Dr. Lee", recordIDs: ["n1", "p1"], kinds: nil, purpose: "care", expires: "2026-12-31")
        let psyKind = ClientAuthorization(recipient: "Dr. Lee", recordIDs: nil, kinds: ["psychotherapy"], purpose: "care", expires: "2026-12-31")
        func d(_ a: ClientAuthorization, date: String = "2026-12-31", to: String = "dr. lee ", _ recs: [(String, RecordKind)]) -> DisclosurePolicy.Decision {
            DisclosurePolicy.decide(authorization: a, id: "a1", date: date, recipient: to, records: recs.map { (id: $0.0, kind: $0.1) })
        }
        #expect(d(byKind, [("n1", .progress)]) == .allowed)
        #expect(d(byKind, date: "2027-01-01", [("n1", .progress)]) == .refused("authorization a1 expired on 2026-12-31"))
        #expect(d(byKind, to: "Dr. Leigh", [("n1", .progress)]) == .refused("authorization a1 does not name 'Dr. Leigh' as recipient"))
        #expect(d(byKind, [("g1", .agreement)]) == .refused("authorization a1 does not cover record g1"))
        #expect(d(byKind, [("p1", .psychotherapy)])
                == .refused("psychotherapy note p1 needs an authorization that names psychotherapy notes; a1 does not"))
        #expect(d(byID, [("n1", .progress), ("p1", .psychotherapy)]) == .allowed)
        #expect(d(byID, [("n2", .progress)]) == .refused("authorization a1 does not cover record n2"))
        #expect(d(psyKind, [("p9", .psychotherapy)]) == .allowed)
        #expect(d(psyKind, [("n1", .progress)]) == .refused("authorization a1 does not cover record n1"))
    }

    @Test("psychotherapy author rule, co-signer rule and the abuse-report fields")
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
        for basis in Self.bases {
            let abuse = basis == "child-abuse" || basis == "elder-abuse"
            #expect(DisclosurePolicy.abuseReportProblem(basis: basis, clientInformed: nil, notInformedReason: nil)
                    == (abuse ? "a \(basis) report must say whether the client was informed: --client-informed yes|no (45 CFR 164.512(c)(2))" : nil))
            #expect(DisclosurePolicy.abuseReportProblem(basis: basis, clientInformed: false, notInformedReason: "  ")
                    == (abuse ? "--client-informed no needs --not-informed-reason (45 CFR 164.512(c)(2))" : nil))
            #expect(DisclosurePolicy.abuseReportProblem(basis: basis, clientInformed: false, notInformedReason: "risk to child") == nil)
            #expect(DisclosurePolicy.abuseReportProblem(basis: basis, clientInformed: true, notInformedReason: nil) == nil)
        }
    }

    /// Every non-empty set of roles.
    static let roleSets: [Set<Role>] = (1..<(1 << Role.allCases.count)).map { mask in
        Set(Role.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
    }
}
