import Foundation

/// The access log as CSV (RFC 4180): a header, then one row per entry with `seq`, `time`,
/// `actor`, `roles`, `action`, `client`, `record`, `purpose`, `outcome`, `detail`, `flags`.
///
/// Ids only, like the FHIR export: no names and no reasons (a reason is sealed to the audit
/// key and stays in the vault). A cell holding a comma, a quote or a line break is quoted, its
/// quotes doubled; a cell starting with `=`, `+`, `-` or `@` is prefixed with `'` so a
/// spreadsheet does not run it as a formula.
public enum CSVLogExport {
    public static let header = ["seq", "time", "actor", "roles", "action", "client", "record", "purpose", "outcome", "detail", "flags"]

    public static func csv(_ rows: [LogRow]) -> Data {
        var out = header.joined(separator: ",") + "\n"
        for r in rows {
            let cells = [String(r.seq), Timestamp.iso(r.time), r.actor, r.roles, r.action, r.clientID, r.recordID, r.purpose,
                         r.outcome, r.detail, r.flags]
            out += cells.map(cell).joined(separator: ",") + "\n"
        }
        return Data(out.utf8)
    }

    static func cell(_ text: String) -> String {
        var t = text
        if let c = t.first, "=+-@".contains(c) { t = "'" + t }
        guard t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return t }
        return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension Session {
    /// Exports log entries matching `filter` as CSV (``CSVLogExport``). Compliance only.
    public func exportLogCSV(filter: LogFilter) throws(VaultError) -> Data {
        try perform(AccessIntent(action: "log.export", clientID: "", purpose: .operations)) { tx, _ in
            try require(.compliance, "exporting the access log")
            return CSVLogExport.csv(try tx.logEntries(matching: filter))
        }
    }
}
