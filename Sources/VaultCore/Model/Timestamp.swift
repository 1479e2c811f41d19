import Foundation

/// Formatting and parsing of stored millisecond timestamps (UTC).
public enum Timestamp {
    public static func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The first millisecond of a `YYYY-MM-DD` day (UTC), or nil when `day` is not such a date.
    public static func dayStart(_ day: String) -> Int64? {
        guard day.count == 10 else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        guard let d = f.date(from: day), f.string(from: d) == day else { return nil }
        return Int64(d.timeIntervalSince1970 * 1000)
    }
}
