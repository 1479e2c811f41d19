import ArgumentParser
import Foundation
import VaultCore

extension ExportCommand {
    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extend an access request once by 30 days, with the reason (the written notice to the client is printed and kept).")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "Why more time is needed (told to the client).") var reason: String

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must not be empty") }
        }

        func run() throws {
            let s = try globals.session()
            let d = try s.extendExport(requestID: try s.resolve(request, as: .request), reason: reason)
            try AccessOutput.decision(d, globals, "Access request \(d.requestID) extended: now due \(d.due).")
        }
    }

    struct Deny: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deny an access request in whole, or with --records in part, on a ground; prints the denial notice for the client.",
            discussion: "Grounds: \(DenialGround.allCases.map { "\($0.rawValue) (\($0.reviewable ? "reviewable" : "not reviewable"))" }.joined(separator: ", ")).")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "The ground's code (see below).") var ground: String
        @Option(help: "Why, in words the client will read in the notice.") var reason: String
        @Option(help: "Deny only these records (comma-separated ids); the rest of the request stays open.") var records: String?

        func validate() throws {
            guard DenialGround(rawValue: ground) != nil else { throw ValidationError(AccessOutput.badGround(ground)) }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--reason must not be empty") }
            if let records, AccessOutput.ids(records).isEmpty { throw ValidationError("--records needs at least one record id") }
        }

        func run() throws {
            let s = try globals.session()
            let ids = try records.map { try s.resolve(AccessOutput.ids($0), as: .record) }
            let d = try s.denyExport(requestID: try s.resolve(request, as: .request), ground: try DenialGround.parse(ground), reason: reason, records: ids)
            let what = ids.map { "Records \($0.joined(separator: ", ")) of access request \(d.requestID) denied; the request stays \(d.state)." }
                ?? "Access request \(d.requestID) denied."
            try AccessOutput.decision(d, globals, what)
        }
    }

    struct ReviewDenial: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review-denial",
            abstract: "Record the review of a reviewable denial by a therapist who took no part in the request.",
            discussion: "A practice with no second therapist names an outside licensed reviewer and keeps its written decision: --external-reviewer NAME --file DECISION.")
        @OptionGroup var globals: GlobalOptions
        @Argument var request: String
        @Option(help: "uphold or overturn.") var decision: String
        @Option(help: "The outside reviewer's name (a practice with no second therapist).") var externalReviewer: String?
        @Option(name: .customLong("file"), help: "The outside reviewer's written decision (kept encrypted).") var decisionFile: String?

        func validate() throws {
            guard ReviewDecision(rawValue: decision) != nil else { throw ValidationError("--decision must be uphold or overturn, not '\(decision)'") }
            guard (externalReviewer == nil) == (decisionFile == nil) else {
                throw ValidationError("an outside review needs both --external-reviewer NAME and its written decision, --file DECISION")
            }
            if let externalReviewer, externalReviewer.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--external-reviewer must not be empty")
            }
        }

        func run() throws {
            let file = try decisionFile.map { try InputFile.read($0, what: "review decision") }
            let external = both(externalReviewer, file).map { ExternalReview(reviewer: $0, decisionFile: $1) }
            let s = try globals.session()
            guard let choice = ReviewDecision(rawValue: decision) else { throw ValidationError("--decision must be uphold or overturn") }
            let d = try s.reviewExportDenial(requestID: try s.resolve(request, as: .request), decision: choice, external: external)
            try AccessOutput.decision(d, globals, choice == .overturn
                ? "Denial overturned: access request \(d.requestID) is \(d.state) again, due \(d.due)."
                : "Denial upheld: access request \(d.requestID) stays \(d.state).")
        }
    }
}

/// Output shared by the access-request commands.
enum AccessOutput {
    static func decision(_ d: AccessDecision, _ globals: GlobalOptions, _ summary: String) throws {
        if globals.json { return try Output.json(d) }
        Output.line(summary)
        if let notice = d.notice { Output.line("\n" + notice) }
    }

    static func badGround(_ code: String) -> String { "--ground must be one of \(DenialGround.codeList), not '\(code)'" }

    static func ids(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
