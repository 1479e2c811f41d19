import ArgumentParser
import VaultCore

/// The filters `log show` and `log export` share.
struct LogFilterOptions: ParsableArguments {
    @Option(help: "Only entries about this client id.") var client: String?
    @Option(help: "Only entries by this user.") var actor: String?
    @Option(help: "Only this action, e.g. note.open.") var action: String?
    @Option(help: "Only this purpose code.") var purpose: Purpose?
    @Option(help: "Only this outcome: success, denied, not-found, error.") var outcome: String?
    @Option(help: "From this date or time (inclusive).") var since: String?
    @Option(help: "Until this date or time (exclusive).") var until: String?

    func validate() throws { _ = try filter() }

    func filter() throws -> LogFilter {
        LogFilter(clientID: client, actor: actor, action: action, purpose: purpose?.rawValue, outcome: outcome,
                  since: try since.map { try TimeArgument.millis($0, option: "--since") },
                  until: try until.map { try TimeArgument.millis($0, option: "--until") })
    }
}
