import Foundation

/// `YYYY-MM-DD` dates as the agreements and CLI use them.
public enum CalendarDate {
    /// True for a real calendar date written `YYYY-MM-DD`.
    public static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// The UTC calendar date of `date`.
    public static func string(from date: Date) -> String {
        let c = utcCalendar().dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// The UTC calendar date `months` months after `date` (a template's next review or term end).
    public static func string(from date: Date, addingMonths months: Int) -> String {
        string(from: utcCalendar().date(byAdding: .month, value: months, to: date) ?? date)
    }

    /// The date `years` years after `day` (29 February lands on 1 March in a common year);
    /// nil when `day` is not a date.
    public static func addingYears(_ years: Int, to day: String) -> String? {
        guard isValid(day) else { return nil }
        let parts = day.split(separator: "-")
        guard let y = Int(parts[0]) else { return nil }
        let candidate = String(format: "%04d", y + years) + "-" + parts[1] + "-" + parts[2]
        return isValid(candidate) ? candidate : String(format: "%04d", y + years) + "-03-01"
    }

    private static func utcCalendar() -> Calendar {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? .current
        return cal
    }
}
