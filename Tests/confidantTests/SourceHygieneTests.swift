import Foundation
import Testing

/// No crash-on-input constructs in library or CLI code (the acceptance item of issue 2).
@Suite("source hygiene")
struct SourceHygieneTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    @Test("Sources contain no try!, fatalError, as! or force-unwrapped baseAddress")
    func noTraps() throws {
        var offenders: [String] = []
        let files = FileManager.default.enumerator(atPath: Self.sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 20)
        for f in files {
            let text = try String(contentsOfFile: Self.sources.appendingPathComponent(f).path, encoding: .utf8)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                for bad in ["try!", "fatalError(", " as! ", "baseAddress!", "precondition("] where code.contains(bad) {
                    offenders.append("\(f):\(i + 1): \(code)")
                }
            }
        }
        #expect(offenders == [])
    }
}
