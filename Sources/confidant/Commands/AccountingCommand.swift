import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Clients' requests for an accounting of disclosures (45 CFR 164.528(c)).
struct AccountingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "accounting",
                                                    abstract: "Clients' requests for an accounting of disclosures, and the accountings delivered.",
                                                    subcommands: [Request.self, Extend.self, Fulfill.self, List.self])

    static func checkDate(_ value: String?, _ field: String) throws {
        if let value, !CalendarDate.isValid(value) { throw ValidationError("\(field) must be a date YYYY-MM-DD, not '\(value)'") }
    }

    struct Request: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a client's request for an accounting of disclosures (due in 60 days; the first in 12 months is free).")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        @Option(help: "The day the practice received the request, YYYY-MM-DD (default: today).") var receivedOn: String?
        @Option(help: "A shorter period than six years: its first day, YYYY-MM-DD.") var since: String?
        @Option(help: "A reasonable, cost-based fee for a second or later request in 12 months.") var fee: String?

        func validate() throws {
            try AccountingCommand.checkDate(receivedOn, "--received-on")
            try AccountingCommand.checkDate(since, "--since")
            try TextInput.validate(fee, field: "--fee")
        }

        func run() throws {
            let s = try globals.session()
            let r = try s.requestAccounting(clientID: try s.resolve(client, as: .client), receivedOn: receivedOn, since: since, fee: fee)
            if globals.json { return try Output.json(r) }
            Output.line(r.id)
            Output.line("Received \(r.receivedOn), due \(r.due); covers \(r.from) to the day it is prepared.")
            Output.line("Accounting requests by this client in the 12 months to \(r.receivedOn): \(r.requestsIn12Months) (this one included). "
                        + (r.free ? "The first in 12 months is free."
                                  : "The first in 12 months is free; this one may carry a reasonable, cost-based fee"
                                    + (r.fee.map { " (recorded: \($0))" } ?? " (record it with --fee, here or on fulfil)") + "."))
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend an accounting request once, by 30 days, with a written reason.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "Why the accounting is late; it is sealed and goes into the notice to the client.") var reason: String
        func validate() throws { try TextInput.validate(reason, field: "--reason") }
        func run() throws {
            let s = try globals.session()
            let e = try s.extendAccounting(requestID: try s.resolve(request, as: .request), reason: reason)
            if globals.json { return try Output.json(e) }
            Output.line("\(e.id) now due \(e.due) (was \(e.previousDue)). Notice to give the client, recorded:")
            Output.line(e.notice)
        }
    }

    struct Fulfill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the client's accounting of disclosures, encrypted with age.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The accounting file to create.") var out: String
        @Option(help: "Encrypt to this age recipient (age1…).") var recipient: String?
        @Option(help: "Encrypt with a new one-time passphrase (≥128 bits), written to this file (0600) to hand over.")
        var passphraseOut: String?
        @Option(help: "A reasonable, cost-based fee for a second or later request in 12 months.") var fee: String?

        func validate() throws {
            guard (recipient == nil) != (passphraseOut == nil) else { throw ValidationError(ExportCommand.Fulfill.exactlyOne) }
            if let recipient { _ = try ExportCommand.Fulfill.ageRecipient(recipient) }
            try TextInput.validate(fee, field: "--fee")
        }

        /// `--recipient`, or a new one-time passphrase, written to `--passphrase-out` first.
        func encryption() throws -> AgeRecipient {
            if let recipient { return try ExportCommand.Fulfill.ageRecipient(recipient) }
            guard let passphraseOut else { throw ValidationError(ExportCommand.Fulfill.exactlyOne) }
            let fd = try OutputFile.create(passphraseOut)
            defer { close(fd) }
            let pass = try ExportPassphrase.generate()
            try pass.write(to: fd)
            try SecretBytes(copying: Array("\n".utf8)).write(to: fd)
            fsync(fd)
            return ExportPassphrase.recipient(pass)
        }

        func run() throws {
            let ageRecipient = try encryption()
            do {
                var delivery: AccountingDelivery?
                try OutputFile.produce(out) {
                    let fd = open(out, O_WRONLY | O_APPEND | O_CLOEXEC)
                    guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot write \(out)") }
                    defer { close(fd) }
                    let session = try globals.session()
                    delivery = try session.fulfilAccounting(requestID: try session.resolve(request, as: .request), fee: fee,
                                                            recipient: ageRecipient) { bytes in try SecretBytesWriter.write(bytes, fd: fd) }
                    return Data()
                }
                guard let d = delivery else { return }
                if globals.json { return try Output.json(d) }
                Output.line("Accounting of \(d.client) for \(d.from) to \(d.to) written to \(out): \(d.disclosures) disclosures (sha256 \(d.sha256)).")
                if let passphraseOut { Output.line("Its one-time passphrase is in \(passphraseOut): hand it to the client separately.") }
            } catch {
                if let passphraseOut { unlink(passphraseOut) }
                throw error
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A client's accounting requests: due, state and the period delivered.")
        @OptionGroup var globals: GlobalOptions
        @Argument var client: String
        static func row(_ r: AccountingRequestSummary) -> [String] {
            let period: String = r.from.map { "\($0) to \(r.to ?? "…")" } ?? "(sealed)"
            let count: String = r.disclosures.map { String($0) } ?? ""
            return [r.id, r.receivedOn ?? "(sealed)", r.requestedBy, r.due, r.state, period, r.deliveredAt ?? "", count, r.fee ?? ""]
        }

        func run() throws {
            let s = try globals.session()
            let list = try s.accountingRequests(clientID: try s.resolve(client, as: .client))
            if globals.json { return try Output.json(list) }
            if list.isEmpty { return Output.line("No accounting requests for \(client).") }
            Output.table(["REQUEST", "RECEIVED", "BY", "DUE", "STATE", "PERIOD", "DELIVERED", "DISCLOSURES", "FEE"], list.map(Self.row))
        }
    }
}
