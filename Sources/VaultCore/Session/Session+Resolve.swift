import Foundation
import GRDB

/// What an id argument names, for prefix resolution.
public enum IDKind: String, Sendable {
    case client, record

    var table: String { self == .client ? "clients" : "records" }
}

extension Session {
    /// The full id `text` stands for: itself when it exists, else the one id of `kind` that
    /// starts with it (4 characters at least). A shorter or ambiguous prefix is 64; none is
    /// left as given, for the operation to report (66) and log. Only ids are read here; the
    /// operation that follows checks the row against the signed state as always.
    public func resolve(_ text: String, as kind: IDKind) throws(VaultError) -> String {
        try VaultError.typed {
            guard text.count < 14, text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return text }
            guard let store = vault.store as? GuardedStore else { return text }
            let matches = try store.readRaw { tx -> [String] in
                guard let sqlite = tx as? SQLiteTransaction else { return [] }
                return try String.fetchAll(sqlite.db, sql: "SELECT id FROM \(kind.table) WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 5",
                                           arguments: [text.count, text])
            }
            if matches.contains(text) { return text }
            guard text.count >= 4 else {
                if matches.isEmpty { return text }
                throw VaultError.usage("'\(text)' is too short to name a \(kind.rawValue); give at least 4 characters of its id")
            }
            switch matches.count {
            case 0: return text
            case 1: return matches[0]
            default: throw VaultError.usage("'\(text)' starts more than one \(kind.rawValue) id (\(matches.prefix(3).joined(separator: ", ")), …); give more characters")
            }
        }
    }
}
