import ArgumentParser
import Foundation
import VaultCore
import VaultCrypto

/// Parses and runs one command line, printing errors as one line; returns the exit code. The
/// same path serves a command typed at the shell and one an agent runs for its client.
enum CommandRunner {
    static func run(_ arguments: [String]) -> Int32 {
        let json = arguments.contains("--json")
        /// One line on stderr, or under `--json` one object `{"error": {"exitCode": N, "message": …}}`.
        func fail(_ code: Int32, _ message: String) -> Int32 {
            if json, let data = try? JSONSerialization.data(withJSONObject: ["error": ["exitCode": Int(code), "message": message]],
                                                            options: [.sortedKeys, .withoutEscapingSlashes]) {
                FileHandle.standardError.write(data + Data("\n".utf8))
            } else {
                Output.error(message)
            }
            return code
        }
        do {
            var command = try Confidant.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let e as VaultError {
            return fail(e.exitCode, e.message)
        } catch let e as ExitCode {
            return e.rawValue  // the command already said why (e.g. the agent's own error line)
        } catch let e as CryptoError {
            return fail(70, "cryptographic failure (\(e)); nothing was changed")
        } catch {
            let code = Confidant.exitCode(for: error)
            if code == .success {
                Output.line(Confidant.fullMessage(for: error))
                return 0
            }
            return fail(code == .validationFailure ? 64 : (code.rawValue == 1 ? 64 : code.rawValue),
                        "\(oneLine(Confidant.message(for: error))) (see 'confidant help')")
        }
    }
}
