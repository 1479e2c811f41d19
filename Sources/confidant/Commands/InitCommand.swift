import ArgumentParser
import Foundation
import VaultCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init",
                                                    abstract: "Create a new vault, its first admin and the recovery key file.")

    @OptionGroup var globals: GlobalOptions
    @Option(help: "Practice name.") var practice: String
    @Option(help: "Name of the first user (an admin).") var admin: String
    @Option(help: "Roles of the first user, comma-separated, e.g. admin,therapist (default: admin).", transform: Role.parseList)
    var roles: Set<Role> = [.admin]
    @Option(help: "Where to write the recovery key file (mode 0600; keep it offline).") var recoveryOut: String
    @Option(help: "Argon2id limits for every passphrase.") var kdf: KDFStrength = .moderate
    @Option(help: "The practice's time zone, an IANA name such as America/Chicago (default: this machine's).")
    var timezone: String?

    /// The zone to record: the one given, else this machine's; nil when that is UTC (the default).
    var zone: String? {
        let z = timezone ?? TimeZone.current.identifier
        return ["UTC", "GMT", "Etc/UTC", "Etc/GMT"].contains(z) && timezone == nil ? nil : z
    }

    func validate() throws {
        try TextInput.validate(practice, field: "--practice")
        try UserName.validate(admin)
        if let t = timezone, TimeZone(identifier: t) == nil {
            throw ValidationError("--timezone takes an IANA zone name such as Europe/Berlin or America/Chicago, not '\(t)'")
        }
    }

    func run() throws {
        let pass = try Passphrase.read(from: globals.passphraseSource, prompt: "New passphrase for \(admin): ", confirm: true)
        let r = try VaultLocation.create(globals.vaultPath, practice: practice, admin: admin, roles: roles, passphrase: pass,
                                         kdf: kdf, recoveryOut: recoveryOut)
        if let zone {  // working hours are read in the practice's zone (a signed setting)
            try VaultLocation.open(globals.vaultPath)
                .unlock(user: admin, passphrase: pass).setSetting(.practiceTimeZone, zone)
        }
        if globals.json {
            try Output.json(InitJSON(id: r.vaultID, rootPublicKey: r.rootPublicKey, recoveryPublicKey: r.recoveryPublicKey,
                                     recoveryFile: r.recoveryFile, vault: globals.vaultPath, logPublicKey: r.logPublicKey))
        } else {
            Output.line("Created vault \(globals.vaultPath) for \(practice) (id \(r.vaultID)).")
            Output.line("Root public key: \(r.rootPublicKey)")
            Output.line("Log public key:  \(r.logPublicKey) (signs checkpoints)")
            Output.line("Recovery key written to \(r.recoveryFile): move it offline now; it can open every record.")
        }
    }

    struct InitJSON: Encodable { var id, rootPublicKey, recoveryPublicKey, recoveryFile, vault, logPublicKey: String }
}
