import Foundation
import VaultCrypto

extension Session {
    /// Records a client's signed authorization (164.508(c)); returns its id. It covers
    /// psychotherapy notes alone or not at all (164.508(b)(3)(ii)); `signedOn` is required and
    /// bounded like every date (not after today, not before the client's birth); it ends on
    /// `expires` or at `expiresEvent`.
    public func addAuthorization(clientID: String, authorization a: ClientAuthorization) throws(VaultError) -> String {
        try a.validateText()
        return try perform(AccessIntent(action: "authorization.add", clientID: clientID, purpose: .treat)) { tx, intent in
            try require(.therapist, "recording an authorization")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            try checkAuthorization(tx, a, clientID: clientID)
            let id = Self.newID(prefix: "z")
            intent.value.recordID = id
            try storeSealed(tx, clientID: clientID, id: id, kind: .authorization, subkind: "", plaintext: try JSONEncoder.sorted.encode(a))
            return id
        }
    }

    private func checkAuthorization(_ tx: any StoreTransaction, _ a: ClientAuthorization, clientID: String) throws {
        guard !a.recipient.trimmingCharacters(in: .whitespaces).isEmpty, !a.purpose.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw VaultError.usage("an authorization needs --recipient and --purpose")
        }
        guard (a.expires == nil) != ((a.expiresEvent ?? "").isEmpty) else {
            throw VaultError.usage("an authorization ends on a date or at an event: give --expires D or --expires-event TEXT")
        }
        if let e = a.expires, !CalendarDate.isValid(e) { throw VaultError.usage("--expires must be a date YYYY-MM-DD") }
        guard let signed = a.signedOn, CalendarDate.isValid(signed) else { throw VaultError.usage("--signed-on must be a date YYYY-MM-DD") }
        if let problem = DisclosurePolicy.dateProblem(signed, field: "--signed-on", today: CalendarDate.string(from: vault.now()),
                                                      dateOfBirth: try profile(tx, clientID).dateOfBirth) {
            throw VaultError.usage(problem)
        }
        guard (a.recordIDs?.isEmpty == false) != (a.kinds?.isEmpty == false) else {
            throw VaultError.usage("name what is authorized with either --records or --kinds")
        }
        for k in a.kinds ?? [] where ![RecordKind.progress, .psychotherapy, .agreement].map(\.rawValue).contains(k) {
            throw VaultError.usage("--kinds takes progress, psychotherapy or agreement, not '\(k)'")
        }
        var kinds = Set(a.kinds ?? [])
        for rid in a.recordIDs ?? [] {
            guard let r = try tx.record(id: rid), r.clientID == clientID else {
                throw VaultError.notFound("no record '\(rid)' of client \(clientID)")
            }
            kinds.insert(r.kind.rawValue)
        }
        if kinds.contains(RecordKind.psychotherapy.rawValue) && kinds.count > 1 {
            throw VaultError.usage("an authorization for psychotherapy notes may cover nothing else (45 CFR 164.508(b)(3)(ii)); record two authorizations")
        }
    }

    /// Records the client's revocation of an authorization, effective `on` (164.508(b)(5)):
    /// disclosures dated that day or later may no longer rely on it.
    public func revokeAuthorization(id authID: String, on date: String, signedCopy: Data? = nil) throws(VaultError) -> String {
        try perform(AccessIntent(action: "authorization.revoke", recordID: authID, purpose: .treat)) { tx, intent in
            guard let row = try tx.record(id: authID), row.kind == .authorization, row.subkind.isEmpty else {
                throw VaultError.notFound("no authorization '\(authID)'; 'confidant authorization list CLIENT' lists them")
            }
            intent.value.clientID = row.clientID
            try require(.therapist, "recording a revocation")
            _ = try existingClient(tx, row.clientID)
            try requireCareTeam(tx, row.clientID)
            guard CalendarDate.isValid(date) else { throw VaultError.usage("--on must be a date YYYY-MM-DD") }
            if let problem = DisclosurePolicy.dateProblem(date, field: "--on", today: CalendarDate.string(from: vault.now()),
                                                          dateOfBirth: try profile(tx, row.clientID).dateOfBirth) {
                throw VaultError.usage(problem)
            }
            if try authorization(tx, id: authID, clientID: row.clientID).revokedOn != nil {
                throw VaultError.usage("authorization \(authID) was already revoked")
            }
            var rev = AuthorizationRevocation(authorizationID: authID, on: date)
            if let signedCopy { rev.signedCopy = signedCopy.base64EncodedString(); rev.signedCopySHA256 = Encoding.hex(SHA256.hash(signedCopy)) }
            let id = Self.newID(prefix: "z")
            try storeSealed(tx, clientID: row.clientID, id: id, kind: .authorization, subkind: "revocation",
                            plaintext: try JSONEncoder.sorted.encode(rev))
            return id
        }
    }

    /// A client's authorizations with their state today (care-team therapists).
    public func listAuthorizations(clientID: String) throws(VaultError) -> [AuthorizationSummary] {
        try perform(AccessIntent(action: "authorization.list", clientID: clientID, purpose: .treat)) { tx, _ in
            try require(.therapist, "listing authorizations")
            _ = try existingClient(tx, clientID)
            try requireCareTeam(tx, clientID)
            let today = CalendarDate.string(from: vault.now())
            return try tx.recordSummaries(clientID: clientID).filter { $0.kind == .authorization && $0.subkind.isEmpty }.map { row in
                let a = try authorization(tx, id: row.id, clientID: clientID)
                let state = a.revokedOn.map { $0 <= today } == true ? "revoked" : (a.expires.map { $0 < today } == true ? "expired" : "active")
                let covers = a.recordIDs.map { "records " + $0.joined(separator: ",") } ?? ("kinds " + (a.kinds ?? []).joined(separator: ","))
                return AuthorizationSummary(id: row.id, recipient: a.recipient, purpose: a.purpose, covers: covers, signedOn: a.signedOn,
                                            signedBy: a.signedBy, expires: a.expires, expiresEvent: a.expiresEvent, revokedOn: a.revokedOn,
                                            state: state)
            }
        }
    }

    /// An authorization of the client, opened, with the day of its revocation if one was recorded.
    func authorization(_ tx: any StoreTransaction, id authID: String, clientID: String) throws -> ClientAuthorization {
        guard let row = try tx.record(id: authID), row.kind == .authorization, row.subkind.isEmpty, row.clientID == clientID else {
            throw VaultError.notFound("no authorization '\(authID)' of client \(clientID)")
        }
        var auth: ClientAuthorization
        do { auth = try JSONDecoder().decode(ClientAuthorization.self, from: Data(try openRecord(tx, row))) } catch let e as VaultError {
            throw e
        } catch { throw VaultError.badData("authorization \(authID) is malformed") }
        for s in try tx.recordSummaries(clientID: clientID) where s.kind == .authorization && s.subkind == "revocation" {
            guard let r = try tx.record(id: s.id) else { continue }
            if let rev = try? JSONDecoder().decode(AuthorizationRevocation.self, from: Data(try openRecord(tx, r))), rev.authorizationID == authID {
                auth.revokedOn = min(auth.revokedOn ?? rev.on, rev.on)
            }
        }
        return auth
    }

    /// Seals `plaintext` under the client's current care key as a new record.
    func storeSealed(_ tx: any StoreTransaction, clientID: String, id: String, kind: RecordKind, subkind: String, plaintext: Data) throws {
        let key = try currentCareKey(tx, clientID)
        let secret = try unwrap(tx, key)
        try tx.insertRecord(try sealed(RecordRow(id: id, clientID: clientID, kind: kind, subkind: subkind, author: user,
                                                 keyID: key.id, keyVersion: key.version, formatVersion: Vault.formatVersion,
                                                 createdAt: nowMillis, sequence: 1, ciphertext: []),
                                       secret: secret, plaintext: [UInt8](plaintext)))
    }
}
