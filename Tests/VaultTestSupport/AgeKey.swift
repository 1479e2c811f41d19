import Foundation

/// An age X25519 identity made by the independent `age-keygen` binary.
public enum AgeKey {
    /// Writes a new identity to `name` in `dir`; returns its path and its `age1…` recipient.
    public static func generate(in dir: TempDir, name: String = "client.key") throws -> (key: String, recipient: String) {
        let key = dir.file(name)
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/age-keygen")
        gen.arguments = ["-o", key]
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        let text = try String(contentsOfFile: key, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# public key: ") }) else {
            throw TestFailure("age-keygen wrote no public key to \(key)")
        }
        return (key, String(line.dropFirst(14)))
    }
}
