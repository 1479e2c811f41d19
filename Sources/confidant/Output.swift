import Foundation
import VaultCore

/// Printing: `--json` gives one JSON value on stdout; otherwise short human text.
enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try e.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("confidant: error: " + text + "\n").utf8))
    }

    /// A plain table with a header row, columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
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
