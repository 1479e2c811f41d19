import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one run of the `confidant` binary produced.
public struct CLIResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutData: Data
}

/// Runs the real `confidant` binary, as a user would, against files in a temporary folder.
public enum CLI {
    /// The built binary: `CONFIDANT_BIN`, else beside the test bundle, else `.build/debug`.
    public static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["CONFIDANT_BIN"] { return b }
        var candidates: [String] = []
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("confidant").path)
        for b in Bundle.allBundles { candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("confidant").path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/confidant").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last ?? "confidant"
    }()

    /// Runs `confidant args…` in `cwd` and waits for it.
    @discardableResult
    public static func run(_ args: [String], cwd: String? = nil, stdin: Data? = nil, env: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        for k in ["CONFIDANT_VAULT", "CONFIDANT_USER", "CONFIDANT_PASSPHRASE_FILE", "CONFIDANT_TEST_NOW"] { environment[k] = nil }
        environment["CONFIDANT_CONFIG"] = "/dev/null"  // a developer's own config never leaks into a test
        for (k, v) in env { environment[k] = v }
        // A test's rollback pins live with its files, never in the real home.
        if env["XDG_STATE_HOME"] == nil, let cwd { environment["XDG_STATE_HOME"] = cwd + "/.machine-state" }
        p.environment = environment
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try? inp.fileHandleForWriting.close()
        // Drain stderr on another thread so a chatty child never blocks on a full pipe.
        let errBox = DataBox()
        let errHandle = err.fileHandleForReading
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errBox.data = errHandle.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        group.wait()
        let errData = errBox.data
        return CLIResult(exitCode: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }
}

/// A fresh folder under the system temporary directory, removed on deinit.
public final class TempDir: @unchecked Sendable {
    public let path: String

    public init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("confidant-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` (mode 0600) and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let p = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        _ = chmod(p, 0o600)
        return p
    }
}

final class DataBox: @unchecked Sendable { var data = Data() }
