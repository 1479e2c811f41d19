import Foundation

/// The disclosure rules as pure decisions (no vault, no keys): which purpose of use a basis
/// logs, whether a basis may be used for this client on this date, the psychotherapy rule and
/// whether an authorization covers what is disclosed. ``Session/disclose(_:cosigner:)``
/// gathers the facts, asks, and acts on the answer.
package enum DisclosurePolicy {
    /// What the rules say about one disclosure.
    package enum Decision: Equatable, Sendable {
        /// Allowed as asked.
        case allowed
        /// Allowed because a compliance officer co-signed a basis the client was not told of;
        /// flagged `basis-not-stated` and reviewed.
        case cosigned
        /// Refused (77), with the reason a person reads.
        case refused(String)
    }

    /// The purpose of use logged for a basis.
    package static func purpose(basis: String) -> Purpose {
        switch basis {
        case "harm-to-self", "harm-to-others": .threat
        case "child-abuse", "elder-abuse": .publicHealth
        case "legal-order": .legal
        case ClientAuthorization.basisCode: .patientRequest
        default: .legal
        }
    }

    /// Facts about a disclosure under an exception (not a client authorization).
    package struct ExceptionFacts: Equatable, Sendable {
        package var basis: String
        package var date: String
        /// The basis is listed in the confidentiality agreement in force on `date`.
        package var explained: Bool
        /// "version 2, reviewed 2026-11-02", or "none on file".
        package var agreementInForce: String
        package var cosigned: Bool
        /// The id of a psychotherapy note among the records, if any.
        package var psychotherapyNote: String?

        package init(basis: String, date: String, explained: Bool, agreementInForce: String, cosigned: Bool, psychotherapyNote: String?) {
            self.basis = basis; self.date = date; self.explained = explained
            self.agreementInForce = agreementInForce; self.cosigned = cosigned; self.psychotherapyNote = psychotherapyNote
        }
    }

    /// An exception basis: psychotherapy notes never (they need an authorization naming them);
    /// otherwise allowed when the client was told of the exception, co-signed when it was not
    /// but a compliance officer co-signs, refused otherwise.
    package static func decide(_ f: ExceptionFacts) -> Decision {
        if let psy = f.psychotherapyNote {
            return .refused("psychotherapy note \(psy) can only be disclosed under a client authorization that names psychotherapy notes")
        }
        if f.explained { return .allowed }
        if f.cosigned { return .cosigned }
        return .refused("exception '\(f.basis)' was not explained to the client in the confidentiality agreement in force on \(f.date) "
                        + "(\(f.agreementInForce)); a compliance officer can co-sign with --cosign")
    }

    /// A disclosure under a client authorization: in force on `date`, naming the recipient, and
    /// covering every record (psychotherapy notes only when it names them).
    package static func decide(authorization auth: ClientAuthorization, id authID: String, date: String, recipient: String,
                               records: [(id: String, kind: RecordKind)]) -> Decision {
        guard auth.expires >= date else { return .refused("authorization \(authID) expired on \(auth.expires)") }
        func norm(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased() }
        guard norm(auth.recipient) == norm(recipient) else {
            return .refused("authorization \(authID) does not name '\(recipient)' as recipient")
        }
        for rec in records {
            if rec.kind == .psychotherapy && !auth.namesPsychotherapy(recordID: rec.id) {
                return .refused("psychotherapy note \(rec.id) needs an authorization that names psychotherapy notes; \(authID) does not")
            }
            guard auth.covers(recordID: rec.id, kind: rec.kind) else {
                return .refused("authorization \(authID) does not cover record \(rec.id)")
            }
        }
        return .allowed
    }

    /// Only its author discloses a psychotherapy note.
    package static func decide(psychotherapyNote id: String, author: String, actor: String) -> Decision {
        author == actor ? .allowed : .refused("psychotherapy note \(id) can only be disclosed by its author")
    }

    /// A co-signer must be a compliance officer other than the discloser.
    package static func decide(cosigner: String, cosignerRoles: Set<Role>, actor: String) -> Decision {
        cosignerRoles.contains(.compliance) && cosigner != actor
            ? .allowed : .refused("--cosign needs a compliance officer other than yourself; '\(cosigner)' is not one")
    }

    /// An abuse report must say whether the client was informed, and why not (45 CFR
    /// 164.512(c)(2)). Nil when complete; otherwise the usage error (64).
    package static func abuseReportProblem(basis: String, clientInformed: Bool?, notInformedReason: String?) -> String? {
        guard AbuseReport.codes.contains(basis) else { return nil }
        guard let informed = clientInformed else {
            return "a \(basis) report must say whether the client was informed: --client-informed yes|no (45 CFR 164.512(c)(2))"
        }
        if !informed, (notInformedReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            return "--client-informed no needs --not-informed-reason (45 CFR 164.512(c)(2))"
        }
        return nil
    }
}
