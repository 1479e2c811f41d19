import Foundation

/// Formatting and parsing of stored millisecond timestamps (UTC).
public enum Timestamp {
    /// An ISO 8601 UTC time (as entries carry it) on the wall clock of `zone`, with its offset
    /// (`2026-11-02 08:00 -05:00`); the text unchanged when it is not such a time.
    public static func local(_ iso: String, in zone: TimeZone) -> String {
        let parse = ISO8601DateFormatter()
        parse.formatOptions = [.withInternetDateTime]
        let parseFractional = ISO8601DateFormatter()
        parseFractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = parse.date(from: iso) ?? parseFractional.date(from: iso) else { return iso }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
        return f.string(from: date)
    }

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
