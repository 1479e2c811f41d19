import Foundation
import Testing
@testable import confidant

/// The CLI's one escaping function, character class by character class (SPEC §4).
@Suite("output escaping")
struct OutputEscapeTests {
    @Test("C0 controls, DEL and C1 controls become visible escapes", arguments: [
        ("a\u{1b}[31mb", #"a\x1b[31mb"#),
        ("\u{0}", #"\x00"#),
        ("\u{7}", #"\x07"#),
        ("\u{8}", #"\x08"#),
        ("\u{1f}", #"\x1f"#),
        ("\t", #"\t"#),
        ("\n", #"\n"#),
        ("\r", #"\r"#),
        ("line\nforged", #"line\nforged"#),
        ("\u{7f}", #"\x7f"#),
        ("\u{80}", #"\u{80}"#),
        ("\u{9b}2J", #"\u{9b}2J"#),
        ("\u{9f}", #"\u{9f}"#),
        ("\u{1b}\u{9b}\u{7f}", #"\x1b\u{9b}\x7f"#),
    ])
    func controls(_ input: String, _ expected: String) {
        #expect(Output.escape(input) == expected)
    }

    @Test("printable text is kept as it is, backslashes and non-ASCII included", arguments: [
        " ", "~", "plain text", #"C:\notes\x1b"#, "\u{a0}", "Zoë Ångström", "日本語", "👩🏽‍⚕️", "e\u{301}", "",
    ])
    func printable(_ input: String) {
        #expect(Output.escape(input) == input)
    }

    @Test("kept scalars pass through; the rest is still escaped")
    func keeping() {
        #expect(Output.escape("a\nb\tc\u{1b}d\u{9b}", keeping: ["\n", "\t"]) == "a\nb\tc\\x1bd\\u{9b}")
        #expect(Output.escape("a\nb\tc", keeping: ["\n"]) == "a\nb\\tc")
    }

    @Test("JSON output writes DEL and C1 controls as \\u escapes and leaves the rest alone")
    func jsonControls() throws {
        let raw = Data("[\"a\u{7f}b\u{9b}c\u{80}\u{9f}\u{a0}é\\u001b\"]".utf8)
        let out = Output.escapeJSONControls(raw)
        #expect(String(decoding: out, as: UTF8.self) == "[\"a\\u007fb\\u009bc\\u0080\\u009f\u{a0}é\\u001b\"]")
        let decoded = try JSONSerialization.jsonObject(with: out) as? [String]
        #expect(decoded == ["a\u{7f}b\u{9b}c\u{80}\u{9f}\u{a0}é\u{1b}"])
        let plain = Data(#"{"a":"b"}"#.utf8)
        #expect(Output.escapeJSONControls(plain) == plain)
    }
}
