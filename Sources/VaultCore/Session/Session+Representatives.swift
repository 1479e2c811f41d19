import Foundation
import VaultCrypto

/// A personal representative as `representative add` records it.
public struct RepresentativeInput: Sendable {
    public var name: String
    public var relation: RepresentativeRelation
    public var evidence: String
    public var scope: RepresentativeScope = .all
    public var from: String?
    public var until: String?
    public var user: String?

    public init(name: String, relation: RepresentativeRelation, evidence: String, scope: RepresentativeScope = .all,
                from: String? = nil, until: String? = nil, user: String? = nil) {
        self.name = name; self.relation = relation; self.evidence = evidence; self.scope = scope
        self.from = from; self.until = until; self.user = user
    }
}

/// A grant opened, with what decides its state.
struct RepresentativeGrant {
    var id: String
    var record: RepresentativeRecord
    var recordedAt: Int64
    var blockedOn: String?
    var lastDay: String?
    var state: String
}

extension Session {
    /// Records a personal representative of the client (164.502(g)), sealed under the client's
    /// care key: its name, relation, the evidence of its authority, scope and dates. With `user`
    /// (a user enrolled with the representative role for this client) that user may act for the
    /// client within the scope and receives the client's care key, as a client user does.
    /// Care-team therapists and admins holding the client's key.
    public func addRepresentative(clientID: String, _ input: RepresentativeInput) throws(VaultError) -> RepresentativeSummary {
        for (text, field) in [(input.name, "--name"), (input.evidence, "--evidence")] {
            try TextInput.validate(text, field: field)
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("\(field) must not be empty") }
        }
        return try perform(AccessIntent(action: "representative.add", clientID: clientID, purpose: .operations)) { tx, intent in
            try requireStaffFor(tx, clientID, "recording a personal representative")
            let today = CalendarDate.string(from: vault.now())
            let from = input.from ?? today
            for (d, field) in [(from, "--from"), (input.until, "--until")] {
                if let d, !CalendarDate.isValid(d) { throw VaultError.usage("\(field) must be a date YYYY-MM-DD, not '\(d)'") }
            }
            if let until = input.until, until < from { throw VaultError.usage("--until \(until) is before --from \(from)") }
            if case .records(let ids) = input.scope {
                for rid in ids where try tx.record(id: rid)?.clientID != clientID {
                    throw VaultError.notFound("no record '\(rid)' of client \(clientID) for --scope")
                }
            }
            var target: UserRow?
            if let name = input.user {
                guard let u = try tx.user(named: name), !u.isRemoved else { throw VaultError.notFound("no user '\(name)'") }
                guard u.roleSet == [.representative], u.clientID == clientID else {
                    throw VaultError.usage("user '\(name)' must be enrolled with 'user add \(name) --role representative --client \(clientID)'")
                }
                guard try representativeGrants(tx, clientID).allSatisfy({ $0.record.user != name || $0.state == "blocked" || $0.state == "ended" }) else {
                    throw VaultError(.cannotCreate, "user '\(name)' already represents client \(clientID); block the old record first")
                }
                target = u
            }
            let id = Self.newID(prefix: "p")
            intent.value.recordID = id
            let body = RepresentativeRecord(type: RepresentativeRecord.grant, name: input.name, relation: input.relation, evidence: input.evidence,
                                            scope: input.scope, from: from, until: input.until, user: input.user, recordedBy: user)
            try storeSealed(tx, clientID: clientID, id: id, kind: .representative, subkind: "", plaintext: try JSONEncoder.sorted.encode(body))
            guard let grant = try representativeGrants(tx, clientID).first(where: { $0.id == id }) else {
                throw VaultError.internalError("the representative record just written cannot be read")
            }
            if let target, grant.state == "active" || grant.state == "not-yet" {
                _ = try tx.deleteWraps(clientID: clientID, recipient: "user:\(target.name)")
                try wrapCareKeys(tx, clientID: clientID, to: target)
            }
            return summary(grant)
        }
    }

    /// Stops a representative's authority at once (164.502(g)(5): abuse, neglect or
    /// endangerment by it is suspected), with the reason sealed. Its user's copies of the client's
    /// key are deleted and a new care-key version made without it; the block is a review item.
    public func blockRepresentative(clientID: String, representativeID: String, reason: String) throws(VaultError) -> RepresentativeSummary {
        try TextInput.validate(reason, field: "--reason")
        let (summary, job) = try perform(AccessIntent(action: "representative.block", clientID: clientID, recordID: representativeID,
                                                      purpose: .operations, flags: ["representative-blocked"])) { tx, _ in
            try requireStaffFor(tx, clientID, "blocking a personal representative")
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--reason must say why") }
            guard let grant = try representativeGrants(tx, clientID).first(where: { $0.id == representativeID }) else {
                throw VaultError.notFound("no representative '\(representativeID)' of client \(clientID); 'confidant representative list \(clientID)' lists them")
            }
            guard grant.state != "blocked" else { throw VaultError.usage("representative \(representativeID) is already blocked") }
            let body = RepresentativeRecord(type: RepresentativeRecord.block, representativeID: representativeID, reason: reason, recordedBy: user)
            try storeSealed(tx, clientID: clientID, id: Self.newID(prefix: "k"), kind: .representative, subkind: "",
                            plaintext: try JSONEncoder.sorted.encode(body))
            var job: RotationJobRow?
            if let name = grant.record.user, try tx.wraps(recipient: "user:\(name)").contains(where: { w in
                try tx.dataKey(id: w.keyID)?.clientID == clientID
            }) {
                _ = try tx.deleteWraps(clientID: clientID, recipient: "user:\(name)")
                let team = try tx.careTeam(clientID: clientID).filter { $0.state == "active" }.map(\.user)
                job = try newCareKeyVersion(tx, clientID: clientID, team: team).1
            }
            guard let blocked = try representativeGrants(tx, clientID).first(where: { $0.id == representativeID }) else {
                throw VaultError.internalError("the representative record cannot be read")
            }
            return (self.summary(blocked), job)
        }
        if let job, (try? canRunRotation(job)) == true { _ = try? VaultError.typed { try runJob(job, report: { _ in }) } }
        return summary
    }

    /// The client's personal representatives with their state today (care-team therapists, admins).
    public func listRepresentatives(clientID: String) throws(VaultError) -> [RepresentativeSummary] {
        try perform(AccessIntent(action: "representative.list", clientID: clientID, purpose: .operations)) { tx, _ in
            try requireStaffFor(tx, clientID, "listing personal representatives")
            return try representativeGrants(tx, clientID).map(summary)
        }
    }

    /// A care-team therapist, or an admin, of an existing client.
    private func requireStaffFor(_ tx: any StoreTransaction, _ clientID: String, _ what: String) throws {
        try requireAny([.therapist, .admin], what)
        _ = try existingClient(tx, clientID)
        if !roles.contains(.admin) { try requireCareTeam(tx, clientID) }
    }

    private func summary(_ g: RepresentativeGrant) -> RepresentativeSummary {
        RepresentativeSummary(id: g.id, name: g.record.name ?? "", relation: g.record.relation?.rawValue ?? "", scope: g.record.scope?.text ?? "",
                              from: g.record.from ?? "", authorityEnds: g.lastDay, user: g.record.user, state: g.state, blockedOn: g.blockedOn)
    }

    /// Every sealed `representative` record of the client, opened (needs the client's key).
    func representativeRecords(_ tx: any StoreTransaction, _ clientID: String) throws -> [(RecordRow, RepresentativeRecord)] {
        try tx.recordSummaries(clientID: clientID).filter { $0.kind == .representative }.compactMap { s in
            guard let rec = try tx.record(id: s.id) else { return nil }
            do { return (rec, try JSONDecoder().decode(RepresentativeRecord.self, from: Data(try openRecord(tx, rec)))) } catch let e as VaultError {
                throw e
            } catch { throw VaultError.badData("representative record \(s.id) is malformed") }
        }.sorted { ($0.0.createdAt, $0.0.id) < ($1.0.createdAt, $1.0.id) }
    }

    /// The client's representatives, each with its block and its state today.
    func representativeGrants(_ tx: any StoreTransaction, _ clientID: String) throws -> [RepresentativeGrant] {
        let records = try representativeRecords(tx, clientID)
        var blocked: [String: String] = [:]
        for (rec, r) in records where r.type == RepresentativeRecord.block {
            if let id = r.representativeID, blocked[id] == nil { blocked[id] = CalendarDate.string(from: Date(timeIntervalSince1970: Double(rec.createdAt) / 1000)) }
        }
        let dob = try profile(tx, clientID).dateOfBirth
        let majority = Int(try tx.setting(SettingKey.ageOfMajority.rawValue) ?? "") ?? RepresentativeAuthority.defaultAgeOfMajority
        let today = CalendarDate.string(from: vault.now())
        return records.filter { $0.1.type == RepresentativeRecord.grant }.map { rec, r in
            let last = RepresentativeAuthority.lastDay(relation: r.relation ?? .other, until: r.until, dateOfBirth: dob, ageOfMajority: majority)
            return RepresentativeGrant(id: rec.id, record: r, recordedAt: rec.createdAt, blockedOn: blocked[rec.id], lastDay: last,
                                       state: RepresentativeAuthority.state(from: r.from ?? today, lastDay: last, blocked: blocked[rec.id] != nil, today: today))
        }
    }

    /// The ids of the client's notes marked as care the minor consented to.
    func minorConsentedNotes(_ tx: any StoreTransaction, _ clientID: String) throws -> Set<String> {
        Set(try representativeRecords(tx, clientID).compactMap { $0.1.type == RepresentativeRecord.minorConsent ? $0.1.noteID : nil })
    }

    /// Marks a note just written as care the minor lawfully consented to (sealed).
    func markMinorConsented(_ tx: any StoreTransaction, clientID: String, noteID: String) throws {
        let majority = Int(try tx.setting(SettingKey.ageOfMajority.rawValue) ?? "") ?? RepresentativeAuthority.defaultAgeOfMajority
        if let dob = try profile(tx, clientID).dateOfBirth, let adult = CalendarDate.addingYears(majority, to: dob),
           CalendarDate.string(from: vault.now()) >= adult {
            throw VaultError.usage("client \(clientID) is not a minor (the practice's age of majority is \(majority)); --minor-consented marks care a minor consented to")
        }
        let body = RepresentativeRecord(type: RepresentativeRecord.minorConsent, noteID: noteID, recordedBy: user)
        try storeSealed(tx, clientID: clientID, id: Self.newID(prefix: "k"), kind: .representative, subkind: "",
                        plaintext: try JSONEncoder.sorted.encode(body))
    }

    /// The signed-in representative's active grant for `clientID`; otherwise 77, the attempt
    /// flagged for review when the authority ended or was blocked.
    func requireRepresentativeAuthority(_ tx: any StoreTransaction, clientID: String, intent: IntentBox?, _ what: String) throws -> RepresentativeGrant {
        guard try tx.user(named: user)?.clientID == clientID else {
            throw VaultError.notPermitted("a representative can \(what) only for the client it represents")
        }
        let current = try currentCareKey(tx, clientID)
        guard try tx.wrap(keyID: current.id, recipient: recipient) != nil else {
            // Blocked (its copies of the key were deleted) or never recorded: the details are
            // sealed under a key it does not hold.
            intent?.value.flags.insert("representative-blocked")
            throw VaultError.notPermitted("user '\(user)' holds no active authority for client \(clientID): none is on record, or it ended or was blocked; ask the practice")
        }
        let mine = try representativeGrants(tx, clientID).filter { $0.record.user == user }
        if let g = mine.first(where: { $0.state == "active" }) { return g }
        guard let g = mine.last else {
            throw VaultError.notPermitted("no personal representative record names user '\(user)' for client \(clientID); the practice records it with 'representative add'")
        }
        intent?.value.flags.insert("representative-blocked")
        switch g.state {
        case "blocked": throw VaultError.notPermitted("the authority of representative \(g.id) for client \(clientID) was blocked on \(g.blockedOn ?? "")")
        case "not-yet": throw VaultError.notPermitted("the authority of representative \(g.id) starts on \(g.record.from ?? "")")
        default: throw VaultError.notPermitted("the authority of representative \(g.id) for client \(clientID) ended on \(g.lastDay ?? "")")
        }
    }

    /// The client's own users who hold its care key: client users, and representatives whose
    /// authority is active today (all representatives are left out when this session cannot
    /// read the client's representative records: fail closed).
    func clientKeyHolders(_ tx: any StoreTransaction, _ clientID: String) throws -> [String] {
        let users = try tx.users().filter { $0.clientID == clientID && !$0.isRemoved }
        var out = users.filter { !$0.roleSet.contains(.representative) }.map(\.name)
        let reps = users.filter { $0.roleSet.contains(.representative) }
        guard !reps.isEmpty, let grants = try? representativeGrants(tx, clientID) else { return out }
        for u in reps where grants.contains(where: { $0.record.user == u.name && ($0.state == "active" || $0.state == "not-yet") }) {
            out.append(u.name)
        }
        return out
    }
}

extension Session {
    /// For a request a representative made itself: refuses (77) when its authority is no longer
    /// active, and takes out of the export what its scope does not cover — care the minor
    /// consented to, records a `records:` scope leaves out — with their addenda and access
    /// entries, unlisted (they are outside its right of access, not denied to it).
    /// Returns the ids left out.
    func applyRepresentativeScope(_ tx: any StoreTransaction, _ req: ExportRequestRow, _ records: inout ExportRecords) throws -> Set<String> {
        guard let g = try requesterAuthority(tx, req) else { return [] }
        let minor = try minorConsentedNotes(tx, req.clientID)
        let relation = g.record.relation ?? .other, scope = g.record.scope ?? .all
        var hidden = Set<String>()
        for id in records.notes.map(\.id) + records.agreements.map(\.id) + records.withheld.map(\.id)
        where RepresentativeAuthority.excludes(recordID: id, minorConsented: minor.contains(id), relation: relation, scope: scope) {
            hidden.insert(id)
        }
        records.notes.removeAll { hidden.contains($0.id) }
        records.agreements.removeAll { hidden.contains($0.id) }
        records.withheld.removeAll { hidden.contains($0.id) }
        records.addenda?.removeAll { !Set($0.recordIds).isDisjoint(with: hidden) }
        return hidden
    }

    /// The active grant of the representative that made `req` (nil when a client or staff made
    /// it); 77 when that representative's authority is no longer active: a request it made
    /// before a block or the end of its authority is not fulfilled to it.
    func requesterAuthority(_ tx: any StoreTransaction, _ req: ExportRequestRow) throws -> RepresentativeGrant? {
        guard let requester = try tx.user(named: req.requestedBy), requester.roleSet.contains(.representative) else { return nil }
        let grants = try representativeGrants(tx, req.clientID).filter { $0.record.user == requester.name }
        if let g = grants.first(where: { $0.state == "active" }) { return g }
        let why = grants.last.map { $0.state == "blocked" ? "was blocked on \($0.blockedOn ?? "")" : "is \($0.state)" } ?? "is not on record"
        throw VaultError.notPermitted("request \(req.id) was made by representative '\(requester.name)', whose authority \(why); it cannot be fulfilled to it")
    }
}
