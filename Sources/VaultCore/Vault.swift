import Foundation
import VaultCrypto

/// Which Argon2id limits a vault uses for every passphrase (`init --kdf`).
public enum KDFStrength: String, Sendable, CaseIterable {
    case interactive, moderate, sensitive

    public var limits: Argon2id.Limits {
        switch self {
        case .interactive: .interactive
        case .moderate: .moderate
        case .sensitive: .sensitive
        }
    }
}

/// What `init` reports.
public struct InitResult: Sendable {
    public var vaultID: String
    /// The vault's root public key (Ed25519, base64): the first admin's signing key.
    public var rootPublicKey: String
    public var recoveryPublicKey: String
    public var recoveryFile: String
    /// The log key (Ed25519, base64) that signs checkpoints.
    public var logPublicKey: String
}

/// An open vault file. Unlock it as a user to get a ``Session``.
public final class Vault: @unchecked Sendable {
    /// The store, verified by its guard; `package` so only VaultCore, its tests and the benchmark reach it.
    package let store: any VaultStore
    public let meta: VaultMetaRow
    /// The clock used for every timestamp; injectable for tests.
    public let now: @Sendable () -> Date
    /// The audit and log public keys, checked against the signed settings at open and used
    /// from memory after (never re-read from the file).
    let auditKey: [UInt8]
    let logKey: [UInt8]

    init(store: any VaultStore, meta: VaultMetaRow, auditKey: [UInt8], logKey: [UInt8], now: @escaping @Sendable () -> Date) {
        self.store = store
        self.meta = meta
        self.auditKey = auditKey
        self.logKey = logKey
        self.now = now
    }

    /// The vault id, hex.
    public var vaultID: String { Encoding.hex(meta.vaultID) }
    /// The practice name given at `init`.
    public var practice: String { meta.practice }
    /// The storage backend under the guard (backup, restore and compaction only).
    var backend: any VaultStore { (store as? GuardedStore)?.inner ?? store }
    /// How far the local clock may lag the newest entry before commands refuse (64).
    static let clockTolerance: Int64 = 5 * 60 * 1000

    /// The record and entry format version this build reads and writes, the same in every
    /// store (part of every record's associated data and of the signed vault settings).
    public static let formatVersion = 2

    /// The vault id (hex) of the vault in `store`, read without any check: only to find this
    /// vault's agent socket, never for a decision.
    public static func vaultID(store: any VaultStore, name: String) throws -> String {
        guard let meta = try store.read({ try $0.meta() }) else {
            throw VaultError.badData("\(name) has no vault settings; it is not an initialised Confidant vault")
        }
        return Encoding.hex(meta.vaultID)
    }

    /// Opens an existing vault: checks its schema, that its log extends what this machine saw,
    /// and that its settings, users and keys are the ones its signed log vouches for.
    /// - Throws: ``VaultError``: not found (66), bad data (65), busy (75), usage (64) when the
    ///   local clock is more than 5 minutes behind the newest entry.
    /// - Parameter asCopy: a backup being checked: its log may be shorter than what this
    ///   machine saw of the live vault, and opening it does not move this machine's pin.
    /// - Parameter checkClock: false only under a debug build's pinned test clock, which jumps
    ///   in time on purpose (entry times still never decrease).
    /// `name` is how messages call the store (a path, a URL without credentials).
    public static func open(store raw: any VaultStore, name path: String, asCopy: Bool = false, checkClock: Bool = true,
                            now: @escaping @Sendable () -> Date = { Date() }) throws -> Vault {
        guard let meta = try raw.read({ try $0.meta() }) else {
            throw VaultError.badData("\(path) has no vault settings; it is not an initialised Confidant vault")
        }
        guard meta.formatVersion == formatVersion else {
            throw VaultError.badData("\(path) uses vault format \(meta.formatVersion); this confidant reads format \(formatVersion)")
        }
        let pin = asCopy ? nil : RollbackPin.forVault(Encoding.hex(meta.vaultID))
        if let pinned = try pin?.load(), pinned.rootKey != Encoding.base64(meta.rootSigningKey) {
            throw VaultError.badData("this vault's root key is not the one this machine saw before: the file was replaced by another vault with the same id")
        }
        let store = GuardedStore(inner: raw, pinnedRootKey: meta.rootSigningKey, pin: pin)
        let (audit, log) = try store.read { tx in (try tx.dataKey(id: meta.auditKeyID), try tx.dataKey(id: meta.logKeyID)) }
        // The settings are signed by an admin whose certificate chains to the root key.
        let signerKeys: [[UInt8]] = try store.read { tx in
            guard let signer = try tx.user(named: meta.settingsSigner), signer.roleSet.contains(.admin) else { return [] }
            // Only the signer's current key: `key rotate --self` and `user reset` re-sign the settings.
            return try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: signer.name, at: .max)
        }
        guard let audit, let log, audit.scope == .audit, log.scope == .log,
              signerKeys.contains(where: { key in
                  Ed25519.isValid(signature: meta.signature,
                                  message: SignedStatements.vaultSettings(meta, auditPublicKey: audit.publicKey, logPublicKey: log.publicKey),
                                  publicKey: key)
              }) else {
            throw VaultError.badData("\(path): the vault settings are not signed by its root key or a certified admin; the file was tampered with")
        }
        let tail = try pin?.check(store, meta: meta)
        if checkClock, let tail, Int64(now().timeIntervalSince1970 * 1000) < tail.time - clockTolerance {
            throw VaultError.usage("this machine's clock is more than 5 minutes behind the vault's newest entry (\(Timestamp.iso(tail.time))); set the clock right and try again")
        }
        return Vault(store: store, meta: meta, auditKey: audit.publicKey, logKey: log.publicKey, now: now)
    }

    /// Runs `log verify`'s checks on a vault that does not open (its state fails the signed
    /// log's check), without unlocking: only public keys are needed. Names the first bad fact.
    /// - Throws: ``VaultError`` bad data (65) with the first problem found; returns when the
    ///   log and the state check out (the problem was elsewhere).
    public static func diagnose(store raw: any VaultStore, name path: String, checkpointText: String? = nil) throws -> LogVerification {
        guard let meta = try raw.read({ try $0.meta() }) else {
            throw VaultError.badData("\(path) has no vault settings; it is not an initialised Confidant vault")
        }
        let store = GuardedStore(inner: raw, pinnedRootKey: meta.rootSigningKey, pin: nil)
        let checkpoint = try checkpointText.map { text -> Checkpoint in
            guard let logKey = try store.readRaw({ try $0.dataKey(id: meta.logKeyID) }) else {
                throw VaultError.badData("the vault's log key is missing; the vault file was tampered with")
            }
            return try Checkpoint.parse(text, publicKey: logKey.publicKey, vaultID: meta.vaultID)
        }
        return try LogVerifier.verify(store, meta: meta, checkpoint: checkpoint)
    }

    /// Creates a vault: its settings, the recovery key (secret written to `recoveryOut`), the
    /// audit key, and the first admin, whose signing key becomes the root key. `makeStore`
    /// creates the empty store once the arguments are checked; `discard` undoes what it made
    /// when the first transaction fails.
    /// - Throws: ``VaultError`` cannot create (73) when the store or recovery file exists.
    public static func create(store makeStore: () throws -> any VaultStore, discard: () -> Void, practice: String, admin: String,
                              roles: Set<Role>, passphrase: SecretBytes, kdf: KDFStrength, recoveryOut: String,
                              now: @escaping @Sendable () -> Date = { Date() }) throws -> InitResult {
        try checkCreate(practice: practice, admin: admin, roles: roles, passphrase: passphrase, recoveryOut: recoveryOut)
        let vaultID = Random.bytes(16)
        let recovery = try X25519KeyPair.generate()
        let identity = try UserIdentity.generate()
        let logKey = try Ed25519KeyPair.generate()
        let created = now()
        let raw = try makeStore()
        let pin = RollbackPin.forVault(Encoding.hex(vaultID))
        let store = GuardedStore(inner: raw, pinnedRootKey: nil, pin: pin)
        var wroteRecovery = false
        do {
            try RecoveryKeyFile.write(path: recoveryOut, vaultID: vaultID, keyPair: recovery)
            wroteRecovery = true
            let genesis = VaultGenesis(vaultID: vaultID, practice: practice, admin: admin, roles: roles, kdf: kdf,
                                       recovery: recovery, identity: identity, logKey: logKey,
                                       audit: try X25519KeyPair.generate(), created: created)
            try store.write { tx in try genesis.write(tx, passphrase: passphrase) }
            if let tail = try store.readRaw({ try $0.lastLog() }) {
                pin?.reset(RollbackPin.State(vaultID: Encoding.hex(vaultID), rootKey: Encoding.base64(identity.signing.publicKey),
                                             size: tail.seq, leafHash: Encoding.base64(tail.leafHash)))
            }
        } catch {
            discard()
            if wroteRecovery { try? FileManager.default.removeItem(atPath: recoveryOut) }
            throw error
        }
        return InitResult(vaultID: Encoding.hex(vaultID), rootPublicKey: Encoding.base64(identity.signing.publicKey),
                          recoveryPublicKey: Encoding.base64(recovery.publicKey), recoveryFile: recoveryOut,
                          logPublicKey: Encoding.base64(logKey.publicKey))
    }

    /// The checks ``create(store:discard:practice:admin:roles:passphrase:kdf:recoveryOut:now:)`` makes
    /// before it generates or writes anything.
    private static func checkCreate(practice: String, admin: String, roles: Set<Role>, passphrase: SecretBytes,
                                    recoveryOut: String) throws {
        guard roles.contains(.admin) else { throw VaultError.usage("the first user must hold the admin role") }
        try UserName.validate(admin)
        try TextInput.validate(practice, field: "--practice")
        guard !practice.trimmingCharacters(in: .whitespaces).isEmpty else { throw VaultError.usage("--practice must not be empty") }
        try PassphrasePolicy.check(passphrase, "the passphrase")
        if FileManager.default.fileExists(atPath: recoveryOut) {
            throw VaultError(.cannotCreate, "recovery key file \(recoveryOut) already exists; choose a new path")
        }
    }

    /// Appends an entry for an attempt by someone who could not be authenticated (or a refusal
    /// that happened before any work), in its own transaction.
    func logUnauthenticated(actor: String, intent: AccessIntent, outcome: Outcome, detail: String) {
        // Only a well-formed name is ever logged as an actor (``unlock`` refuses others first).
        guard (try? UserName.validate(actor)) != nil else { return }
        _ = try? store.write { tx in
            try AccessLogWriter.append(tx, meta: meta, auditPublicKey: auditKey, time: now(), actor: actor, roles: "",
                                       intent: intent, outcome: outcome, detail: detail, signer: nil)
        }
    }

    /// Unlocks `user` with its passphrase: derives the Argon2id key, opens the sealed secret
    /// keys and checks the user's certificate chain. A wrong passphrase is logged as denied.
    /// - Throws: ``VaultError`` usage (64), with nothing logged, for a malformed user name; not
    ///   permitted (77) for an unknown user or wrong passphrase, bad data (65) when the user's
    ///   certificate does not verify.
    public func unlock(user: String, passphrase: SecretBytes, pendingWork: Session.PendingWork = .manual) throws -> Session {
        // Before anything is logged: a refused unlock's entry names the actor as given.
        try UserName.validate(user)
        let intent = AccessIntent(action: "session.unlock")
        let users = try store.read { tx in (try tx.user(named: user), try tx.users()) }
        guard let row = users.0 else {
            logUnauthenticated(actor: user, intent: intent, outcome: .denied, detail: "unknown-user")
            throw VaultError.notPermitted("user '\(user)' is not enrolled in this vault; check --as or CONFIDANT_USER")
        }
        try refuseUnlockUnlessEnrolled(row, intent)
        try store.read { tx in
            try UserCertificate.verifyChain(of: row, meta: meta, lookup: { try tx.user(named: $0) }, history: { try tx.userHistory(name: $0) })
        }
        let identity: UserIdentity
        do {
            identity = try UserIdentity.unseal(row: row, vaultID: meta.vaultID, passphrase: passphrase)
        } catch let e as VaultError where e.kind == .notPermitted {
            logUnauthenticated(actor: user, intent: intent, outcome: .denied, detail: "wrong-passphrase")
            throw e
        }
        guard identity.box.publicKey == row.boxPublicKey, identity.signing.publicKey == row.signPublicKey else {
            throw VaultError.badData("the stored keys of user '\(user)' do not match its certificate; the vault was tampered with")
        }
        return Session(vault: self, user: row, identity: identity, pendingWork: pendingWork)
    }
}

/// The keys and settings a new vault starts from, and the first transaction that stores them:
/// the audit and log keys with their wraps, the signed vault settings, the first admin and the
/// `vault.init` entry.
private struct VaultGenesis {
    let vaultID: [UInt8]
    let practice: String
    let admin: String
    let roles: Set<Role>
    let kdf: KDFStrength
    let recovery: X25519KeyPair
    let identity: UserIdentity
    let logKey: Ed25519KeyPair
    let audit: X25519KeyPair
    let created: Date

    private var ms: Int64 { Int64(created.timeIntervalSince1970 * 1000) }

    func write(_ tx: any StoreTransaction, passphrase: SecretBytes) throws {
        // (The audit and log keys are vouched for by the signed vault settings.)
        let auditKeyID = try tx.insertDataKey(DataKeyRow(id: 0, clientID: "", scope: .audit, owner: "", version: 1,
                                                         state: "current", createdAt: ms, publicKey: audit.publicKey, signer: admin))
        let logKeyID = try tx.insertDataKey(DataKeyRow(id: 0, clientID: "", scope: .log, owner: "", version: 1,
                                                       state: "current", createdAt: ms, publicKey: logKey.publicKey, signer: admin))
        let logSeed = try logKey.seed()
        for (recipient, pk) in [("recovery", recovery.publicKey), ("user:\(admin)", identity.box.publicKey)] {
            try tx.insertWrap(KeyWrapRow(keyID: logKeyID, recipient: recipient, wrapped: try SealedBox.seal(secret: logSeed, to: pk)))
        }
        let meta = signedSettings(auditKeyID: auditKeyID, logKeyID: logKeyID)
        try tx.insertMeta(meta)
        try enrolAdmin(tx, passphrase: passphrase, auditKeyID: auditKeyID)
        try AccessLogWriter.append(tx, meta: meta, auditPublicKey: audit.publicKey, time: created, actor: admin,
                                   roles: Role.format(roles), intent: AccessIntent(action: "vault.init"),
                                   outcome: .success, detail: "", signer: identity.signing)
    }

    /// The vault settings, signed by the first admin (whose key becomes the root key).
    private func signedSettings(auditKeyID: Int64, logKeyID: Int64) -> VaultMetaRow {
        var meta = VaultMetaRow(vaultID: vaultID, formatVersion: Vault.formatVersion, practice: practice, createdAt: ms,
                                kdfOps: kdf.limits.opsLimit, kdfMem: kdf.limits.memLimit,
                                recoveryPublicKey: recovery.publicKey, rootSigningKey: identity.signing.publicKey,
                                auditKeyID: auditKeyID, logKeyID: logKeyID,
                                settingsSigner: admin, signature: [])
        meta.signature = identity.signing.sign(SignedStatements.vaultSettings(meta, auditPublicKey: audit.publicKey,
                                                                              logPublicKey: logKey.publicKey))
        return meta
    }

    /// The first admin's user row, then the audit key's wraps: to the recovery key, and to the
    /// admin when it also holds the compliance role.
    private func enrolAdmin(_ tx: any StoreTransaction, passphrase: SecretBytes, auditKeyID: Int64) throws {
        let row = try identity.enrol(name: admin, roles: roles, vaultID: vaultID, enrolledBy: admin,
                                     enrollerKey: identity.signing, at: ms, passphrase: passphrase, limits: kdf.limits)
        try tx.insertUser(row)
        try tx.insertWrap(KeyWrapRow(keyID: auditKeyID, recipient: "recovery",
                                     wrapped: try SealedBox.seal(secret: audit.secretKey, to: recovery.publicKey)))
        if roles.contains(.compliance) {
            try tx.insertWrap(KeyWrapRow(keyID: auditKeyID, recipient: "user:\(admin)",
                                         wrapped: try SealedBox.seal(secret: audit.secretKey, to: identity.box.publicKey)))
        }
    }
}

/// Rules for user names: short, printable, no separators used in key-wrap recipients.
public enum UserName {
    /// - Throws: ``VaultError`` usage (64); the message never repeats control characters.
    public static func validate(_ name: String) throws {
        try TextInput.validate(name, field: "the user name")
        let ok = !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard ok else { throw VaultError.usage("user name '\(name)' must be 1-64 letters, digits, '.', '_' or '-'") }
    }
}
