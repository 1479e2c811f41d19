import CSystemShim
import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// The agent's Unix socket: where it lives, and length-prefixed JSON messages over it. Both
/// ends check that the other runs under this uid (SO_PEERCRED).
enum AgentSocket {
    /// `$XDG_RUNTIME_DIR/confidant/VAULT-ID.sock`, else `/tmp/confidant-UID/VAULT-ID.sock`; the
    /// folder is created 0700 and must be this user's.
    static func path(vaultID: String) throws -> String {
        let env = ProcessInfo.processInfo.environment
        let dir = env["XDG_RUNTIME_DIR"].map { $0 + "/confidant" } ?? "/tmp/confidant-\(getuid())"
        if mkdir(dir, 0o700) != 0 && errno != EEXIST { throw VaultError(.cannotCreate, "cannot create the agent folder \(dir)") }
        var st = stat()
        guard lstat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
            throw VaultError(.notPermitted, "the agent folder \(dir) is not a private (0700) folder of this user")
        }
        return dir + "/" + vaultID + ".sock"
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw VaultError(.usage, "the agent socket path is too long: \(path); set XDG_RUNTIME_DIR to a shorter folder")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        return addr
    }

    /// Binds and listens at `path` with mode 0600 (a stale socket of ours is replaced).
    static func listen(at path: String) throws -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw VaultError(.internal, "cannot create the agent socket") }
        var addr = try address(path)
        let old = umask(0o177)
        defer { umask(old) }
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0, chmod(path, 0o600) == 0, Glibc.listen(fd, 8) == 0 else {
            close(fd)
            throw VaultError(.cannotCreate, "cannot listen at \(path)")
        }
        return fd
    }

    /// Connects to the agent at `path`; nil when none answers or it runs under another uid.
    static func connect(to path: String) -> Int32? {
        guard var addr = try? address(path) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0, confidant_peer_uid(fd) == Int64(getuid()) else { close(fd); return nil }
        return fd
    }

    /// Bounds every read and write on `fd` (SO_RCVTIMEO, SO_SNDTIMEO): a peer that connects and
    /// then stalls gets an error after `seconds` instead of holding the other end.
    static func setTimeouts(fd: Int32, seconds: Int) -> Bool {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size) == 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size) == 0
    }

    /// Sends one length-prefixed message. MSG_NOSIGNAL: a peer that went away is an error
    /// here, never a SIGPIPE that ends the process.
    static func send(_ data: Data, fd: Int32) throws {
        var n = UInt32(data.count).bigEndian
        let head = withUnsafeBytes(of: &n) { Data($0) }
        for chunk in [head, data] {
            try chunk.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let w = Glibc.send(fd, raw.baseAddress.map { $0 + done }, raw.count - done, Int32(MSG_NOSIGNAL))
                    if w <= 0 { throw VaultError(.internal, "the agent connection closed") }
                    done += w
                }
            }
        }
    }

    /// Receives one length-prefixed message; with a `deadline`, a peer that trickles its
    /// message slower than that is cut off (each read is also bounded by SO_RCVTIMEO).
    static func receive(fd: Int32, limit: Int = 64 << 20, deadline: Date? = nil) throws -> Data {
        func exactly(_ count: Int) throws -> Data {
            var out = Data(count: count)
            var done = 0
            while done < count {
                if let deadline, Date() > deadline { throw VaultError(.busy, "the agent connection was too slow") }
                let r = out.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + done }, count - done) }
                if r <= 0 { throw VaultError(.internal, "the agent connection closed") }
                done += r
            }
            return out
        }
        let head = try exactly(4)
        let n = Int(head.reduce(0) { $0 << 8 | UInt32($1) })
        guard n <= limit else { throw VaultError(.usage, "an agent message of \(n) bytes is too large") }
        return try exactly(n)
    }
}

/// What the CLI asks the agent, and what it answers.
struct AgentRequest: Codable {
    var user: String
    var arguments: [String]
    var directory: String
    var stdin: Data?
    var lock = false
    /// Only asks whether the agent serves `user` (answered, never run; it does not renew the
    /// idle time): the CLI asks before it reads a command's standard input.
    var ping: Bool? = nil
}

struct AgentResponse: Codable {
    /// The command's exit status.
    var status: Int32
    var stdout: Data
    var stderr: Data
    /// The agent is another user's: the CLI runs the command itself.
    var declined: Bool?
}
