import Foundation
import VaultCrypto

/// Chart numbers: a keyed hash in the client's row, looked up by staff who hold the log key.
///
/// The hash is keyed with the seed of the vault's log key (``ChartNumber``), which every admin,
/// compliance officer and therapist holds. It sits in the `clients` row, so the signed
/// `client.add` entry commits to it with the rest of the client's aggregate: a writer that moves
/// a hash from one client to another, blanks it or adds one fails that client's check (65).
extension Session {
    static let chartFindAction = "client.find.chart"

    /// The stored form of `normalized` (``ChartNumber/normalized(_:)``) in this vault.
    /// - Throws: ``VaultError`` not permitted (77) when this user holds no wrap of the log key yet.
    func chartHash(_ tx: any StoreTransaction, _ normalized: String) throws -> [UInt8] {
        guard let logKey = try tx.dataKey(id: meta.logKeyID) else { throw VaultError.badData("the vault's log key is missing") }
        let seed: SecretBytes
        do { seed = try unwrap(tx, logKey) } catch let e as VaultError where e.kind == .notPermitted {
            throw VaultError.notPermitted("user '\(user)' does not hold the vault's log key yet, which chart numbers are hashed with; "
                                          + "it is handed over after any command of a user who holds it succeeds")
        }
        guard try Ed25519KeyPair(seed: seed).publicKey == logKey.publicKey else {
            throw VaultError.badData("the vault's log key does not match its public key; the vault was tampered with")
        }
        return try ChartNumber.hash(normalized, vaultID: meta.vaultID, logSeed: seed)
    }

    /// Refuses a chart number another client of this vault already has (64). A miss checks
    /// every client's signed state, so a hash a writer hid cannot let a duplicate in.
    func requireUnusedChart(_ tx: any StoreTransaction, _ normalized: String, hash: [UInt8]) throws {
        guard try tx.clients(chartHash: hash).isEmpty else {
            throw VaultError.usage("chart number \(normalized) already belongs to another client of this vault; "
                                   + "'confidant client find --chart \(normalized)' shows which")
        }
    }

    /// The client with chart number `chart`, for a caller who gives it: admins and compliance
    /// officers see its id and care team (no name); a therapist finds only clients on its own
    /// care teams, with the name. Logged as `client.find.chart` naming the client found.
    /// - Throws: ``VaultError`` usage (64) for a malformed number, not found (66) when no client
    ///   (that this user may see) has it, not permitted (77) without a staff role or the log key,
    ///   bad data (65) when the stored chart hashes differ from the signed state.
    public func findClient(chart: String) throws(VaultError) -> ClientSummary {
        let normalized = try ChartNumber.normalized(chart)
        return try perform(AccessIntent(action: Self.chartFindAction, purpose: .operations)) { tx, intent in
            try requireAny([.admin, .compliance, .therapist], "finding a client by chart number")
            let rows = try tx.clients(chartHash: try chartHash(tx, normalized)).filter { $0.status == "active" }
            let staff = !roles.isDisjoint(with: [.admin, .compliance])
            guard rows.count <= 1 else {
                throw VaultError.badData("chart number \(normalized) names \(rows.count) clients; the vault was tampered with")
            }
            guard let c = rows.first, try staff || isOnCareTeam(tx, c.id) else {
                throw VaultError.notFound("no client\(staff ? "" : " on your care teams") has chart number \(normalized)")
            }
            intent.value.clientID = c.id
            let team = try tx.careTeam(clientID: c.id)
            var s = ClientSummary(id: c.id, name: nil, careTeam: team.filter { $0.state == "active" }.map(\.user),
                                  pendingCareTeam: team.filter { $0.state == "pending" }.map(\.user), createdAt: Timestamp.iso(c.createdAt))
            s.chart = normalized
            if roles.contains(.therapist), try isOnCareTeam(tx, c.id) {
                let p = try profile(tx, c.id)
                s.name = p.name
                s.dateOfBirth = p.dateOfBirth
            }
            return s
        }
    }
}
