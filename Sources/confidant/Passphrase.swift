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

    var isTerminal: Bool { if case .terminal = self { true } else { false } }
}

/// Reads passphrases into secure memory: from a file, an inherited descriptor, or the terminal
/// with echo off (restored on Ctrl-C).
enum Passphrase {
    static func read(from source: PassphraseSource, prompt: String, confirm: Bool = false) throws -> SecretBytes {
        switch source {
        case .file(let path):
            // A passphrase file others can read is no secret: refused, with the fix.
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & 0o077 != 0 {
                let mode = String(st.st_mode & 0o777, radix: 8)
                throw VaultError(.usage, "passphrase file \(path) can be read by others (mode \(mode)); make it private with: chmod 600 \(path)")
            }
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

    /// Reads a passphrase from the terminal with echo off. The terminal is put in raw mode
    /// (no echo, no line editing, no signals), so Ctrl-C arrives as a byte and is handled here:
    /// no signal handler and no global state is needed to restore the terminal.
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
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG)
        withUnsafeMutableBytes(of: &quiet.c_cc) { cc in cc[Int(VMIN)] = 1; cc[Int(VTIME)] = 0 }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(fd, TCSAFLUSH, &old)
            _ = write(fd, "\n", 1)
        }
        let buffer = try SecretBytes(zeroedCount: 1024)
        let n = try buffer.withUnsafeMutableBytes { raw in try readLine(fd, into: raw, onInterrupt: {
            tcsetattr(fd, TCSAFLUSH, &old)
            _ = write(2, "\n", 1)
            exit(130)
        }) }
        guard n > 0 else { throw VaultError(.usage, "empty passphrase") }
        return try buffer.slice(0..<n)
    }

    /// One line, byte by byte, into secure memory: Enter ends it, Backspace and Ctrl-U edit it,
    /// Ctrl-D on an empty line ends it, Ctrl-C calls `onInterrupt`. Returns its length.
    private static func readLine(_ fd: Int32, into raw: UnsafeMutableRawBufferPointer, onInterrupt: () -> Never) throws -> Int {
        var n = 0
        while n < raw.count {
            var c: UInt8 = 0
            let r = Glibc.read(fd, &c, 1)
            if r < 0 { if errno == EINTR { continue }; throw VaultError(.usage, "could not read the passphrase") }
            switch c {
            case _ where r == 0: return n
            case 0x0a, 0x0d: return n
            case 0x03: onInterrupt()
            case 0x04 where n == 0: return n
            case 0x7f, 0x08: if n > 0 { n -= 1; raw[n] = 0 }
            case 0x15: for i in 0..<n { raw[i] = 0 }; n = 0
            default: raw[n] = c; n += 1
            }
            c = 0
        }
        return n
    }
}
