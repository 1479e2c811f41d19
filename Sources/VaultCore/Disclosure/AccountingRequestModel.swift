import Foundation

/// The sealed details of a client's request for an accounting of disclosures (164.528(c)),
/// kept as its `accounting.request` event: when the practice received it, the period asked for
/// and who asked. The request's plaintext row holds only its id, dates and state.
struct AccountingRequestBody: Codable {
    /// `YYYY-MM-DD`: the day the practice received the request (due 60 days later).
    var receivedOn: String
    /// `YYYY-MM-DD`: the first day of the period asked for (six years before receipt unless a
    /// shorter period was asked for, 164.528(a)(3)).
    var from: String
    /// True when the client asked for a period shorter than six years (`--since`).
    var shorterPeriod: Bool
    /// The user who entered the request, and the role it acted in.
    var askedBy: String
    var askedAs: String
    /// A reasonable, cost-based fee for a second or later request in 12 months (164.528(c)(2)).
    var fee: String?
}

/// The sealed `accounting.extend` event: the one 30-day extension (164.528(c)(1)(ii)).
struct AccountingExtensionBody: Codable {
    var reason: String
    var previousDue: String
    var newDue: String
    /// The written statement to the client: why, and the date it will have its accounting.
    var notice: String
    var extendedBy: String
}

/// The sealed `accounting.fulfill` event: exactly the document the client was given.
struct AccountingFulfilBody: Codable {
    /// The plaintext JSON document (base64), as encrypted into the client's file.
    var document: String
    /// SHA-256 (hex) of those bytes; also the `sha256:HEX` detail of the signed
    /// `accounting.fulfilled` entry.
    var sha256: String
    var from: String
    var to: String
    var deliveredAt: String
    var disclosures: Int
    var fee: String?
}

/// The accounting given to a client (format `confidant-accounting/v1`): the plaintext inside
/// the age-encrypted file `accounting fulfill` writes. docs/client-guide.md describes it.
public struct AccountingDocument: Sendable, Codable, Equatable {
    public struct Client: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
    }

    public struct Period: Sendable, Codable, Equatable {
        /// `YYYY-MM-DD`, first day covered.
        public var from: String
        /// `YYYY-MM-DD`, last day covered (the day the accounting was prepared).
        public var to: String
    }

    /// One disclosure with exactly the fields 45 CFR 164.528(b)(2) requires.
    public struct Disclosure: Sendable, Codable, Equatable {
        public var date: String
        public var recipientName: String
        public var recipientAddress: String
        public var description: String
        public var purpose: String
    }

    public var format: String
    public var practice: String
    public var client: Client
    public var requestId: String
    public var receivedOn: String
    public var period: Period
    /// ISO 8601 time the accounting was prepared.
    public var deliveredAt: String
    /// Newest first.
    public var disclosures: [Disclosure]
    /// The fee charged for this accounting, if any (never for the first in 12 months).
    public var fee: String?
    /// A short plain-language letter to the client.
    public var letter: String

    public static let formatName = "confidant-accounting/v1"
}

/// What `accounting request` recorded.
public struct AccountingReceipt: Sendable, Codable, Equatable {
    public var id: String
    public var client: String
    public var receivedOn: String
    /// `YYYY-MM-DD`: the last day to act (60 days after receipt).
    public var due: String
    public var from: String
    /// Accounting requests by this client received in the 12 months up to and including this
    /// one's receipt (this one included).
    public var requestsIn12Months: Int
    /// True for the first request in 12 months, which is free (164.528(c)(2)).
    public var free: Bool
    public var fee: String?
}

/// What `accounting extend` recorded.
public struct AccountingExtension: Sendable, Codable, Equatable {
    public var id: String
    public var previousDue: String
    public var due: String
    /// The written notice to give the client.
    public var notice: String
}

/// What `accounting fulfill` delivered.
public struct AccountingDelivery: Sendable, Codable, Equatable {
    public var requestId: String
    public var client: String
    public var from: String
    public var to: String
    public var disclosures: Int
    /// SHA-256 (hex) of the plaintext document, as the signed entry records it.
    public var sha256: String
    /// Bytes of the encrypted file.
    public var bytes: Int
}

/// One accounting request as `accounting list` shows it. The sealed fields are nil for a user
/// who cannot open the client's records (a compliance officer or admin off the care team).
public struct AccountingRequestSummary: Sendable, Codable, Equatable {
    public var id: String
    public var requestedBy: String
    public var requestedAt: String
    public var due: String
    public var state: String
    public var receivedOn: String?
    /// The period delivered (or, before delivery, asked for: `from` only).
    public var from: String?
    public var to: String?
    public var deliveredAt: String?
    public var disclosures: Int?
    public var sha256: String?
    public var fee: String?
    public var extensionReason: String?
}

/// Pure rules of accounting requests (164.528).
public enum AccountingPolicy {
    /// Why `since` cannot start the period of a request received on `received`; nil when it can.
    public static func sinceProblem(_ since: String, received: String) -> String? {
        guard CalendarDate.isValid(since) else { return "--since must be a date YYYY-MM-DD, not '\(since)'" }
        let earliest = fullPeriodStart(received)
        if since < earliest {
            return "--since \(since) lies more than six years before the request was received (\(received)); omit --since for the full six years from \(earliest)"
        }
        if since > received { return "--since \(since) is after the request was received (\(received)); give a day on or before it" }
        return nil
    }

    /// The first day of a full accounting of a request received on `received`: the same day
    /// ``RetentionPolicy/accountingYears`` years before (164.528(a)(1)).
    public static func fullPeriodStart(_ received: String) -> String {
        monthsBefore(received, 12 * RetentionPolicy.accountingYears)
    }

    /// Of the requests received on `receivedDays` (this one's day included), those in the
    /// 12 months that end on `received`: after the same day a year before, up to `received`
    /// (164.528(c)(2): the first in any 12 months is free).
    public static func countIn12Months(_ receivedDays: [String], received: String) -> Int {
        let start = monthsBefore(received, 12)
        return receivedDays.filter { $0 > start && $0 <= received }.count
    }

    private static func monthsBefore(_ day: String, _ months: Int) -> String {
        guard let start = Timestamp.dayStart(day) else { return day }
        return CalendarDate.string(from: Date(timeIntervalSince1970: Double(start) / 1000), addingMonths: -months)
    }

    /// The plain-language letter of an accounting.
    public static func letter(practice: String, clientName: String, receivedOn: String, period: AccountingDocument.Period,
                              count: Int, fee: String?) -> String {
        let what = count == 0 ? "We made no disclosures of your health information in that period that we must list."
            : count == 1 ? "We made 1 disclosure of your health information in that period that we must list; it is below."
            : "We made \(count) disclosures of your health information in that period that we must list; they are below, newest first."
        return """
        Dear \(clientName),

        On \(receivedOn) you asked \(practice) for an accounting of disclosures: a list of the times we shared \
        your health information with someone outside the practice, with the date, who received it (and their \
        address if we know it), what was shared and why (45 CFR 164.528).

        This accounting covers \(period.from) to \(period.to). \(what) It does not list disclosures the law \
        leaves out of an accounting, such as those for your treatment, for payment or for our health-care \
        operations, those made to you, and those you authorized in writing.

        \(fee.map { "The fee for this accounting is \($0), as we told you before preparing it; your first accounting in any 12 months is free." }
          ?? "There is no charge for this accounting. Your first accounting in any 12 months is free.")

        If you have questions about this accounting, please contact \(practice).
        """
    }
}
