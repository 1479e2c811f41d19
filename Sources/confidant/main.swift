import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
import CSystemShim
#if canImport(Glibc)
import Glibc
#endif

// Every file this process creates is private to its owner.
umask(0o077)

/// Moves global options written before the command name to the end, so both
/// `confidant --vault V note list C` and `confidant note list C --vault V` parse.
func reorderGlobalOptions(_ args: [String]) -> [String] {
    let valued: Set<String> = ["--vault", "--as", "--passphrase-file", "--passphrase-fd"]
    var leading: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a == "--json" { leading.append(a); i += 1; continue }
        if valued.contains(a), i + 1 < args.count { leading += [a, args[i + 1]]; i += 2; continue }
        if let eq = a.firstIndex(of: "="), valued.contains(String(a[..<eq])) { leading.append(a); i += 1; continue }
        break
    }
    return Array(args[i...]) + leading
}

/// The first line of an argument-parser message. When it lists six or more valid values, one per
/// line under "one of the following:", they are joined into that line, as it does for fewer.
func oneLine(_ message: String) -> String {
    let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    guard let first = lines.first else { return "invalid arguments" }
    let values = lines.dropFirst().filter { $0.hasPrefix("- ") }.map { "'\($0.dropFirst(2))'" }
    let intro = "one of the following:"
    guard first.hasSuffix(intro), let last = values.last else { return first }
    return first.dropLast(intro.count) + "one of " + values.dropLast().joined(separator: ", ") + " or \(last)."
}

_ = confidant_no_core_dumps()  // no core file and no ptrace of a process holding keys
let arguments = reorderGlobalOptions(Array(CommandLine.arguments.dropFirst()))
do { _ = try ConfigFile.load() } catch let e as VaultError {  // a malformed config file is said at once
    Output.error(e.message)
    exit(e.exitCode)
}
// With an agent unlocked for this vault and user, it runs the command itself; see docs/operations.md.
if let code = AgentClient.forward(arguments) { exit(code) }
exit(CommandRunner.run(arguments))
