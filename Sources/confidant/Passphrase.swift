import Foundation
import VaultCore
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

enum PassphraseSource {
    case file(String)
    case fd(Int32)
    case terminal
}

/// Reads passphrases into secure memory: from a file, an inherited descriptor, or the terminal
/// with echo off (restored on Ctrl-C).
enum Passphrase {
    static func read(from source: PassphraseSource, prompt: String, confirm: Bool = false) throws -> SecretBytes {
        switch source {
        case .file(let path):
            let secret: SecretBytes?
            do { secret = try SecretBytes.read(path: path) } catch {
                throw VaultError(.usage, "passphrase file \(path) is longer than 4096 bytes")
            }
            guard let secret else { throw VaultError(.notFound, "cannot read passphrase file \(path)") }
            return secret
        case .fd(let fd):
            guard fcntl(fd, F_GETFD) != -1 else { throw VaultError(.usage, "--passphrase-fd \(fd) is not an open file descriptor") }
            do { return try SecretBytes.read(fileDescriptor: fd) } catch {
                throw VaultError(.usage, "passphrase on descriptor \(fd) is longer than 4096 bytes")
            }
        case .terminal:
            let first = try readFromTerminal(prompt: prompt)
            if confirm {
                let second = try readFromTerminal(prompt: "Again: ")
                guard first == second else { throw VaultError(.usage, "the two passphrases differ; nothing was changed") }
            }
            return first
        }
    }

    nonisolated(unsafe) static var savedTerminal = termios()
    nonisolated(unsafe) static var terminalFD: Int32 = -1

    private static func readFromTerminal(prompt: String) throws -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw VaultError(.usage, "no terminal to ask for a passphrase; give --passphrase-file FILE or --passphrase-fd N")
        }
        defer { close(fd) }
        var old = termios()
        guard tcgetattr(fd, &old) == 0 else {
            throw VaultError(.usage, "cannot turn off echo on the terminal; give --passphrase-file FILE instead")
        }
        savedTerminal = old
        terminalFD = fd
        signal(SIGINT) { _ in
            if Passphrase.terminalFD >= 0 { tcsetattr(Passphrase.terminalFD, TCSAFLUSH, &Passphrase.savedTerminal) }
            _ = write(2, "\n", 1)
            _exit(130)
        }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ICANON)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            terminalFD = -1
            signal(SIGINT, SIG_DFL)
            _ = write(fd, "\n", 1)
        }
        // Read one line byte by byte into secure memory.
        let buffer = try SecretBytes(zeroedCount: 1024)
        var n = 0
        try buffer.withUnsafeMutableBytes { raw in
            while n < raw.count {
                var c: UInt8 = 0
                let r = Glibc.read(fd, &c, 1)
                if r < 0 { if errno == EINTR { continue }; throw VaultError(.usage, "could not read the passphrase") }
                if r == 0 || c == 0x0a || c == 0x0d { break }
                raw[n] = c
                n += 1
                c = 0
            }
        }
        guard n > 0 else { throw VaultError(.usage, "empty passphrase") }
        return try buffer.slice(0..<n)
    }
}
