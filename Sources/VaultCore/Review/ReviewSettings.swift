import Foundation

/// Practice-configurable settings, stored in the vault (`confidant settings set KEY VALUE`).
public enum SettingKey: String, CaseIterable, Sendable {
    /// Working hours, `HH:MM-HH:MM`, outside which accesses are flagged for review.
    case workingHours = "review.working-hours"
    /// The practice's IANA time zone (`Europe/Berlin`), in which working hours are read;
    /// daylight saving follows the zone's rules.
    case practiceTimeZone = "practice.timezone"
    /// A fixed offset from UTC in minutes, for working hours; only used while
    /// `practice.timezone` is not set (kept for vaults configured before it existed).
    case utcOffsetMinutes = "review.utc-offset-minutes"
    /// More than this many record opens by one actor within the window is "bulk access".
    case bulkThreshold = "review.bulk-threshold"
    /// The bulk-access window in minutes.
    case bulkWindowMinutes = "review.bulk-window-minutes"
    /// How long one break-glass declaration opens a client's records to its therapist, in hours.
    case breakGlassHours = "breakglass.hours"
    /// A client key older than this many days is overdue for rotation (`key status`, `log review`).
    case maxKeyAgeDays = "keys.max-age-days"
    /// Years after a client's last record before it may be purged.
    case retentionYears = "retention.years"
    /// Days a disclosure's date may lie before its entry without a `late-entry` review item.
    case disclosureLateDays = "disclosure.late-days"
    /// The age at which a client is no longer a minor: a parent's authority as its personal
    /// representative ends on that birthday (164.502(g)(3)); state law decides the number.
    case ageOfMajority = "practice.age-of-majority"

    public var defaultValue: String {
        switch self {
        case .workingHours: "07:00-20:00"
        case .practiceTimeZone: "UTC"
        case .utcOffsetMinutes: "0"
        case .bulkThreshold: "50"
        case .bulkWindowMinutes: "60"
        case .breakGlassHours: "24"
        case .maxKeyAgeDays: "365"
        case .retentionYears: "7"
        case .disclosureLateDays: "7"
        case .ageOfMajority: "18"
        }
    }

    /// Checks a value for this key. - Throws: ``VaultError`` usage (64) saying what is expected.
    public func validate(_ value: String) throws {
        switch self {
        case .workingHours:
            guard ReviewSettings.parseHours(value) != nil else {
                throw VaultError.usage("\(rawValue) must look like 07:00-20:00")
            }
        case .practiceTimeZone:
            guard !value.isEmpty, TimeZone(identifier: value) != nil else {
                throw VaultError.usage("\(rawValue) must be an IANA time zone such as Europe/Berlin or America/New_York; '\(value)' is unknown")
            }
        case .utcOffsetMinutes:
            guard let n = Int(value), (-14 * 60...14 * 60).contains(n) else {
                throw VaultError.usage("\(rawValue) must be minutes between -840 and 840")
            }
        case .ageOfMajority:
            guard let n = Int(value), (14...25).contains(n) else { throw VaultError.usage("\(rawValue) must be a whole number of years from 14 to 25") }
        case .bulkThreshold, .bulkWindowMinutes, .breakGlassHours, .maxKeyAgeDays, .retentionYears, .disclosureLateDays:
            guard let n = Int(value), n >= 1 else { throw VaultError.usage("\(rawValue) must be a whole number of at least 1") }
        }
    }
}

/// The review rules' parameters, read from settings with defaults.
public struct ReviewSettings: Sendable, Equatable {
    public var workStartMinute: Int
    public var workEndMinute: Int
    /// The zone working hours are read in: `practice.timezone`, else the fixed
    /// `review.utc-offset-minutes`, else UTC.
    public var timeZone: TimeZone
    public var bulkThreshold: Int
    public var bulkWindowMinutes: Int

    static func parseHours(_ s: String) -> (Int, Int)? {
        let parts = s.split(separator: "-")
        guard parts.count == 2 else { return nil }
        func minute(_ t: Substring) -> Int? {
            let hm = t.split(separator: ":")
            guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
            return h * 60 + m
        }
        guard let a = minute(parts[0]), let b = minute(parts[1]), a < b else { return nil }
        return (a, b)
    }

    static func load(_ tx: any StoreTransaction) throws -> ReviewSettings {
        func value(_ k: SettingKey) throws -> String { try tx.setting(k.rawValue) ?? k.defaultValue }
        let hours = parseHours(try value(.workingHours)) ?? (7 * 60, 20 * 60)
        return ReviewSettings(workStartMinute: hours.0, workEndMinute: hours.1,
                              timeZone: try zone(tx),
                              bulkThreshold: Int(try value(.bulkThreshold)) ?? 50,
                              bulkWindowMinutes: Int(try value(.bulkWindowMinutes)) ?? 60)
    }

    /// The practice's time zone (`practice.timezone`, else the older UTC offset setting, else UTC).
    package static func zone(_ tx: any StoreTransaction) throws -> TimeZone {
        if let name = try tx.setting(SettingKey.practiceTimeZone.rawValue), let z = TimeZone(identifier: name) { return z }
        if let text = try tx.setting(SettingKey.utcOffsetMinutes.rawValue), let minutes = Int(text),
           let z = TimeZone(secondsFromGMT: minutes * 60) { return z }
        return TimeZone(identifier: "UTC") ?? .gmt
    }

    /// Whether `ms` falls outside working hours on the practice's wall clock (the zone's
    /// offset on that day, so daylight saving moves the hours with it).
    func isOutsideWorkingHours(_ ms: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: Double(ms) / 1000))
        let localMinutes = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        return localMinutes < workStartMinute || localMinutes >= workEndMinute
    }
}

extension Session {
    /// The practice's time zone, for showing times on its wall clock (UTC when none is set or
    /// the settings cannot be read).
    public func practiceTimeZone() -> TimeZone {
        (try? vault.store.read { tx in try ReviewSettings.zone(tx) }) ?? .gmt
    }
}
