import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Printing: `--json` gives one JSON value on stdout; otherwise short human text.
///
/// Nothing from stored data reaches a terminal raw : every table cell, and every stored
/// value a command puts in a line, goes through ``escape(_:keeping:)``; ``line(_:)`` escapes what a
/// caller forgot (all but line breaks), and ``error(_:)`` escapes the whole message, which may
/// quote user input. JSON output escapes DEL and C1 controls too, which JSONEncoder leaves raw.
enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        jsonData(try e.encode(value))
    }

    /// Indented JSON with sorted keys, for a stored document shown to a person (`agreement show`).
    static func prettyJSON<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    /// Writes encoded JSON and a newline, with DEL and C1 controls written as `\u007f`…`\u009f`.
    static func jsonData(_ data: Data) {
        FileHandle.standardOutput.write(escapeJSONControls(data))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// `\u007f` for a raw DEL and `\u0080`…`\u009f` for a raw C1 control (UTF-8 `C2 80`…`C2 9F`).
    ///
    /// JSONEncoder already writes C0 controls as escapes; these other two only occur inside JSON
    /// strings, so the result is the same JSON value, now safe to print.
    static func escapeJSONControls(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        guard bytes.contains(where: { $0 == 0x7F || $0 == 0xC2 }) else { return data }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x7F {
                out += Array("\\u007f".utf8)
            } else if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) {
                out += Array(String(format: "\\u%04x", bytes[i + 1]).utf8)
                i += 1
            } else {
                out.append(b)
            }
            i += 1
        }
        return Data(out)
    }

    /// The one place control characters become visible: `\t`, `\n`, `\r`, `\x1b` for the other
    /// C0 controls and DEL, `\u{9b}` for C1 controls. Everything else, backslashes included, is
    /// kept as it is.
    /// - Parameter keeping: scalars to pass through (``line(_:)`` keeps line breaks).
    static func escape(_ text: String, keeping: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { TextInput.isControl($0) && !keeping.contains($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            guard TextInput.isControl(s), !keeping.contains(s) else { out.append(s); continue }
            let visible = switch s.value {
            case 0x09: "\\t"
            case 0x0A: "\\n"
            case 0x0D: "\\r"
            case 0x80...0x9F: String(format: "\\u{%02x}", s.value)
            default: String(format: "\\x%02x", s.value)
            }
            out.append(contentsOf: visible.unicodeScalars)
        }
        return String(out)
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((escape(text, keeping: ["\n"]) + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("confidant: error: " + escape(text) + "\n").utf8))
    }

    /// A note on stderr (`confidant: note: …`), escaped like an error.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data(("confidant: note: " + escape(text) + "\n").utf8))
    }

    /// A stored text body (a note) as it is when stdout is a file or a pipe, so it can be saved
    /// byte for byte; on a terminal with its control characters escaped, line breaks and tabs kept.
    static func body(_ content: [UInt8]) {
        let text = isatty(1) == 1 ? Data(escape(String(decoding: content, as: UTF8.self), keeping: ["\n", "\t"]).utf8) : Data(content)
        FileHandle.standardOutput.write(text)
        if text.last != 0x0a { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    /// A plain table with a header row, columns padded to their widest cell; every cell escaped.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = ([header] + rows).map { $0.map { escape($0) } }
        var widths = [Int](repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        for r in all {
            line(r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
    }
}

/// `{"id": ...}` plus whatever else a create prints.
struct Created<T: Encodable>: Encodable {
    var id: String
    var value: T
    func encode(to encoder: Encoder) throws {
        try value.encode(to: encoder)
        var c = encoder.container(keyedBy: K.self)
        try c.encode(id, forKey: .id)
    }
    enum K: String, CodingKey { case id }
}
