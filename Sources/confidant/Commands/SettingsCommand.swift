import ArgumentParser
import Foundation
import VaultCore

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Practice settings for review rules.",
                                                    subcommands: [Show.self, Set.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show settings (admin, compliance).")
        @OptionGroup var globals: GlobalOptions
        func run() throws {
            let s = try globals.session().settings()
            if globals.json { return try Output.json(s) }
            Output.table(["SETTING", "VALUE"], s.keys.sorted().map { [$0, s[$0] ?? ""] })
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a setting (admin).")
        @OptionGroup var globals: GlobalOptions
        @Argument(help: "One of \(SettingKey.allCases.map(\.rawValue).joined(separator: ", ")).") var key: String
        @Argument var value: String
        func run() throws {
            guard let k = SettingKey(rawValue: key) else {
                throw VaultError(.usage, "unknown setting '\(key)'; known: \(SettingKey.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try globals.session().setSetting(k, value)
            if globals.json { return try Output.json([key: value]) }
            Output.line("\(key) = \(value)")
        }
    }
}
