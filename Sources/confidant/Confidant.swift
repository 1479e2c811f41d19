import ArgumentParser
import VaultCore

struct Confidant: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confidant",
        abstract: "A confidential records vault for therapy practices.",
        discussion: """
        Global options (--vault, --as, --passphrase-file, --passphrase-fd, --json) may come before \
        or after the command. Exit codes: 0 ok, 64 usage, 65 bad data, 66 not found, 73 cannot \
        create, 75 busy, 77 not permitted, 70 internal error.
        """,
        version: "confidant 0.3.0 (vault format \(Vault.formatVersion))",
        subcommands: [InitCommand.self, UserCommand.self, ClientCommand.self, CareTeamCommand.self, NoteCommand.self,
                      EmergencyCommand.self, AgreementCommand.self, DiscloseCommand.self, AuthorizationCommand.self,
                      DisclosuresCommand.self, AccountingCommand.self, AmendmentCommand.self, RepresentativeCommand.self, ExceptionsCommand.self, KeyCommand.self, ExportCommand.self, LogCommand.self,
                      BackupCommand.self, RestoreCommand.self, MigrateCommand.self, SettingsCommand.self, UnlockCommand.self, LockCommand.self,
                      AgentServe.self, DemoCommand.self])
}
