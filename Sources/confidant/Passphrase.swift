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
        let ctrlC = CtrlC()
        defer { ctrlC.uninstall() }
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ICANON)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        tcsetattr(fd, TCSAFLUSH, &quiet)
        let line: SecretBytes?
        do {
            defer {
                tcsetattr(fd, TCSAFLUSH, &old)
                _ = write(fd, "\n", 1)
            }
            line = try readLine(fd, ctrlC)
        }
        // Ctrl-C: exit as the shell expects (128 + SIGINT), the terminal's echo already back on.
        guard let line else { _exit(130) }
        return line
    }

    /// Reads one line byte by byte into secure memory; nil when Ctrl-C was pressed.
    private static func readLine(_ fd: Int32, _ ctrlC: CtrlC) throws -> SecretBytes? {
        let buffer = try SecretBytes(zeroedCount: 1024)
        var n = 0
        var interrupted = false
        try buffer.withUnsafeMutableBytes { raw in
            while n < raw.count {
                if ctrlC.pressed { interrupted = true; return }
                // Wait a tenth of a second at a time, so a Ctrl-C handled on another thread is seen too.
                var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, 100)
                if ready < 0 { if errno == EINTR { continue }; throw VaultError(.usage, "could not read the passphrase") }
                if ready == 0 { continue }
                var c: UInt8 = 0
                let r = Glibc.read(fd, &c, 1)
                if r < 0 { if errno == EINTR { continue }; throw VaultError(.usage, "could not read the passphrase") }
                if r == 0 || c == 0x0a || c == 0x0d { break }
                raw[n] = c
                n += 1
                c = 0
            }
        }
        if interrupted { return nil }
        guard n > 0 else { throw VaultError(.usage, "empty passphrase") }
        return try buffer.slice(0..<n)
    }
}

/// Notices Ctrl-C at the passphrase prompt without any global state: a one-shot (`SA_RESETHAND`)
/// SIGINT handler that does nothing, so the kernel itself records the keypress by putting the
/// default action back; the reading loop sees that, restores the terminal and exits.
private struct CtrlC {
    private var previous = sigaction()

    init() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = Int32(bitPattern: SA_RESETHAND)  // no SA_RESTART: a wait in progress returns EINTR
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, &previous)
    }

    /// Whether SIGINT came since ``init()`` (the handler ran once and reset itself).
    var pressed: Bool {
        var now = sigaction()
        sigaction(SIGINT, nil, &now)
        return now.__sigaction_handler.sa_handler == nil
    }

    /// Puts back the SIGINT action there was before.
    func uninstall() {
        var before = previous
        sigaction(SIGINT, &before, nil)
    }
}
