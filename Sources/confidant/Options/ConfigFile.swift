import Foundation
import TOMLKit
import VaultCore

/// The user's defaults: `~/.config/confidant/config.toml` (or the file `CONFIDANT_CONFIG`
/// names), with `vault = "…"` and `user = "…"`. Flags beat environment variables, which beat
/// this file, which beats `./confidant.vault`. It never holds a passphrase.
struct ConfigFile: Equatable {
    var vault: String?
    var user: String?

    /// The file in effect for this process; a missing file is empty, a malformed one a usage error.
    static func load(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile {
        let home = env["HOME"] ?? NSHomeDirectory()
        let path = env["CONFIDANT_CONFIG"] ?? (env["XDG_CONFIG_HOME"] ?? home + "/.config") + "/confidant/config.toml"
        guard let data = FileManager.default.contents(atPath: path) else { return ConfigFile() }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws -> ConfigFile {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw VaultError(.usage, "the config file \(path) is not valid TOML: \(error)")
        }
        for key in table.keys where !["vault", "user"].contains(key) {
            throw VaultError(.usage, "the config file \(path) has an unknown key '\(key)'; it takes vault and user")
        }
        return ConfigFile(vault: table["vault"]?.string, user: table["user"]?.string)
    }
}
