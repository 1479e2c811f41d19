import Foundation

/// Finds a key that appears twice in one JSON object.
///
/// JSONSerialization and JSONDecoder both keep the last of two equal keys without a word, so
/// `{"reviewedOn": "2026-01-05", …, "reviewedOn": "2027-01-05"}` would be read as a different
/// agreement than a person reading the file from the top sees. Files a user gives are checked
/// with this scanner first and refused (65) when a key repeats.
///
/// Keys are compared after their escapes are decoded (`"a"` and `"\u0061"` are the same key), and
/// as Swift strings, so two spellings a dictionary would merge also count as the same key.
public enum JSONDuplicateKeys {
    /// A repeated key and the object it repeats in.
    public struct Duplicate: Sendable, Equatable {
        /// The key, decoded.
        public var key: String
        /// Where the object is: `""` for the top level, else e.g. `crisisContacts[0]`.
        public var path: String
    }

    /// The first key that repeats within one object, or nil.
    ///
    /// `data` must already be valid JSON (parse it first): the scanner only tracks strings,
    /// brackets and commas, and stops quietly on input it does not understand.
    public static func first(in data: Data) -> Duplicate? {
        let bytes = [UInt8](data)
        var stack: [Frame] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let (text, next) = readString(bytes, from: i) else { return nil }
                i = next
                guard var top = stack.last, top.isObject, top.expectingKey else { continue }
                if top.keys.contains(text) { return Duplicate(key: text, path: top.path) }
                top.keys.insert(text)
                top.lastKey = text
                top.expectingKey = false
                stack[stack.count - 1] = top
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Frame(isObject: c == UInt8(ascii: "{"), path: childPath(of: stack.last)))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                guard var top = stack.popLast() else { continue }
                if top.isObject { top.expectingKey = true } else { top.index += 1 }
                stack.append(top)
            default:
                continue
            }
        }
        return nil
    }

    /// - Throws: ``VaultError`` bad data (65) naming the repeated key, when one repeats.
    public static func check(_ data: Data, what: String) throws {
        guard let d = first(in: data) else { return }
        let place = d.path.isEmpty ? "" : " in '\(d.path)'"
        throw VaultError.badData("\(what) has the key '\(d.key)' twice\(place); each key may appear only once in an object")
    }

    /// One open object or array.
    private struct Frame {
        var isObject: Bool
        var path: String
        var keys: Set<String> = []
        var expectingKey: Bool
        var lastKey = ""
        var index = 0

        init(isObject: Bool, path: String) {
            self.isObject = isObject
            self.path = path
            self.expectingKey = isObject
        }
    }

    private static func childPath(of parent: Frame?) -> String {
        guard let parent else { return "" }
        if !parent.isObject { return parent.path + "[\(parent.index)]" }
        return parent.path.isEmpty ? parent.lastKey : parent.path + "." + parent.lastKey
    }

    /// Decodes the string whose opening quote is just before `start`; returns it and the index
    /// after its closing quote, or nil when it never closes.
    private static func readString(_ b: [UInt8], from start: Int) -> (String, Int)? {
        var out: [UInt8] = []
        var i = start
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i + 1) }
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < b.count else { return nil }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let (scalar, next) = readUnicodeEscape(b, from: i)
                out += Array(String(Character(scalar)).utf8)
                i = next
            default: out.append(e)  // \" \\ \/
            }
        }
        return nil
    }

    /// The scalar of `XXXX` (after `\u`) starting at `i`, joining a surrogate pair written as
    /// two escapes; a lone surrogate becomes U+FFFD.
    private static func readUnicodeEscape(_ b: [UInt8], from i: Int) -> (Unicode.Scalar, Int) {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        guard let high = hex4(b, i) else { return (replacement, i) }
        if (0xD800...0xDBFF).contains(high) {
            if i + 10 <= b.count, b[i + 4] == UInt8(ascii: "\\"), b[i + 5] == UInt8(ascii: "u"),
               let low = hex4(b, i + 6), (0xDC00...0xDFFF).contains(low),
               let s = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) {
                return (s, i + 10)
            }
            return (replacement, i + 4)
        }
        return (Unicode.Scalar(high) ?? replacement, i + 4)
    }

    private static func hex4(_ b: [UInt8], _ i: Int) -> UInt32? {
        guard i + 4 <= b.count, let s = String(bytes: b[i..<(i + 4)], encoding: .ascii) else { return nil }
        return UInt32(s, radix: 16)
    }
}
