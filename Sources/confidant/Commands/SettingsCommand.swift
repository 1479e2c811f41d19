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
        /// Collects what the parser does not recognise, so a negative number (`-60`) is a value,
        /// not an option.
        @Argument(parsing: .allUnrecognized, help: "The new value (a negative number is a value: -60).") var values: [String] = []
        var value: String { values.first ?? "" }

        func validate() throws {
            guard values.count == 1 else {
                throw ValidationError(values.isEmpty ? "give the new value of \(key.rawValue)" : "give one value, not \(values.joined(separator: " "))")
            }
            try key.validate(value)
        }

        func run() throws {
            try globals.session().setSetting(key, value)
            if globals.json { return try Output.json([key.rawValue: value]) }
            Output.line("\(key.rawValue) = \(value)")
        }
    }
}
