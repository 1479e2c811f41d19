import Foundation
import VaultCore
import VaultStoreSQLite
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// The walkthrough `confidant demo` runs: a demo practice in a fresh folder, one act per role.
///
/// Each act prints its heading, then what it did, through `say` (which prints nothing under
/// `--json`). The demo users' passphrases are generated into 0600 files under `passphrases/`.
struct DemoWalkthrough {
    /// What the walkthrough made, for the JSON summary and the closing hints.
    struct Made {
        var vaultPath: String
        var clientID: String
        var progressNoteID: String
        var psychotherapyNoteID: String
    }

    /// The two notes the therapist writes, by id.
    private struct Notes {
        var progress: String
        var psychotherapy: String
    }

    let folder: String
    let say: (String) -> Void

    private var vaultPath: String { folder + "/practice.vault" }
    private var passDir: String { folder + "/passphrases" }

    /// Runs every act in order and returns what they made.
    /// - Throws: ``VaultError`` cannot create (73) when the folder is not new or empty, or any
    ///   error of a step that must succeed.
    func run() throws -> Made {
        try prepareFolder()
        say("== Confidant demo: a small DBT practice in \(folder)")
        guard mkdir(passDir, 0o700) == 0 else { throw VaultError(.cannotCreate, "cannot create \(passDir)") }
        let (vault, admin, adminPass) = try createVault()
        try enrolStaff(admin)
        let (rivera, clientID) = try addClient(vault, fallback: adminPass)
        let agreementIDs = try addAgreements(rivera, clientID: clientID)
        let notes = try addNotes(rivera, clientID: clientID)
        try openRecords(rivera, notes: notes, agreementIDs: agreementIDs)
        let chen = try outsiderIsRefused(vault, fallback: adminPass, notes: notes)
        try grantAndOpen(rivera, chen, clientID: clientID, notes: notes)
        let morgan = try complianceCannotRead(vault, fallback: adminPass, notes: notes)
        let jordan = try clientSigns(vault, admin: admin, fallback: adminPass, clientID: clientID, agreementID: agreementIDs[2])
        try disclose(rivera, clientID: clientID, notes: notes)
        try exportToClient(jordan, rivera, clientID: clientID)
        try rotateClientKeys(rivera, clientID: clientID)
        try backUp(admin)
        try complianceReview(morgan)
        return Made(vaultPath: vaultPath, clientID: clientID, progressNoteID: notes.progress,
                    psychotherapyNoteID: notes.psychotherapy)
    }

    /// The closing lines: the commands to try on the demo vault afterwards.
    func sayTryItYourself(_ made: Made) {
        let asUser = { (user: String) in "confidant --as \(user) --passphrase-file \(passDir)/\(user)" }
        say("""

        == Done. Every step above was recorded in the vault's access log. Try it yourself
           (confidant is \(CommandLine.arguments.first ?? "confidant")):
           export CONFIDANT_VAULT=\(made.vaultPath)
           \(asUser("dr-rivera")) client list
           \(asUser("dr-rivera")) unlock --for 15m       # one unlock for a working session
           confidant --as dr-rivera note open \(made.progressNoteID)   # no passphrase asked: the agent runs it
           confidant --as dr-rivera lock
           \(asUser("dr-chen")) note open \(made.psychotherapyNoteID) --purpose TREAT   # refused, exit 77
           \(asUser("morgan")) log review
           \(asUser("morgan")) log verify --checkpoint \(folder)/checkpoint.txt
        (The passphrase files exist only because this is a demo; real passphrases are typed. dr-rivera chose
         the default key derivation, moderate, at enrolment: about 0.6 s and 256 MiB per unlock, which
         'confidant unlock' pays once per session. The other demo users keep the vault's fast setting,
         --kdf interactive, so the demo runs in seconds.)
        """)
    }

    // MARK: - The acts

    private func createVault() throws -> (Vault, Session, SecretBytes) {
        say("\n-- admin: create the vault (recovery key written to \(folder)/recovery.key, mode 0600)")
        let adminPass = try passphrase(for: "avery")
        let r = try Vault.create(path: vaultPath, practice: "Riverside DBT", admin: "avery", roles: [.admin], passphrase: adminPass,
                                 kdf: .interactive, recoveryOut: folder + "/recovery.key")
        say("   vault \(r.vaultID), root key \(r.rootPublicKey)")
        let vault = try Vault.open(path: vaultPath)
        let admin = try vault.unlock(user: "avery", passphrase: adminPass)
        return (vault, admin, adminPass)
    }

    private func enrolStaff(_ admin: Session) throws {
        say("\n-- admin: add two therapists and a compliance officer (with the recovery key, so the")
        say("   compliance officer can read the sealed reasons in the log from the start); each gets a")
        say("   one-time enrolment code and enrols itself, choosing its passphrase ('confidant user enrol')")
        try admin.useRecoveryKey(path: folder + "/recovery.key")
        for (name, roles) in [("dr-rivera", Set<Role>([.therapist])), ("dr-chen", [.therapist]), ("morgan", [.compliance])] {
            // dr-rivera takes the default key derivation (moderate, ~0.6 s per unlock); the rest the demo's fast one.
            try addAndEnrol(admin, name, roles, kdf: name == "dr-rivera" ? .moderate : nil)
        }
    }

    /// `user add` by the admin, then `user enrol` by the new user with the code it was given.
    private func addAndEnrol(_ admin: Session, _ name: String, _ roles: Set<Role>, clientID: String? = nil, kdf: KDFStrength? = nil) throws {
        let issued = try admin.addUser(name: name, roles: roles, clientID: clientID)
        say("   added \(name) (\(issued.user.roles.joined(separator: ","))): enrolment code until \(issued.expiresAt)")
        let u = try admin.vault.enrol(user: name, code: issued.code, passphrase: try passphrase(for: name), kdf: kdf)
        say("   \(name) enrolled with its own keys, fingerprint \(u.fingerprint)\(kdf.map { ", key derivation \($0.rawValue)" } ?? "")")
    }

    private func addClient(_ vault: Vault, fallback: SecretBytes) throws -> (Session, String) {
        say("\n-- therapist dr-rivera: add a client (the name is stored encrypted; only the id is plaintext)")
        let rivera = try unlock(vault, "dr-rivera", fallback: fallback)
        let client = try rivera.addClient(profile: ClientProfile(name: "Jordan Example", dateOfBirth: "1990-04-12", contact: "+1 555 0199"))
        say("   client id \(client.id)")
        return (rivera, client.id)
    }

    private func addAgreements(_ rivera: Session, clientID: String) throws -> [String] {
        say("\n-- dr-rivera: the three DBT agreements, reviewed with the client")
        var agreementIDs: [String] = []
        for (kind, text) in Self.agreements {
            let a = try rivera.addAgreement(clientID: clientID, kind: kind, json: Data(text.utf8))
            agreementIDs.append(a.id)
            say("   \(kind.rawValue) agreement \(a.id), version \(a.version), reviewed \(a.body?.reviewedOn ?? "")")
        }
        return agreementIDs
    }

    private func addNotes(_ rivera: Session, clientID: String) throws -> Notes {
        say("\n-- dr-rivera: a progress note and a psychotherapy note")
        let progress = try rivera.addNote(clientID: clientID, kind: .progress,
                                          content: Array("Session 3. Practised TIPP skills; diary card shows two urges, no actions.".utf8))
        let psych = try rivera.addNote(clientID: clientID, kind: .psychotherapy,
                                       content: Array("Process note: my own reactions to the client's validation requests.".utf8))
        say("   progress note \(progress.id), psychotherapy note \(psych.id) (sealed to dr-rivera alone)")
        return Notes(progress: progress.id, psychotherapy: psych.id)
    }

    private func openRecords(_ rivera: Session, notes: Notes, agreementIDs: [String]) throws {
        say("\n-- dr-rivera opens them (purpose TREAT); each access is logged before the text is shown")
        let opened = try rivera.openNote(id: notes.progress, purpose: .treat, reason: "preparing session 4")
        say("   \(notes.progress): \(opened.text)")
        let openedPsych = try rivera.openNote(id: notes.psychotherapy, purpose: .treat)
        say("   \(notes.psychotherapy): \(openedPsych.text)")
        for id in agreementIDs {
            let a = try rivera.showAgreement(id: id, purpose: .treat)
            say("   \(a.kind) v\(a.version): reviewed \(a.body?.reviewedOn ?? ""), acknowledged \(a.body?.acknowledgedOn ?? "-")")
        }
    }

    private func outsiderIsRefused(_ vault: Vault, fallback: SecretBytes, notes: Notes) throws -> Session {
        say("\n-- therapist dr-chen, not on the care team, tries to open the progress note")
        let chen = try unlock(vault, "dr-chen", fallback: fallback)
        try sayRefusal { _ = try chen.openNote(id: notes.progress, purpose: .treat) }
        return chen
    }

    private func grantAndOpen(_ rivera: Session, _ chen: Session, clientID: String, notes: Notes) throws {
        say("\n-- dr-rivera grants dr-chen; dr-chen opens the progress note but still not the psychotherapy note")
        _ = try rivera.grant(clientID: clientID, to: "dr-chen")
        let chenOpened = try chen.openNote(id: notes.progress, purpose: .treat)
        say("   \(notes.progress): \(chenOpened.text)")
        try sayRefusal { _ = try chen.openNote(id: notes.psychotherapy, purpose: .treat) }
    }

    private func complianceCannotRead(_ vault: Vault, fallback: SecretBytes, notes: Notes) throws -> Session {
        say("\n-- compliance officer morgan: may list clients (ids only) but never read a note")
        let morgan = try unlock(vault, "morgan", fallback: fallback)
        for c in try morgan.listClients() {
            say("   \(c.id): care team \(c.careTeam.joined(separator: ", ")), name \(c.name ?? "(sealed)")")
        }
        try sayRefusal { _ = try morgan.openNote(id: notes.progress, purpose: .operations) }
        return morgan
    }

    private func clientSigns(_ vault: Vault, admin: Session, fallback: SecretBytes, clientID: String,
                             agreementID: String) throws -> Session {
        say("\n-- the client: enrolled as a user (admin, with the recovery key), signs its confidentiality agreement")
        try addAndEnrol(admin, "jordan", [.client], clientID: clientID)
        let jordan = try unlock(vault, "jordan", fallback: fallback)
        let ack = try jordan.acknowledgeAgreement(id: agreementID)
        say("   jordan signed agreement \(agreementID) (hash \(ack.agreementHash.prefix(16))…)")
        return jordan
    }

    private func disclose(_ rivera: Session, clientID: String, notes: Notes) throws {
        say("\n-- dr-rivera discloses under an exception the client was told about; a permitted one it was not told about is refused")
        let today = CalendarDate.string(from: Date())
        let d = try rivera.disclose(DisclosureRequest(clientID: clientID, recipientName: "County Crisis Team",
                                                      recipientAddress: "1 Main St", recordIDs: [notes.progress], basis: "harm-to-self",
                                                      purpose: "imminent risk; crisis team dispatched", date: today))
        say("   disclosure \(d.id): \(d.body.description) to \(d.body.recipientName)")
        do {
            _ = try rivera.disclose(DisclosureRequest(clientID: clientID, recipientName: "County Sheriff", recipientAddress: "2 Side St",
                                                      recordIDs: [notes.progress], basis: "law-enforcement", purpose: "records request",
                                                      date: today))
        } catch let e as VaultError { say("   refused (exit \(e.exitCode)): \(e.message.prefix(90))…") }
        for a in try rivera.accounting(clientID: clientID) {
            say("   accounting: \(a.body.date) \(a.body.recipientName) — \(a.body.purpose)")
        }
    }

    private func exportToClient(_ jordan: Session, _ rivera: Session, clientID: String) throws {
        say("\n-- the client asks for its records; dr-rivera fulfils the request as an age file only the client can open")
        let request = try jordan.requestExport(clientID: clientID)
        let clientKey = try AgeX25519Identity.generate()
        let keyPath = folder + "/client-age.key"
        let keyFD = try PrivateFile.create(keyPath)
        try clientKey.encoded().write(to: keyFD)
        close(keyFD)
        let exportPath = folder + "/export.age"
        try OutputFile.produce(exportPath) {
            let fd = open(exportPath, O_WRONLY | O_APPEND | O_CLOEXEC)
            defer { close(fd) }
            _ = try rivera.fulfilExport(requestID: request.id, includePsychotherapy: false, recipient: .x25519(clientKey.recipient)) {
                try SecretBytesWriter.write($0, fd: fd)
            }
            return Data()
        }
        guard let handle = FileHandle(forReadingAtPath: exportPath) else { throw VaultError(.notFound, "no export") }
        let check = try ExportOpener.open(source: { n in [UInt8]((try? handle.read(upToCount: n)) ?? Data()) },
                                          identities: [.x25519(clientKey)], into: folder + "/export-opened")
        try? handle.close()
        say("   \(exportPath) (age, to \(clientKey.recipient.string.prefix(20))…): opened and verified, \(check.notes) note(s),")
        say("   \(check.accessEntries) access entries proven against the signed log; the psychotherapy note was withheld")
        say("   (open it yourself: age -d -i \(keyPath) \(exportPath) > export.zip)")
    }

    private func rotateClientKeys(_ rivera: Session, clientID: String) throws {
        say("\n-- dr-rivera rotates the client's keys: every record re-encrypted, the old version destroyed")
        let rotation = try rivera.rotateClient(clientID)
        say("   \(rotation.keysRotated) key(s) rotated, \(rotation.recordsReEncrypted) record(s) re-encrypted")
    }

    private func backUp(_ admin: Session) throws {
        say("\n-- admin: a verified online backup")
        let backup = try admin.backup(to: folder + "/backup.vault")
        say("   \(backup.file): \(backup.records) records, log of \(backup.logEntries) entries verified")
    }

    private func complianceReview(_ morgan: Session) throws {
        say("\n-- compliance officer morgan: verify the tamper-evident log, pin a checkpoint, review")
        let verified = try morgan.verifyLog()
        say("   log verified: \(verified.size) entries, Merkle root \(verified.root)")
        let cp = try morgan.checkpoint()
        try OutputFile.write(Data(cp.text.utf8), to: folder + "/checkpoint.txt")
        say("   signed checkpoint of \(cp.size) entries written to \(folder)/checkpoint.txt (keep it outside the vault)")
        let opens = try morgan.showLog(filter: LogFilter(action: "note.open"))
        for e in opens {
            say("   \(e.time)  \(e.actor)  \(e.action) \(e.record)  \(e.purpose)  \(e.outcome)\(e.reason.map { "  reason: \($0)" } ?? "")")
        }
        for item in try morgan.reviewItems() where item.rule != "after-hours" {
            say("   review item \(item.id): \(item.why) by \(item.actor)")
        }
    }

    // MARK: - Helpers

    /// The three DBT agreements, as the files a therapist would write.
    private static let agreements: [(AgreementKind, String)] = [
        (.relationship, #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "clientCommitments": ["#
            + #""attend weekly individual sessions", "attend group skills training", "practise skills between sessions"], "#
            + #""therapistCommitments": ["provide a supportive, non-judgmental environment"], "#
            + #""treatmentGoals": ["reduce emotional dysregulation"]}"#),
        (.safety, AgreementTemplate.json(.safety, today: "2026-11-02", later: "2027-02-02")),  // a Stanley-Brown plan
        (.confidentiality, #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "#
            + #""exceptionsExplained": ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order"]}"#),
    ]

    /// Refuses to reuse a folder that holds anything; a new folder is made 0700.
    private func prepareFolder() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
            guard isDir.boolValue, (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true else {
                throw VaultError(.cannotCreate, "\(folder) exists and is not an empty folder; choose a new --dir")
            }
            _ = chmod(folder, 0o700)
        } else {
            guard mkdir(folder, 0o700) == 0 else { throw VaultError(.cannotCreate, "cannot create folder \(folder)") }
        }
    }

    /// A fresh random passphrase for `user`, written to a new 0600 file under `passphrases/`.
    private func passphrase(for user: String) throws -> SecretBytes {
        let path = "\(passDir)/\(user)"
        let secret = try PassphrasePolicy.generate()
        let fd = try PrivateFile.create(path)
        defer { close(fd) }
        try secret.write(to: fd)
        return secret
    }

    /// Unlocks a demo user with the passphrase in its file.
    private func unlock(_ vault: Vault, _ user: String, fallback: SecretBytes) throws -> Session {
        try vault.unlock(user: user, passphrase: try SecretBytes.read(path: passDir + "/" + user) ?? fallback)
    }

    /// Runs an attempt that must be refused and prints the refusal (or that it was not refused).
    private func sayRefusal(_ attempt: () throws -> Void) throws {
        do { try attempt(); say("   UNEXPECTED: opened") } catch let e as VaultError {
            say("   refused (exit \(e.exitCode)): \(e.message)")
        }
    }
}
