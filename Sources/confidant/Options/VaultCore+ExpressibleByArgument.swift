import ArgumentParser
import VaultCore

// The vault's own enums, typed on the command line as their raw values. argument-parser then
// rejects anything else with exit 64, names the valid values, and lists them in the help.

extension NoteKind: ExpressibleByArgument {}
extension NoteLabel: ExpressibleByArgument {}
extension AgreementKind: ExpressibleByArgument {}
extension LogSort: ExpressibleByArgument {}
extension SettingKey: ExpressibleByArgument {}
extension KDFStrength: ExpressibleByArgument {}

/// Purpose codes are accepted in any case (`treat` or `TREAT`), and as plain words (`treatment`).
extension Purpose: ExpressibleByArgument {
    public init?(argument: String) { self.init(code: argument) }
}
extension ExceptionKind: ExpressibleByArgument {}
extension NoteTemplate: ExpressibleByArgument {}
