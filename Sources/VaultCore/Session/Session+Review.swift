import Foundation
import VaultCrypto

extension Session {
    /// Lists review items (open ones, or all with `includeClosed`). Compliance only.
    public func reviewItems(includeClosed: Bool = false) throws -> [ReviewItem] {
        try perform(AccessIntent(action: "log.review", purpose: .operations)) { tx, _ in
            try require(.compliance, "reviewing the access log")
            let settings = try ReviewSettings.load(tx)
            let items = LogReview.items(try tx.logEntries(matching: LogFilter()), settings: settings)
            return includeClosed ? items : items.filter { $0.state == "open" }
        }
    }

    /// Closes a review item with a note (sealed for compliance). The closing is itself an entry.
    /// - Throws: ``VaultError`` not found (66) for an unknown item, usage (64) for an empty note or
    ///   an item already closed.
    public func closeReview(item: String, note: String) throws {
        try perform(AccessIntent(action: "review.close", recordID: item, purpose: .operations, reason: note)) { tx, _ in
            try require(.compliance, "closing a review item")
            guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw VaultError.usage("--note must say what was checked and concluded")
            }
            let settings = try ReviewSettings.load(tx)
            let items = LogReview.items(try tx.logEntries(matching: LogFilter()), settings: settings)
            guard let found = items.first(where: { $0.id == item }) else {
                throw VaultError.notFound("no review item '\(item)'; 'confidant log review' lists the open ones")
            }
            guard found.state == "open" else { throw VaultError.usage("review item '\(item)' is already closed") }
        }
    }

    /// Sets a practice setting (admin).
    public func setSetting(_ key: SettingKey, _ value: String) throws {
        try perform(AccessIntent(action: "settings.set", recordID: key.rawValue)) { tx, _ in
            try require(.admin, "changing settings")
            try key.validate(value)
            try tx.setSetting(key.rawValue, value)
        }
    }

    /// All settings with their values (defaults filled in). Admin or compliance.
    public func settings() throws -> [String: String] {
        try perform(AccessIntent(action: "settings.show")) { tx, _ in
            try requireAny([.admin, .compliance], "reading settings")
            var out: [String: String] = [:]
            for k in SettingKey.allCases { out[k.rawValue] = try tx.setting(k.rawValue) ?? k.defaultValue }
            return out
        }
    }
}
