import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

/// The duplicate-key scanner agreements are checked with before they are decoded.
@Suite("JSON duplicate keys")
struct JSONDuplicateKeysTests {
    func first(_ json: String) -> JSONDuplicateKeys.Duplicate? {
        JSONDuplicateKeys.first(in: Data(json.utf8))
    }

    @Test("no repeated key: nil", arguments: [
        #"{}"#, #"[]"#, #""text""#, #"7"#,
        #"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}"#,
        #"{"a": "a", "b": ["a", "a"], "c": {"d": "a"}}"#,
        #"{"a\"": 1, "a": 2, "a\\": 3}"#,
        #"{"x": "}\"{,", "y": "[\\", "z": 1}"#,
        #"[{"a": 1}, {"a": 1}]"#,
    ])
    func none(_ json: String) {
        #expect(first(json) == nil)
    }

    @Test("a repeated key is found with the object it repeats in", arguments: [
        (#"{"a": 1, "a": 2}"#, "a", ""),
        (#"{"a": 1, "b": {"c": 1, "d": [1, {"e": 1}], "c": 2}}"#, "c", "b"),
        (#"{"list": [{"k": 1}, {"k": 1, "k": 2}]}"#, "k", "list[1]"),
        (#"[[1], [2, {"x": 1, "x": 1}]]"#, "x", "[1][1]"),
        (#"{"q\"uote": 1, "q\"uote": 2}"#, "q\"uote", ""),
        (#"{"a": 1, "\u0061": 2}"#, "a", ""),
        (#"{"\ud83d\ude00": 1, "😀": 2}"#, "😀", ""),
        (#"{"tab\t": 1, "tab\u0009": 2}"#, "tab\t", ""),
        (#"{"a": {"b": {"c": [0, 1, {"d": 1, "e": "d", "d": 2}]}}}"#, "d", "a.b.c[2]"),
        (#"{"v": "ignored, \"v\": 1", "v": 2}"#, "v", ""),
    ])
    func found(_ json: String, _ key: String, _ path: String) {
        #expect(first(json) == JSONDuplicateKeys.Duplicate(key: key, path: path))
    }

    @Test("check throws bad data naming the key")
    func check() {
        #expect(throws: VaultError(.badData, "the file has the key 'reviewedOn' twice; each key may appear only once in an object")) {
            try JSONDuplicateKeys.check(Data(#"{"reviewedOn": "2026-01-05", "reviewedOn": "2027-01-05"}"#.utf8), what: "the file")
        }
        #expect(throws: Never.self) { try JSONDuplicateKeys.check(Data(#"{"a": [1, 2]}"#.utf8), what: "the file") }
    }

    @Test("agreement parsing refuses a repeated key before reading any field")
    func agreement() {
        let json = #"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["legal-order"], "exceptionsExplained": ["harm-to-self"]}"#
        #expect(throws: VaultError(.badData, "the agreement file has the key 'exceptionsExplained' twice; each key may appear only once in an object")) {
            _ = try AgreementBody.parse(Data(json.utf8), kind: .confidentiality)
        }
    }
}
