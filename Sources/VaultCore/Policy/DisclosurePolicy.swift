import Foundation

/// The disclosure rules as pure decisions (no vault, no keys): which purpose of use a basis
/// logs, whether a basis may be used for this client on this date, the psychotherapy rule,
/// whether an authorization covers what is disclosed, and how far back a date may lie.
/// ``Session/disclose(_:cosigner:)`` gathers the facts, asks, and acts on the answer.
package enum DisclosurePolicy {
    /// What the rules say about one disclosure.
    package enum Decision: Equatable, Sendable {
        /// Allowed as asked.
        case allowed
        /// A required basis the client was not told of: recorded, flagged `not-explained`, reviewed.
        case notExplained
        /// A permitted basis the client was not told of, co-signed by a compliance officer:
        /// flagged `override`, reviewed.
        case cosigned
        /// The same, attested by the discloser in a practice with no other compliance user.
        case attested
        /// Refused (77), with the reason a person reads.
        case refused(String)
    }

    /// The purpose of use logged for a basis.
    package static func purpose(basis: String) -> Purpose {
        switch basis {
        case "harm-to-self", "harm-to-others": .threat
        case "child-abuse", "elder-abuse", "health-oversight", "coroner": .publicHealth
        case ClientAuthorization.basisCode: .patientRequest
        default: .legal
        }
    }

    /// Bases under which psychotherapy notes may go without an authorization (164.508(a)(2)(ii));
    /// `health-oversight` only with `--subject author`.
    package static let psychotherapyBases: Set<String> = ["legal-order", "hhs-investigation", "health-oversight", "coroner",
                                                          "harm-to-self", "harm-to-others"]

    /// Facts about a disclosure under an exception (not a client authorization).
    package struct ExceptionFacts: Equatable, Sendable {
        package var basis: String
        package var kind: ExceptionKind
        package var date: String
        /// The basis is listed in the confidentiality agreement in force on `date`.
        package var explained: Bool
        /// "version 2, reviewed 2026-11-02", or "none on file".
        package var agreementInForce: String
        package var cosigned: Bool
        package var attested: Bool
        /// Another compliance user than the discloser exists (so `--attest` is not the way).
        package var otherComplianceUser: Bool
        /// The id of a psychotherapy note among the records, if any.
        package var psychotherapyNote: String?
        /// `--subject author` was given (health oversight of the notes' author).
        package var subjectAuthor: Bool

        package init(basis: String, kind: ExceptionKind, date: String, explained: Bool, agreementInForce: String, cosigned: Bool,
                     attested: Bool = false, otherComplianceUser: Bool = true, psychotherapyNote: String?, subjectAuthor: Bool = false) {
            self.basis = basis; self.kind = kind; self.date = date; self.explained = explained
            self.agreementInForce = agreementInForce; self.cosigned = cosigned; self.attested = attested
            self.otherComplianceUser = otherComplianceUser; self.psychotherapyNote = psychotherapyNote; self.subjectAuthor = subjectAuthor
        }
    }

    /// An exception basis. Psychotherapy notes only under the 164.508(a)(2)(ii) bases. Then: told
    /// of it → allowed; a required basis → recorded as not explained (never refused for that);
    /// a permitted one → co-signed, or attested where no other compliance user exists, else 77.
    package static func decide(_ f: ExceptionFacts) -> Decision {
        if let psy = f.psychotherapyNote,
           !psychotherapyBases.contains(f.basis) || (f.basis == "health-oversight" && !f.subjectAuthor) {
            return .refused("psychotherapy note \(psy) can be disclosed only under an authorization for psychotherapy notes alone, "
                            + "or under legal-order, hhs-investigation, health-oversight --subject author, coroner, harm-to-self "
                            + "or harm-to-others; not under \(f.basis)")
        }
        if f.explained { return .allowed }
        if f.kind == .required { return .notExplained }
        if f.cosigned { return .cosigned }
        if f.attested {
            return f.otherComplianceUser
                ? .refused("--attest is for a practice without another compliance user; ask a compliance officer to co-sign with --cosign")
                : .attested
        }
        return .refused("exception '\(f.basis)' was not explained to the client in the confidentiality agreement in force on \(f.date) "
                        + "(\(f.agreementInForce)); a compliance officer can co-sign with --cosign")
    }

    /// A disclosure under a client authorization: signed on or before `date`, not expired or
    /// revoked by then, naming the recipient, and covering every record.
    package static func decide(authorization auth: ClientAuthorization, id authID: String, date: String, recipient: String,
                               records: [(id: String, kind: RecordKind)]) -> Decision {
        if let signed = auth.signedOn, date < signed {
            return .refused("authorization \(authID) was signed on \(signed), after the disclosure date \(date)")
        }
        if let revoked = auth.revokedOn, date >= revoked {
            return .refused("authorization \(authID) was revoked on \(revoked)")
        }
        if let expires = auth.expires, expires < date { return .refused("authorization \(authID) expired on \(expires)") }
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

    /// A report under an exception whose individual must be informed (164.512(c)(2)) says
    /// whether the client was informed, and why not. Nil when complete; otherwise the usage error.
    package static func informProblem(basis: String, mustInform: Bool, clientInformed: Bool?, notInformedReason: String?) -> String? {
        guard mustInform else { return nil }
        guard let informed = clientInformed else {
            return "a \(basis) report must say whether the client was informed: --client-informed yes|no (45 CFR 164.512(c)(2))"
        }
        if !informed, (notInformedReason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            return "--client-informed no needs --not-informed-reason (45 CFR 164.512(c)(2))"
        }
        return nil
    }

    /// A date of a disclosure, an agreement review or an authorization: not after `today` nor
    /// before the client's date of birth (it may precede `client add`). Nil when fine; otherwise
    /// the usage error (64).
    package static func dateProblem(_ date: String, field: String, today: String, dateOfBirth: String?) -> String? {
        if date > today { return "\(field) \(date) is after today (\(today))" }
        if let dob = dateOfBirth, !dob.isEmpty, date < dob { return "\(field) \(date) is before the client's date of birth (\(dob))" }
        return nil
    }

    /// Days between two `YYYY-MM-DD` dates (b − a); nil when either is not a date.
    package static func days(from a: String, to b: String) -> Int? {
        guard let x = Timestamp.dayStart(a), let y = Timestamp.dayStart(b) else { return nil }
        return Int((y - x) / 86_400_000)
    }
}
