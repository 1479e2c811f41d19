import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

/// Parses and runs one command line, printing errors as one line; returns the exit code. The
/// same path serves a command typed at the shell and one an agent runs for its client.
enum CommandRunner {
    static func run(_ arguments: [String]) -> Int32 {
        do {
            var command = try Confidant.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let e as VaultError {
            Output.error(e.message)
            return e.exitCode
        } catch let e as CryptoError {
            Output.error("cryptographic failure (\(e)); nothing was changed")
            return 70
        } catch {
            let code = Confidant.exitCode(for: error)
            if code == .success {
                Output.line(Confidant.fullMessage(for: error))
                return 0
            }
            Output.error("\(oneLine(Confidant.message(for: error))) (see 'confidant help')")
            return code == .validationFailure ? 64 : (code.rawValue == 1 ? 64 : code.rawValue)
        }
    }
}
