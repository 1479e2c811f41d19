import ArgumentParser
import Foundation
import VaultCore

/// Parses `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 time into milliseconds.
enum TimeArgument {
    /// - Throws: ``ValidationError`` naming `option` when `text` is neither.
    static func millis(_ text: String, option: String) throws -> Int64 {
        if CalendarDate.isValid(text), let d = ISO8601DateFormatter().date(from: text + "T00:00:00Z") {
            return Int64(d.timeIntervalSince1970 * 1000)
        }
        if let d = ISO8601DateFormatter().date(from: text) { return Int64(d.timeIntervalSince1970 * 1000) }
        throw ValidationError("\(option) must be a date YYYY-MM-DD or a time like 2026-11-02T09:30:00Z")
    }
}
