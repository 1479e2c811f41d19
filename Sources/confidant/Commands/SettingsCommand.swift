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
        @Argument(help: "The setting to change.") var key: SettingKey
        @Argument var value: String
        func run() throws {
            try globals.session().setSetting(key, value)
            if globals.json { return try Output.json([key.rawValue: value]) }
            Output.line("\(key.rawValue) = \(value)")
        }
    }
}
