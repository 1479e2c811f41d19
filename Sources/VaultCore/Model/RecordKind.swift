/// What a stored, encrypted record is. Part of every record's associated data.
public enum RecordKind: String, Sendable, Codable, CaseIterable {
    /// The client's profile (name, date of birth, contact).
    case profile
    /// A session note, part of the designated record set.
    case progress
    /// A psychotherapy (process) note, 45 CFR 164.501: sealed to its author only.
    case psychotherapy
    /// A treatment agreement (relationship, safety or confidentiality), versioned.
    case agreement
    /// A client's signed authorization to disclose (45 CFR 164.508).
    case authorization
    /// A release of records to a third party (45 CFR 164.528).
    case disclosure
    /// A suspension of the client's right to an accounting of disclosures to one agency (164.528(a)(2)).
    case suspension
    /// One event of a client's request (access 164.524, accounting 164.528(c), amendment
    /// 164.526): receipt, extension, denial, review, fulfilment. The request's plaintext row holds
    /// only its id, dates and state; every reason, ground and name is in these sealed events.
    /// The subkind names the event (`access.extend`, `accounting.fulfill`, ...).
    case request
    /// A signed addendum to a note (`note amend`), or a statement of disagreement or rebuttal
    /// linked to a record (subkind `addendum`, `disagreement`, `rebuttal`).
    case addendum
    /// A personal representative of the client (164.502(g)), or its block (subkind `block`).
    case representative
}

/// The kind of a note as the CLI names it.
public enum NoteKind: String, Sendable, Codable, CaseIterable {
    case progress, psychotherapy

    var recordKind: RecordKind { self == .progress ? .progress : .psychotherapy }
}
