import Foundation

/// What an id argument names, for prefix resolution.
public enum IDKind: String, Sendable {
    /// A client (`c…`).
    case client
    /// A stored record: a note, agreement, authorization or revocation, disclosure, suspension
    /// or profile (`n…`, `a…`, `z…`, `d…`, `s…`, `p…`).
    case record
    /// A client's request: access (`r…`), accounting (`q…`) or amendment (`m…`).
    case request = "request"
    /// An emergency (break-glass) request (`e…`), known from its signed `emergency.request` entry.
    case emergency = "emergency request"
}

extension Session {
    /// The most candidates an ambiguous prefix's message names.
    static let prefixCandidates = 5

    /// The full id `text` stands for: itself when it exists, else the one id of `kind` that
    /// starts with it (4 characters at least). A shorter or ambiguous prefix is 64 (the message
    /// names the candidates); none is left as given, for the operation to report (66) and log.
    /// Only ids are read here; the operation that follows checks the row against the signed
    /// state as always.
    public func resolve(_ text: String, as kind: IDKind) throws(VaultError) -> String {
        try VaultError.typed {
            guard text.count < 14, text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return text }
            guard let store = vault.store as? GuardedStore else { return text }
            let matches = try store.readRaw { tx in try tx.ids(of: kind, startingWith: text, limit: Self.prefixCandidates + 1) }
            if matches.contains(text) { return text }
            guard text.count >= 4 else {
                if matches.isEmpty { return text }
                throw VaultError.usage("'\(text)' is too short to name a \(kind.rawValue); give at least 4 characters of its id")
            }
            switch matches.count {
            case 0: return text
            case 1: return matches[0]
            default:
                let shown = matches.prefix(Self.prefixCandidates).joined(separator: ", ") + (matches.count > Self.prefixCandidates ? ", …" : "")
                throw VaultError.usage("'\(text)' starts more than one \(kind.rawValue) id (\(shown)); give more characters")
            }
        }
    }

    /// Resolves each of a comma-separated list's ids (``resolve(_:as:)``).
    public func resolve(_ ids: [String], as kind: IDKind) throws(VaultError) -> [String] {
        var out: [String] = []
        for id in ids { out.append(try resolve(id, as: kind)) }
        return out
    }
}
