import Foundation
import Testing

/// The layering rules of issue 11, checked on the code (comments and string literals removed,
/// so help text may still name things): the CLI holds no business rule, cryptography or SQL;
/// exit codes live only in the CLI; no global mutable state in the CLI; no function over 60
/// lines and no file over 400 in Sources; each rule or constant is defined once.
@Suite("architecture rules")
struct ArchitectureRulesTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sources = package.appendingPathComponent("Sources")

    /// Every Swift file under `folder` of Sources (or of `top`): (path relative to it, raw lines, code lines).
    static func files(_ folder: String = "", in top: String = "Sources") throws -> [(path: String, raw: [String], code: [String])] {
        let root = package.appendingPathComponent(top).appendingPathComponent(folder)
        let names = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return try names.sorted().map { name in
            let text = try String(contentsOfFile: root.appendingPathComponent(name).path, encoding: .utf8)
            let raw = text.components(separatedBy: "\n")
            return ((folder.isEmpty ? "" : folder + "/") + name, raw, codeOnly(raw))
        }
    }

    /// The lines with comments and string literals (single-line, multi-line, raw) blanked out.
    static func codeOnly(_ lines: [String]) -> [String] {
        var inBlock = false
        return lines.map { line in
            var out = ""
            var chars = Array(line)[...]
            if inBlock {
                guard let end = line.range(of: "\"\"\"") else { return "" }
                inBlock = false
                chars = Array(line[end.upperBound...])[...]
                out += "\"\""
            }
            var inString = false
            while let c = chars.first {
                if !inString, chars.starts(with: "//") { break }
                if chars.starts(with: "\"\"\"") {
                    inBlock = true
                    out += "\"\""
                    break
                }
                if c == "\"" { inString.toggle(); out.append(c); chars = chars.dropFirst(); continue }
                if inString, c == "\\" { chars = chars.dropFirst(2); continue }
                if !inString { out.append(c) }
                chars = chars.dropFirst()
            }
            return out
        }
    }

    @Test("the CLI holds no cryptography, cryptographic parameter or SQL")
    func cliHoldsNoRules() throws {
        let files = try Self.files("confidant")
        #expect(files.count > 10)
        var offenders: [String] = []
        for f in files {
            for (i, line) in f.code.enumerated() {
                for bad in ["Argon2id.", ".scrypt(", "SHA256.", "BLAKE2b.", "crypto_", "sodium_", "SELECT", "INSERT", "UPDATE ",
                            "XChaCha20Poly1305.", "SealedBox.", "Ed25519.", "workFactor:", "randomCount:"] where line.contains(bad) {
                    offenders.append("\(f.path):\(i + 1): \(bad)")
                }
            }
        }
        #expect(offenders == [])
    }

    @Test("exit codes live in the CLI; the CLI keeps no global mutable state")
    func exitCodesAndGlobals() throws {
        var offenders: [String] = []
        for f in try Self.files("VaultCore") {
            for (i, line) in f.code.enumerated() where line.contains("exitCode") { offenders.append("\(f.path):\(i + 1)") }
        }
        for f in try Self.files("confidant") {
            // A computed `static var x: T {` holds no state.
            // A `@TaskLocal` binding is task-scoped, not shared state.
            for (i, line) in f.code.enumerated() where (line.contains("static var") && !line.hasSuffix("{") && !line.contains("@TaskLocal"))
                || line.contains("nonisolated(unsafe)") {
                offenders.append("\(f.path):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders == [])
    }

    @Test("storage: VaultCore imports no database library; each backend's library and type stay in its own target")
    func storageBehindItsProtocol() throws {
        var offenders: [String] = []
        func imports(_ folder: String, _ libraries: [String]) throws {
            for f in try Self.files(folder) {
                for (i, line) in f.raw.enumerated() {
                    for lib in libraries where line.trimmingCharacters(in: .whitespaces).hasPrefix("import \(lib)") {
                        offenders.append("\(f.path):\(i + 1): import \(lib)")
                    }
                }
            }
        }
        try imports("VaultCore", ["GRDB", "PostgresNIO"])
        try imports("VaultStorePostgres", ["GRDB"])
        try imports("VaultStoreSQLite", ["PostgresNIO"])
        // Tests reach SQLite through `SQLiteVault` and `Vault.open(path:)`, never the store's type.
        let everywhere = try Self.files() + (try Self.files(in: "Tests")).map { (path: "Tests/" + $0.path, raw: $0.raw, code: $0.code) }
        for f in everywhere where !f.path.hasPrefix("VaultStoreSQLite/") {
            for (i, line) in f.code.enumerated() where line.contains("SQLiteStore") || line.contains("SQLiteTransaction") {
                offenders.append("\(f.path):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(try Self.files("VaultStoreSQLite").count == 7)
        #expect(try Self.files("VaultStorePostgres").count == 12)
        #expect(offenders == [])
    }

    @Test("no function over 60 lines and no file over 400 lines in Sources")
    func sizes() throws {
        var offenders: [String] = []
        for f in try Self.files() {
            if f.raw.count > 400 { offenders.append("\(f.path): \(f.raw.count) lines") }
            for (start, length) in Self.functions(f.code) where length > 60 {
                offenders.append("\(f.path):\(start + 1): a function of \(length) lines")
            }
        }
        #expect(offenders == [])
    }

    /// (first line, length) of every function, initializer, accessor block or closure-valued
    /// static, from its declaration to its closing brace.
    static func functions(_ code: [String]) -> [(Int, Int)] {
        let decl = try? Regex(#"^\s*(@\w+(\([^)]*\))?\s+)*((public|private|fileprivate|internal|package|static|override|mutating|nonisolated|final|convenience|required)\s+)*(func\s|init[?!]?\s*[(<]|subscript|(static\s+)?var\s+\w+\s*:[^=]*\{\s*$)"#)
        var out: [(Int, Int)] = []
        for (i, line) in code.enumerated() where decl.map({ line.firstMatch(of: $0) != nil }) ?? false {
            var depth = 0, started = false, j = i
            while j < code.count {
                for c in code[j] { if c == "{" { depth += 1; started = true } else if c == "}" { depth -= 1 } }
                if started && depth <= 0 { break }
                if !started && j > i + 8 { break }
                j += 1
            }
            if started { out.append((i, j - i + 1)) }
        }
        return out
    }

    @Test("the size check itself finds a long function")
    func sizeCheckWorks() {
        let body = ["func long() {"] + Array(repeating: "    x += 1", count: 70) + ["}"]
        #expect(Self.functions(body).map(\.1) == [72])
        #expect(Self.codeOnly(["let s = \"{ // not code\" // comment {"]) == ["let s = \"\" "])
    }

    @Test("each rule or constant lives in one place")
    func definedOnce() throws {
        // (pattern, the one file allowed to hold it)
        let rules: [(String, String)] = [
            ("O_CREAT", "VaultCore/Model/PrivateFile.swift"),
            ("365.2425", "VaultCore/Policy/RetentionPolicy.swift"),
            ("Role.parseList(", "VaultCore/Store/StoreRows.swift"),
            ("roles.split(", "-"),
            ("count >= 8", "-"),
            ("exitCode", "confidant/ExitCodes.swift"),
        ]
        var offenders: [String] = []
        let cliParsers: Set<String> = ["confidant/Commands/UserCommand.swift", "confidant/Commands/InitCommand.swift"]
        for f in try Self.files() {
            for (i, line) in f.code.enumerated() {
                for (pattern, home) in rules where line.contains(pattern) && f.path != home {
                    if pattern == "Role.parseList(" && cliParsers.contains(f.path) { continue }  // parsing what the user typed
                    if pattern == "exitCode" && !f.path.hasPrefix("VaultCore") && line.contains(".exitCode") { continue }  // uses
                    offenders.append("\(f.path):\(i + 1): \(pattern)")
                }
            }
        }
        #expect(offenders == [])
    }
}
