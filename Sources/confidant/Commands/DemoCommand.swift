import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `confidant demo`: builds a demo practice in a fresh folder and walks every role through it.
///
/// The demo users' passphrases are generated, written to 0600 files in the demo folder (so the
/// printed commands can be tried afterwards) and never shown. It uses the INTERACTIVE Argon2id
/// limits so it runs in seconds; real vaults default to MODERATE.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Build a demo practice in a fresh folder and walk every role through it.")

    @Option(help: "Folder to create (must not exist, or be empty). Default: a new ./confidant-demo-XXXX folder.") var dir: String?
    @Flag(help: "Print one JSON summary instead of the walkthrough.") var json = false

    func run() throws {
        let folder = dir ?? "./confidant-demo-\(Encoding.base32(Random.bytes(3)))"
        try prepare(folder)
        let vaultPath = folder + "/practice.vault"
        var say: (String) -> Void = { Output.line($0) }
        if json { say = { _ in } }

        say("== Confidant demo: a small DBT practice in \(folder)")
        let passDir = folder + "/passphrases"
        guard mkdir(passDir, 0o700) == 0 else { throw VaultError(.cannotCreate, "cannot create \(passDir)") }
        func passphrase(for user: String) throws -> SecretBytes {
            let path = "\(passDir)/\(user)"
            let secret = try SecretBytes(randomCount: 18).base64Encoded()
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot create \(path)") }
            defer { close(fd) }
            try secret.write(to: fd)
            return secret
        }

        say("\n-- admin: create the vault (recovery key written to \(folder)/recovery.key, mode 0600)")
        let adminPass = try passphrase(for: "avery")
        let r = try Vault.create(path: vaultPath, practice: "Riverside DBT", admin: "avery", roles: [.admin], passphrase: adminPass,
                                 kdf: .interactive, recoveryOut: folder + "/recovery.key")
        say("   vault \(r.vaultID), root key \(r.rootPublicKey)")
        let vault = try Vault.open(path: vaultPath)
        let admin = try vault.unlock(user: "avery", passphrase: adminPass)

        say("\n-- admin: enrol two therapists and a compliance officer (with the recovery key, so the")
        say("   compliance officer can read the sealed reasons in the log from the start)")
        try admin.useRecoveryKey(path: folder + "/recovery.key")
        for (name, roles) in [("dr-rivera", Set<Role>([.therapist])), ("dr-chen", [.therapist]), ("morgan", [.compliance])] {
            let u = try admin.addUser(name: name, roles: roles, initialPassphrase: try passphrase(for: name))
            say("   enrolled \(u.name) (\(u.roles.joined(separator: ","))), fingerprint \(u.fingerprint)")
        }

        say("\n-- therapist dr-rivera: add a client (the name is stored encrypted; only the id is plaintext)")
        let rivera = try vault.unlock(user: "dr-rivera", passphrase: try SecretBytes.read(path: passDir + "/dr-rivera") ?? adminPass)
        let client = try rivera.addClient(profile: ClientProfile(name: "Jordan Example", dateOfBirth: "1990-04-12", contact: "+1 555 0199"))
        say("   client id \(client.id)")

        say("\n-- dr-rivera: the three DBT agreements, reviewed with the client")
        let agreements: [(AgreementKind, String)] = [
            (.relationship, #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "clientCommitments": ["attend weekly individual sessions", "attend group skills training", "practise skills between sessions"], "therapistCommitments": ["provide a supportive, non-judgmental environment"], "treatmentGoals": ["reduce emotional dysregulation"]}"#),
            (.safety, #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "refrainFrom": ["self-harm", "substance use"], "crisisPlan": "call the crisis line", "crisisContacts": [{"name": "Dr. Rivera", "relation": "therapist", "phone": "+1 555 0100"}]}"#),
            (.confidentiality, #"{"reviewedOn": "2026-11-02", "acknowledgedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "harm-to-others", "child-abuse", "elder-abuse", "legal-order"]}"#),
        ]
        var agreementIDs: [String] = []
        for (kind, text) in agreements {
            let a = try rivera.addAgreement(clientID: client.id, kind: kind, json: Data(text.utf8))
            agreementIDs.append(a.id)
            say("   \(kind.rawValue) agreement \(a.id), version \(a.version), reviewed \(a.body?.reviewedOn ?? "")")
        }

        say("\n-- dr-rivera: a progress note and a psychotherapy note")
        let progress = try rivera.addNote(clientID: client.id, kind: .progress,
                                          content: Array("Session 3. Practised TIPP skills; diary card shows two urges, no actions.".utf8))
        let psych = try rivera.addNote(clientID: client.id, kind: .psychotherapy,
                                       content: Array("Process note: my own reactions to the client's validation requests.".utf8))
        say("   progress note \(progress.id), psychotherapy note \(psych.id) (sealed to dr-rivera alone)")

        say("\n-- dr-rivera opens them (purpose TREAT); each access is logged before the text is shown")
        let opened = try rivera.openNote(id: progress.id, purpose: .treat, reason: "preparing session 4")
        say("   \(progress.id): \(opened.text)")
        let openedPsych = try rivera.openNote(id: psych.id, purpose: .treat)
        say("   \(psych.id): \(openedPsych.text)")
        for id in agreementIDs {
            let a = try rivera.showAgreement(id: id, purpose: .treat)
            say("   \(a.kind) v\(a.version): reviewed \(a.body?.reviewedOn ?? ""), acknowledged \(a.body?.acknowledgedOn ?? "-")")
        }

        say("\n-- therapist dr-chen, not on the care team, tries to open the progress note")
        let chen = try vault.unlock(user: "dr-chen", passphrase: try SecretBytes.read(path: passDir + "/dr-chen") ?? adminPass)
        do { _ = try chen.openNote(id: progress.id, purpose: .treat); say("   UNEXPECTED: opened") } catch let e as VaultError {
            say("   refused (exit \(e.exitCode)): \(e.message)")
        }

        say("\n-- dr-rivera grants dr-chen; dr-chen opens the progress note but still not the psychotherapy note")
        _ = try rivera.grant(clientID: client.id, to: "dr-chen")
        let chenOpened = try chen.openNote(id: progress.id, purpose: .treat)
        say("   \(progress.id): \(chenOpened.text)")
        do { _ = try chen.openNote(id: psych.id, purpose: .treat); say("   UNEXPECTED: opened") } catch let e as VaultError {
            say("   refused (exit \(e.exitCode)): \(e.message)")
        }

        say("\n-- compliance officer morgan: may list clients (ids only) but never read a note")
        let morgan = try vault.unlock(user: "morgan", passphrase: try SecretBytes.read(path: passDir + "/morgan") ?? adminPass)
        for c in try morgan.listClients() { say("   \(c.id): care team \(c.careTeam.joined(separator: ", ")), name \(c.name ?? "(sealed)")") }
        do { _ = try morgan.openNote(id: progress.id, purpose: .operations); say("   UNEXPECTED: opened") } catch let e as VaultError {
            say("   refused (exit \(e.exitCode)): \(e.message)")
        }

        say("\n-- the client: enrolled as a user (admin, with the recovery key), signs its confidentiality agreement")
        _ = try admin.addUser(name: "jordan", roles: [.client], initialPassphrase: try passphrase(for: "jordan"), clientID: client.id)
        let jordan = try vault.unlock(user: "jordan", passphrase: try SecretBytes.read(path: passDir + "/jordan") ?? adminPass)
        let ack = try jordan.acknowledgeAgreement(id: agreementIDs[2])
        say("   jordan signed agreement \(agreementIDs[2]) (hash \(ack.agreementHash.prefix(16))…)")

        say("\n-- dr-rivera discloses under an exception the client was told about; one it was not told about is refused")
        let today = CalendarDate.string(from: Date())
        let d = try rivera.disclose(DisclosureRequest(clientID: client.id, recipientName: "County Crisis Team", recipientAddress: "1 Main St",
                                                      recordIDs: [progress.id], basis: "harm-to-self", purpose: "imminent risk; crisis team dispatched",
                                                      date: today))
        say("   disclosure \(d.id): \(d.body.description) to \(d.body.recipientName)")
        do {
            _ = try rivera.disclose(DisclosureRequest(clientID: client.id, recipientName: "Employer", recipientAddress: "2 Side St",
                                                      recordIDs: [progress.id], basis: "legal-order", purpose: "subpoena", date: "2026-01-01"))
        } catch let e as VaultError { say("   refused (exit \(e.exitCode)): \(e.message.prefix(90))…") }
        for a in try rivera.accounting(clientID: client.id) { say("   accounting: \(a.body.date) \(a.body.recipientName) — \(a.body.purpose)") }

        say("\n-- the client asks for its records; dr-rivera fulfils the request as an age file only the client can open")
        let request = try jordan.requestExport(clientID: client.id)
        let clientKey = try AgeX25519Identity.generate()
        let keyPath = folder + "/client-age.key"
        let keyFD = open(keyPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard keyFD >= 0 else { throw VaultError(.cannotCreate, "cannot create \(keyPath)") }
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

        say("\n-- dr-rivera rotates the client's keys: every record re-encrypted, the old version destroyed")
        let rotation = try rivera.rotateClient(client.id)
        say("   \(rotation.keysRotated) key(s) rotated, \(rotation.recordsReEncrypted) record(s) re-encrypted")

        say("\n-- admin: a verified online backup")
        let backup = try admin.backup(to: folder + "/backup.vault")
        say("   \(backup.file): \(backup.records) records, log of \(backup.logEntries) entries verified")

        say("\n-- compliance officer morgan: verify the tamper-evident log, pin a checkpoint, review")
        let verified = try morgan.verifyLog()
        say("   log verified: \(verified.size) entries, Merkle root \(verified.root)")
        let cp = try morgan.checkpoint()
        try OutputFile.write(Data(cp.text.utf8), to: folder + "/checkpoint.txt")
        say("   signed checkpoint of \(cp.size) entries written to \(folder)/checkpoint.txt (keep it outside the vault)")
        let opens = try morgan.showLog(filter: LogFilter(action: "note.open"))
        for e in opens { say("   \(e.time)  \(e.actor)  \(e.action) \(e.record)  \(e.purpose)  \(e.outcome)\(e.reason.map { "  reason: \($0)" } ?? "")") }
        for item in try morgan.reviewItems() where item.rule != "after-hours" { say("   review item \(item.id): \(item.why) by \(item.actor)") }

        if json {
            try Output.json(["folder": folder, "vault": vaultPath, "client": client.id, "progressNote": progress.id, "psychotherapyNote": psych.id])
            return
        }
        say("""

        == Done. Every step above was recorded in the vault's access log. Try it yourself
           (confidant is \(CommandLine.arguments.first ?? "confidant")):
           export CONFIDANT_VAULT=\(vaultPath)
           confidant --as dr-rivera --passphrase-file \(passDir)/dr-rivera client list
           confidant --as dr-rivera --passphrase-file \(passDir)/dr-rivera note open \(progress.id) --purpose TREAT
           confidant --as dr-chen --passphrase-file \(passDir)/dr-chen note open \(psych.id) --purpose TREAT   # refused, exit 77
           confidant --as morgan --passphrase-file \(passDir)/morgan log review
           confidant --as morgan --passphrase-file \(passDir)/morgan log verify --checkpoint \(folder)/checkpoint.txt
        (The passphrase files exist only because this is a demo; real passphrases are typed.)
        """)
    }

    private func prepare(_ folder: String) throws {
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
}
