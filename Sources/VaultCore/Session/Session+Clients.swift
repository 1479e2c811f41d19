import Foundation
import VaultCrypto

/// A client as `client list` / `client show` report it.
public struct ClientSummary: Sendable, Codable, Equatable {
    public var id: String
    /// Decrypted name, or nil when the caller holds no key for this client.
    public var name: String?
    public var dateOfBirth: String?
    public var contact: String?
    /// The practice chart number, for those who may see it (care team, or a chart lookup).
    public var chart: String?
    public var careTeam: [String]
    public var pendingCareTeam: [String]
    public var createdAt: String
    public var progressNotes: Int?
    public var agreements: Int?
}

extension Session {
    /// Adds a client: a new opaque id, a data key (version 1) wrapped to the care team and to
    /// recovery, and the profile encrypted under it. A chart number in the profile is stored
    /// encrypted in the profile and, in the client's row, as a keyed hash (``ChartNumber``).
    /// - Parameters:
    ///   - therapist: a second therapist to put on the care team (the actor is always on it).
    /// - Throws: ``VaultError`` not permitted (77) unless the actor is a therapist (and, with a
    ///   chart number, holds the log key); usage (64) for a chart number another client has.
    public func addClient(profile: ClientProfile, therapist: String? = nil, force: Bool = false) throws(VaultError) -> ClientSummary {
        // Control characters are refused before anything is logged (``TextInput``).
        try profile.validateText()
        try TextInput.validate(therapist, field: "--therapist")
        return try perform(AccessIntent(action: "client.add", purpose: .treat)) { tx, intent in
            try require(.therapist, "adding a client")
            let profile = try profile.validated()
            if !force, let twin = try sameClient(tx, as: profile) {
                throw VaultError.usage("a client named \(profile.name)\(profile.dateOfBirth.map { " born \($0)" } ?? "") is already on your care team "
                                       + "(\(twin)); give --force to add another")
            }
            var team = [user]
            if let therapist, therapist != user {
                let t = try certifiedUser(tx, therapist)
                guard !t.isPending else {
                    throw VaultError.notPermitted("user '\(therapist)' has not enrolled yet; add it to the care team after it runs 'confidant user enrol \(therapist)'")
                }
                guard t.roleSet.contains(.therapist) else {
                    throw VaultError.usage("user '\(therapist)' is not a therapist and cannot be on a care team")
                }
                team.append(therapist)
            }
            let chartHash = try profile.chart.map { try self.chartHash(tx, $0) } ?? []
            if let chart = profile.chart { try requireUnusedChart(tx, chart, hash: chartHash) }
            let id = Self.newID(prefix: "c")
            intent.value.clientID = id
            let now = nowMillis
            try tx.insertClient(ClientRow(id: id, createdAt: now, createdBy: user, status: "active", chartHash: chartHash))
            for member in team {
                try tx.upsertCareTeam(CareTeamRow(clientID: id, user: member, grantedBy: user, grantedAt: now, state: "active"))
            }
            let (key, secret) = try createDataKey(tx, clientID: id, scope: .care, owner: "", version: 1, recipients: team)
            let profileID = Self.newID(prefix: "p")
            let plaintext = try JSONEncoder.sorted.encode(profile)
            try tx.insertRecord(try sealed(RecordRow(id: profileID, clientID: id, kind: .profile, subkind: "", author: user, keyID: key.id,
                                                     keyVersion: key.version, formatVersion: Vault.formatVersion, createdAt: now,
                                                     sequence: 1, ciphertext: []),
                                           secret: secret, plaintext: [UInt8](plaintext)))
            return ClientSummary(id: id, name: profile.name, dateOfBirth: profile.dateOfBirth, contact: profile.contact,
                                 chart: profile.chart, careTeam: team.sorted(), pendingCareTeam: [], createdAt: Timestamp.iso(now),
                                 progressNotes: 0, agreements: 0)
        }
    }

    /// Lists clients: therapists see the clients on their care teams with names; admins and
    /// compliance see every id and its care team, without names.
    public func listClients() throws(VaultError) -> [ClientSummary] {
        try perform(AccessIntent(action: "client.list")) { tx, _ in
            try requireAny([.therapist, .admin, .compliance], "listing clients")
            var out: [ClientSummary] = []
            for c in try tx.clients() where c.status == "active" {
                let team = try tx.careTeam(clientID: c.id)
                let mine = team.contains { $0.user == user && $0.state == "active" }
                if roles.contains(.therapist) && !mine && !roles.contains(.admin) && !roles.contains(.compliance) { continue }
                var s = ClientSummary(id: c.id, name: nil, careTeam: team.filter { $0.state == "active" }.map(\.user),
                                      pendingCareTeam: team.filter { $0.state == "pending" }.map(\.user),
                                      createdAt: Timestamp.iso(c.createdAt))
                if mine && roles.contains(.therapist), let p = try? profile(tx, c.id) {
                    s.name = p.name
                    s.dateOfBirth = p.dateOfBirth
                }
                out.append(s)
            }
            return out
        }
    }

    /// Shows one client's profile, care team and record counts (care-team therapists only).
    public func showClient(id: String, purpose: Purpose = .treat) throws(VaultError) -> ClientSummary {
        try perform(AccessIntent(action: "client.show", clientID: id, purpose: purpose)) { tx, _ in
            try require(.therapist, "reading a client's profile")
            let c = try existingClient(tx, id)
            try requireCareTeam(tx, id)
            let p = try profile(tx, id)
            let team = try tx.careTeam(clientID: id)
            let records = try tx.recordSummaries(clientID: id)
            return ClientSummary(id: id, name: p.name, dateOfBirth: p.dateOfBirth, contact: p.contact, chart: p.chart,
                                 careTeam: team.filter { $0.state == "active" }.map(\.user),
                                 pendingCareTeam: team.filter { $0.state == "pending" }.map(\.user),
                                 createdAt: Timestamp.iso(c.createdAt),
                                 progressNotes: records.filter { $0.kind == .progress }.count,
                                 agreements: records.filter { $0.kind == .agreement }.count)
        }
    }

    func profile(_ tx: any StoreTransaction, _ clientID: String) throws -> ClientProfile {
        guard let summary = try tx.recordSummaries(clientID: clientID).last(where: { $0.kind == .profile }),
              let rec = try tx.record(id: summary.id) else {
            throw VaultError.badData("client \(clientID) has no profile record; the vault was tampered with")
        }
        let bytes = try openRecord(tx, rec)
        do { return try JSONDecoder().decode(ClientProfile.self, from: Data(bytes)) } catch {
            throw VaultError.badData("the profile of client \(clientID) is malformed")
        }
    }
}

extension Session {
    /// Clients on this therapist's care teams whose name contains `text` (ignoring case and
    /// accents) or whose id starts with it. Names are encrypted, so only the care team can search.
    public func findClients(_ text: String) throws(VaultError) -> [ClientSummary] {
        try TextInput.validate(text, field: "the search text")
        return try perform(AccessIntent(action: "client.find")) { tx, _ in
            try require(.therapist, "finding a client by name")
            let needle = Self.folded(text)
            guard !needle.isEmpty else { throw VaultError.usage("give part of a name or an id to find") }
            var out: [ClientSummary] = []
            for mine in try tx.careTeams(user: user) where mine.state == "active" {
                guard let c = try tx.client(id: mine.clientID), c.status == "active", let p = try? profile(tx, c.id) else { continue }
                guard Self.folded(p.name).contains(needle) || c.id.hasPrefix(text) else { continue }
                let team = try tx.careTeam(clientID: c.id)
                out.append(ClientSummary(id: c.id, name: p.name, dateOfBirth: p.dateOfBirth, careTeam: team.filter { $0.state == "active" }.map(\.user),
                                         pendingCareTeam: team.filter { $0.state == "pending" }.map(\.user), createdAt: Timestamp.iso(c.createdAt)))
            }
            return out.sorted { ($0.name ?? "", $0.id) < ($1.name ?? "", $1.id) }
        }
    }

    /// The id of a client on this user's care teams with the same name (folded) and birth date
    /// (nil without a birth date: two clients with only a name in common may well be two people).
    private func sameClient(_ tx: any StoreTransaction, as profile: ClientProfile) throws -> String? {
        guard profile.dateOfBirth != nil else { return nil }
        let name = Self.folded(profile.name)
        for mine in try tx.careTeams(user: user) where mine.state == "active" {
            guard let c = try tx.client(id: mine.clientID), c.status == "active", let p = try? self.profile(tx, c.id) else { continue }
            if Self.folded(p.name) == name && p.dateOfBirth == profile.dateOfBirth { return c.id }
        }
        return nil
    }

    static func folded(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
