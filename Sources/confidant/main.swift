import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto
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

let arguments = reorderGlobalOptions(Array(CommandLine.arguments.dropFirst()))
do {
    var command = try Confidant.parseAsRoot(arguments)
    try command.run()
    exit(0)
} catch let e as VaultError {
    Output.error(e.message)
    exit(e.exitCode)
} catch let e as CryptoError {
    Output.error("cryptographic failure (\(e)); nothing was changed")
    exit(70)
} catch {
    let code = Confidant.exitCode(for: error)
    if code == .success {
        Output.line(Confidant.fullMessage(for: error))
        exit(0)
    }
    let message = Confidant.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
    Output.error("\(message) (see 'confidant help')")
    exit(code == .validationFailure ? 64 : (code.rawValue == 1 ? 64 : code.rawValue))
}
