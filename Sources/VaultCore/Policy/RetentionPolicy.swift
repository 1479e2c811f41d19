import Foundation

/// Time windows the law sets: the one place each lives.
public enum RetentionPolicy {
    /// An accounting of disclosures and a client's export cover this many years (45 CFR 164.528(a)).
    public static let accountingYears = 6

    /// The mean Gregorian year, in seconds.
    static let year: TimeInterval = 365.2425 * 86400

    /// `YYYY-MM-DD`, ``accountingYears`` before `now`.
    public static func accountingCutoff(now: Date) -> String {
        CalendarDate.string(from: now.addingTimeInterval(-Double(accountingYears) * year))
    }

    /// The end of a retention period of `years` after `last` (ms since 1970).
    public static func retainedUntil(lastRecord last: Int64, years: Int) -> Date {
        Date(timeIntervalSince1970: Double(last) / 1000).addingTimeInterval(Double(years) * year)
    }
}
