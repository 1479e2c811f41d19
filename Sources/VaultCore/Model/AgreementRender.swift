import Foundation

/// `agreement show --format text|html`: an ``AgreementDocument`` as plain text or as a
/// standalone, printable HTML page for signing.
public enum AgreementRender {
    /// Headings, fields in order, bullets. Line breaks inside a stored value are shown as `\n`,
    /// so no value can start a line of its own; the CLI escapes other control characters.
    public static func text(_ record: AgreementRecord, catalogue: [ConfidentialityException]) -> String {
        let doc = AgreementDocument(record, catalogue: catalogue)
        var lines = ["\(doc.title)", String(repeating: "=", count: doc.title.count)]
        let width = doc.facts.map(\.label.count).max() ?? 0
        for f in doc.facts { lines.append("\(f.label):".padding(toLength: width + 2, withPad: " ", startingAt: 0) + flat(f.value)) }
        for s in doc.sections {
            lines += ["", s.heading, String(repeating: "-", count: s.heading.count)]
            lines += s.items.map { "  - " + flat($0) }
        }
        lines += ["", "Acknowledgements", "----------------"] + doc.acknowledgements.map { "  " + flat($0) }
        return lines.joined(separator: "\n")
    }

    /// A standalone HTML page: no scripts, no external resources (a Content-Security-Policy says
    /// so to the browser), every stored string through ``escapeHTML(_:)``, and signature lines
    /// for the client (or representative) and the therapist.
    public static func html(_ record: AgreementRecord, catalogue: [ConfidentialityException]) -> String {
        let doc = AgreementDocument(record, catalogue: catalogue)
        var out = [
            "<!DOCTYPE html>", "<html lang=\"en\">", "<head>", "<meta charset=\"utf-8\">",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            "<title>\(escapeHTML("\(doc.title), version \(record.version)"))</title>", "<style>\(style)</style>", "</head>", "<body>",
            "<h1>\(escapeHTML(doc.title))</h1>", "<dl class=\"facts\">",
        ]
        out += doc.facts.map { "<dt>\(escapeHTML($0.label))</dt><dd>\(escapeHTML($0.value))</dd>" }
        out.append("</dl>")
        for s in doc.sections {
            out += ["<section>", "<h2>\(escapeHTML(s.heading))</h2>", "<ul>"] + s.items.map { "<li>\(escapeHTML($0))</li>" }
            out += ["</ul>", "</section>"]
        }
        out += ["<section class=\"acknowledgements\">", "<h2>Electronic acknowledgements</h2>", "<ul>"]
        out += doc.acknowledgements.map { "<li>\(escapeHTML($0))</li>" }
        out += ["</ul>", "</section>"] + signatureBlock + ["</body>", "</html>", ""]
        return out.joined(separator: "\n")
    }

    /// The one escaping function of the HTML page: `& < > " '` become entities, and control
    /// characters other than tab and line feed become U+FFFD.
    public static func escapeHTML(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(TextInput.isControl(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }

    private static var signatureBlock: [String] {
        let row = { (who: String) in
            "<tr><td class=\"line\"></td><td class=\"gap\"></td><td class=\"line date\"></td></tr>"
                + "<tr><td>\(escapeHTML(who))</td><td></td><td>\(escapeHTML("Date"))</td></tr>"
        }
        return ["<section class=\"signature\">", "<h2>\(escapeHTML("Signatures"))</h2>",
                "<p>\(escapeHTML("We have reviewed this agreement together and agree to it."))</p>", "<table>",
                row("Client (or representative) signature"), row("Therapist signature"), "</table>", "</section>"]
    }

    private static let style = """
        body { font-family: Georgia, 'Times New Roman', serif; max-width: 44em; margin: 2em auto; line-height: 1.45; color: #000; }
        h1 { font-size: 1.6em; margin-bottom: 0.3em; }
        h2 { font-size: 1.15em; border-bottom: 1px solid #888; margin-top: 1.4em; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
        dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
        section { page-break-inside: avoid; }
        .signature table { width: 100%; border-collapse: collapse; margin-top: 2em; }
        .signature td.line { border-bottom: 1px solid #000; height: 3em; width: 62%; }
        .signature td.date { width: 30%; } .signature td.gap { width: 8%; }
        @media print { body { margin: 0 1.5em; } }
        """

    /// Line breaks and tabs of a stored value made visible, so it stays on its line.
    private static func flat(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: " ")
    }
}
