import Foundation

/// Writes DIR/benchmarks.md (a Markdown table) and DIR/benchmarks.json.
func writeReport(_ rows: [Row], to outDir: String) throws {
    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
    var md = "| measure | confidant | raw | unit | ratio | note |\n|---|---:|---:|---|---:|---|\n"
    for r in rows {
        md += "| \(r.name) | \(String(format: "%.1f", r.confidant)) | \(r.raw > 0 ? String(format: "%.1f", r.raw) : "-") | \(r.unit) | \(r.raw > 0 ? String(format: "%.2f", r.ratio) : "-") | \(r.note) |\n"
    }
    try md.write(toFile: outDir + "/benchmarks.md", atomically: true, encoding: .utf8)
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try enc.encode(rows).write(to: URL(fileURLWithPath: outDir + "/benchmarks.json"))
    print("\nwrote \(outDir)/benchmarks.md and \(outDir)/benchmarks.json")
}
