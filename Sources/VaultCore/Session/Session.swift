import Foundation
import Synchronization
import VaultCrypto

/// A user who has unlocked the vault with its passphrase.
///
/// Every operation runs through ``perform(_:_:)``: the action and its access entry commit in one
/// durable transaction, and a refused or failed attempt rolls back and appends only a denied
/// entry. Role rules (the role matrix) are checked here, in VaultCore, not in the CLI.
public final class Session: Sendable {
    public let vault: Vault
    public let user: String
    public let roles: Set<Role>
    /// When work that waited for a key holder runs (``completePendingWork()``).
    public enum PendingWork: Sendable {
        /// Only when the caller asks (tests, the benchmark, a console that schedules it).
        case manual
        /// Once, right after this session's first successful operation (the CLI); its errors
        /// go to `report`, never into the operation's own result.
        case afterFirstSuccess(report: @Sendable (VaultError) -> Void)
    }

    /// The mutable part, behind one lock: a console serves concurrent requests on one session.
    private struct Mutable: Sendable {
        var identity: UserIdentity
        var recovery: X25519KeyPair?
        var pendingWorkDone = false
    }
    private let state: Mutex<Mutable>
    private let pendingWork: PendingWork

    /// The unlocked keys; replaced by ``rotateSelf(passphrase:)``, after which the old
    /// generation signs nothing more.
    package internal(set) var identity: UserIdentity {
        get { state.withLock { $0.identity } }
        set { state.withLock { $0.identity = newValue } }
    }
    /// The recovery key pair, when an admin supplied `--recovery-key FILE`.
    var recovery: X25519KeyPair? { state.withLock { $0.recovery } }

    init(vault: Vault, user: UserRow, identity: UserIdentity, pendingWork: PendingWork = .manual) {
        self.vault = vault
        self.user = user.name
        self.roles = user.roleSet
        self.state = Mutex(Mutable(identity: identity))
        self.pendingWork = pendingWork
    }

    var meta: VaultMetaRow { vault.meta }
    var recipient: String { "user:\(user)" }

    /// Loads the recovery key file so this session can unwrap any client key (admin jobs).
    /// - Throws: ``VaultError`` not permitted (77) unless the user is an admin, or the file is
    ///   not this vault's current recovery key.
    public func useRecoveryKey(path: String) throws(VaultError) {
        try VaultError.typed {
            guard roles.contains(.admin) else {
                try perform(AccessIntent(action: "recovery.use")) { _, _ in
                    throw VaultError.notPermitted("only an admin may use the recovery key")
                }
                return
            }
            let pair = try RecoveryKeyFile.read(path: path, vaultID: meta.vaultID, expectedPublicKey: meta.recoveryPublicKey)
            state.withLock { $0.recovery = pair }
        }
    }

    // MARK: the one path every operation takes

    final class IntentBox { var value: AccessIntent; init(_ v: AccessIntent) { value = v } }

    /// Runs `body` and its access entry in one write transaction; on refusal logs a denied entry.
    /// Ids or a reason with control characters are refused (64) before anything is logged.
    func perform<T>(_ intent: AccessIntent, _ body: (any StoreTransaction, IntentBox) throws -> T) throws(VaultError) -> T {
        try intent.validateText()
        let box = IntentBox(intent)
        do {
            let result = try vault.store.write { tx in
                try requireCurrentKey(tx)
                let result = try body(tx, box)
                let clientID = box.value.clientID
                if !clientID.isEmpty, try tx.client(id: clientID) != nil, try !isOnCareTeam(tx, clientID) {
                    box.value.flags.insert("outside-care-team")
                }
                try append(tx, box.value, .success, box.value.successDetail)
                return result
            }
            runPendingWorkOnce()
            return result
        } catch {
            throw logRefusal(box.value, error)
        }
    }

    /// The one refusal logger: appends the entry for a refused or failed attempt (in its own
    /// write transaction, since the operation's rolled back) and returns the ``VaultError`` to
    /// throw. Outcome `not-found` for notFound, `error` for badData, internal and anything that
    /// is not a VaultError (logged as `crypto` or `internal`, reported as internal with its
    /// cause), `denied` otherwise. A busy error is returned unlogged: the log cannot be written
    /// either. If the entry itself cannot be written, the original error is still returned.
    package func logRefusal(_ intent: AccessIntent, _ error: any Error, outcome forced: Outcome? = nil) -> VaultError {
        let reported: VaultError
        let detail: String
        switch error {
        case let e as VaultError:
            if e.kind == .busy { return e }
            reported = e
            detail = e.kind.logCode
        case let e as CryptoError:
            reported = VaultError.internalError("cryptographic operation failed (\(e))", cause: e)
            detail = "crypto"
        default:
            reported = VaultError.internalError("\(intent.action) failed: \(error.localizedDescription)", cause: SendableCause(error))
            detail = VaultError.Kind.internal.logCode
        }
        let usual: Outcome = switch reported.kind {
        case .notFound: .notFound
        case .badData, .internal: .error
        default: .denied
        }
        // A session whose keys were replaced or removed since it unlocked signs nothing: an entry
        // under a retired key would be refused as the newest entry and block every later command.
        _ = try? vault.store.write { tx in
            try requireCurrentKey(tx)
            try append(tx, intent, forced ?? usual, detail)
        }
        return reported
    }

    /// Refuses (77) a session whose user was removed, or whose keys were replaced (`user reset`,
    /// `key rotate --self` elsewhere, `user enrol`) after it unlocked, e.g. a running agent.
    func requireCurrentKey(_ tx: any StoreTransaction) throws {
        guard let live = try tx.user(named: user), !live.isRemoved, live.signPublicKey == identity.signing.publicKey else {
            throw VaultError.notPermitted("the keys '\(user)' unlocked with were replaced or removed since; unlock again")
        }
    }

    /// ``PendingWork/afterFirstSuccess(report:)``: the first successful operation runs the
    /// pending work once; the operations it performs itself do not start it again.
    private func runPendingWorkOnce() {
        guard case .afterFirstSuccess(let report) = pendingWork else { return }
        let first = state.withLock { s -> Bool in
            defer { s.pendingWorkDone = true }
            return !s.pendingWorkDone
        }
        guard first else { return }
        do { try completePendingWork() } catch let e as VaultError { report(e) } catch {
            report(VaultError.internalError("pending work failed (\(error))", cause: nil))
        }
    }

    @discardableResult
    package func append(_ tx: any StoreTransaction, _ intent: AccessIntent, _ outcome: Outcome, _ detail: String) throws -> AccessEntry {
        return try AccessLogWriter.append(tx, meta: meta, auditPublicKey: vault.auditKey, time: vault.now(), actor: user,
                                          roles: Role.format(roles), intent: intent, outcome: outcome, detail: detail,
                                          signer: identity.signing)
    }

    var nowMillis: Int64 { Int64((vault.now().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: policy helpers

    func require(_ role: Role, _ what: String) throws {
        guard roles.contains(role) else {
            throw VaultError.notPermitted("\(what) needs the \(role.rawValue) role; user '\(user)' has \(Role.format(roles).isEmpty ? "none" : Role.format(roles))")
        }
    }

    func requireAny(_ allowed: [Role], _ what: String) throws {
        guard allowed.contains(where: roles.contains) else {
            throw VaultError.notPermitted("\(what) needs one of the roles \(allowed.map(\.rawValue).joined(separator: ", ")); user '\(user)' has \(Role.format(roles))")
        }
    }

    /// A user whose certificate chain verifies up to the vault root: the only kind of user any
    /// key is ever wrapped to, so a row forged by a database writer receives nothing.
    func certifiedUser(_ tx: any StoreTransaction, _ name: String) throws -> UserRow {
        guard let u = try tx.user(named: name) else { throw VaultError.notFound("no user '\(name)' in this vault") }
        try UserCertificate.verifyChain(of: u, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })
        return u
    }

    /// Every user's certificate chain, and the settings' signer (`log verify`, backups).
    static func verifyAllCertificates(_ tx: any StoreTransaction, meta: VaultMetaRow) throws {
        for u in try tx.users() {
            try UserCertificate.verifyChain(of: u, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })
        }
    }

    func existingClient(_ tx: any StoreTransaction, _ id: String) throws -> ClientRow {
        guard let c = try tx.client(id: id), c.status == "active" else {
            throw VaultError.notFound("no client '\(id)' in this vault; 'confidant client list' shows the ids")
        }
        return c
    }

    func isOnCareTeam(_ tx: any StoreTransaction, _ clientID: String) throws -> Bool {
        try tx.careTeam(clientID: clientID).contains { $0.user == user && $0.state == "active" }
    }

    func requireCareTeam(_ tx: any StoreTransaction, _ clientID: String) throws {
        guard try isOnCareTeam(tx, clientID) else {
            throw VaultError.notPermitted("user '\(user)' is not on the care team of client \(clientID); a care-team therapist or an admin can grant access")
        }
    }

    // MARK: keys

    /// Unwraps a data key with this user's key (or the recovery key, when loaded).
    func unwrap(_ tx: any StoreTransaction, _ key: DataKeyRow, viaBreakGlass: Bool = false) throws -> SecretBytes {
        guard key.state != "destroyed" else {
            throw VaultError.badData("key version \(key.version) of client \(key.clientID) was destroyed")
        }
        if viaBreakGlass, key.scope == .care, let w = try tx.wrap(keyID: key.id, recipient: "emergency:\(user)") {
            do { return try SealedBox.openSecret(w.wrapped, keyPair: identity.box) } catch {
                throw VaultError.badData("the emergency release of key \(key.id) does not open; the vault was tampered with")
            }
        }
        if let w = try tx.wrap(keyID: key.id, recipient: recipient) {
            do { return try SealedBox.openSecret(w.wrapped, keyPair: identity.box) } catch {
                throw VaultError.badData("the wrapped key for user '\(user)' does not open; the vault was tampered with")
            }
        }
        if let recovery, let w = try tx.wrap(keyID: key.id, recipient: "recovery") {
            do { return try SealedBox.openSecret(w.wrapped, keyPair: recovery) } catch {
                throw VaultError.badData("the recovery wrap of key \(key.id) does not open; the vault was tampered with")
            }
        }
        throw VaultError.notPermitted("no key of client \(key.clientID) is wrapped to user '\(user)'")
    }

    func currentCareKey(_ tx: any StoreTransaction, _ clientID: String) throws -> DataKeyRow {
        guard let k = try tx.currentDataKey(clientID: clientID, scope: .care, owner: "") else {
            throw VaultError.badData("client \(clientID) has no current data key; the vault was tampered with")
        }
        try requireSignedKey(tx, k)
        return k
    }

    /// Refuses to write under a key version that no therapist or admin of this vault made.
    func requireSignedKey(_ tx: any StoreTransaction, _ k: DataKeyRow) throws {
        guard let signer = try? certifiedUser(tx, k.signer),
              !(try UserCertificate.standingRoles(tx, name: signer.name)).isDisjoint(with: [.therapist, .admin]),
              (try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: signer.name, at: k.createdAt)).contains(where: {
                  Ed25519.isValid(signature: k.signature, message: SignedStatements.dataKey(vaultID: meta.vaultID, k), publicKey: $0)
              }) else {
            throw VaultError.badData("key version \(k.version) of client \(k.clientID) is not signed by a therapist or admin of this vault; the vault was tampered with")
        }
    }

    /// Creates a new data-key version wrapped to `recipients` (user names) and to recovery.
    func createDataKey(_ tx: any StoreTransaction, clientID: String, scope: KeyScope, owner: String, version: Int,
                       recipients: [String]) throws -> (DataKeyRow, SecretBytes) {
        let secret = try XChaCha20Poly1305.generateKey()
        var row = DataKeyRow(id: 0, clientID: clientID, scope: scope, owner: owner, version: version, state: "current",
                             createdAt: nowMillis, publicKey: [], signer: user)
        row.signature = identity.signing.sign(SignedStatements.dataKey(vaultID: meta.vaultID, row))
        row.id = try tx.insertDataKey(row)
        try tx.insertWrap(KeyWrapRow(keyID: row.id, recipient: "recovery", wrapped: try SealedBox.seal(secret: secret, to: meta.recoveryPublicKey)))
        for name in Set(recipients) {
            let u = try certifiedUser(tx, name)
            try tx.insertWrap(KeyWrapRow(keyID: row.id, recipient: "user:\(name)", wrapped: try SealedBox.seal(secret: secret, to: u.boxPublicKey)))
        }
        return (row, secret)
    }

    // MARK: records

    /// `row` with its ciphertext: `plaintext` sealed under `secret`, bound to the row's fields.
    func sealed(_ row: RecordRow, secret: SecretBytes, plaintext: [UInt8]) throws -> RecordRow {
        var out = row
        out.ciphertext = try XChaCha20Poly1305.seal(plaintext, key: secret, associatedData: AssociatedData.forRecord(vaultID: meta.vaultID, row: row))
        return out
    }

    /// Decrypts a record after checking its row against the key it names.
    /// - Throws: ``VaultError`` bad data (65) when the ciphertext was moved, altered or its row
    ///   edited, since any of these changes the associated data or the tag.
    func openRecord(_ tx: any StoreTransaction, _ record: RecordRow, viaBreakGlass: Bool = false) throws -> [UInt8] {
        let secret = try recordKeySecret(tx, record, viaBreakGlass: viaBreakGlass)
        let ad = AssociatedData.forRecord(vaultID: meta.vaultID, row: record)
        do { return try XChaCha20Poly1305.open(record.ciphertext, key: secret, associatedData: ad) } catch {
            throw VaultError.badData("record \(record.id) does not decrypt: it was altered or moved from another record; restore it from a backup")
        }
    }

    /// The data key a record names, unwrapped, after checking it is its client's.
    func recordKeySecret(_ tx: any StoreTransaction, _ record: RecordRow, viaBreakGlass: Bool = false) throws -> SecretBytes {
        guard let key = try tx.dataKey(id: record.keyID), key.clientID == record.clientID, key.version == record.keyVersion else {
            throw VaultError.badData("record \(record.id) names a key that is not its client's; the vault was tampered with")
        }
        return try unwrap(tx, key, viaBreakGlass: viaBreakGlass)
    }

    static func newID(prefix: String) -> String { prefix + Encoding.base32(Random.bytes(8)) }
}
