import Foundation
import VaultCore
import VaultCrypto
import VaultStorePostgres
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL store beside the SQLite store in the same run (`--stores --pg URL`): note
/// store and open, log append with 1, 4 and 8 concurrent writers (each its own opened vault and
/// session, as separate machines would be), `log verify` at `entries`. The floor is a raw durable
/// append (a 256-byte write plus fdatasync) on this machine, and for verify Ed25519 on all cores.
struct StoreBench {
    let pass: SecretBytes
    let dir: String
    let entries: Int

    /// A new vault in the store `make` creates; opens it with `open`.
    func run(label: String, create make: () throws -> any VaultStore, open: @escaping () throws -> any VaultStore) throws {
        _ = try Vault.create(store: make, discard: {}, practice: "Bench", admin: "ada", roles: [.admin, .therapist, .compliance],
                             passphrase: pass, kdf: .interactive, recoveryOut: dir + "/recovery-\(label).key")
        let vault = try Vault.open(store: try open(), name: label)
        let session = try vault.unlock(user: "ada", passphrase: pass)
        let client = try session.addClient(profile: ClientProfile(name: "Bench Client"))
        let floor = rawDurableAppendsPerSecond()
        let content = Random.bytes(2048)
        var ids: [String] = []
        let count = 200
        let store = try clockSeconds { for _ in 0..<count { ids.append(try session.addNote(clientID: client.id, kind: .progress, content: content).id) } }
        let opened = try clockSeconds { for id in ids { _ = try session.openNote(id: id, purpose: .treat) } }
        rowAppend("\(label): note store 2 KiB, notes/s", Double(count) / store, floor, "notes/s", "one transaction each; raw = durable append")
        rowAppend("\(label): note open 2 KiB, opens/s", Double(count) / opened, floor, "opens/s", "access entry committed first")
        for writers in [1, 4, 8] {
            let rate = try concurrentAppends(writers: writers, open: open, clientID: client.id)
            rowAppend("\(label): log append, \(writers) writer(s), entries/s", rate, floor, "entries/s", "one transaction per entry")
        }
        try fill(vault, session, clientID: client.id)
        var size = 0
        let verify = try clockSeconds { size = try session.verifyLog().size }
        rowAppend("\(label): log verify at \(size) entries, entries/s", Double(size) / verify, ed25519AllCores(), "entries/s", "raw = Ed25519 verify, all cores")
    }

    /// Entries per second that `writers` threads append together, each through its own store.
    private func concurrentAppends(writers: Int, open: @escaping () throws -> any VaultStore, clientID: String) throws -> Double {
        let perWriter = 100
        let sessions = try (0..<writers).map { _ in try Vault.open(store: try open(), name: "writer").unlock(user: "ada", passphrase: pass) }
        let failures = Failures()
        let seconds = clockSeconds {
            DispatchQueue.concurrentPerform(iterations: writers) { w in
                let s = sessions[w]
                for i in 0..<perWriter {
                    do {
                        try s.vault.store.write { tx in
                            _ = try s.append(tx, AccessIntent(action: "note.open", clientID: clientID, recordID: "w\(w)-\(i)", purpose: .treat), .success, "")
                        }
                    } catch { failures.add("\(error)") }
                }
            }
        }
        if let first = failures.first { throw VaultError(.internal, "a writer failed: \(first)") }
        return Double(writers * perWriter) / seconds
    }

    /// Appends entries in batches of 10,000 until the log holds `entries`, printing progress.
    private func fill(_ vault: Vault, _ session: Session, clientID: String) throws {
        var left = max(0, entries - Int(try vault.store.read { try $0.logCount() }))
        while left > 0 {
            let n = min(10_000, left)
            try vault.store.write { tx in
                for i in 0..<n {
                    _ = try session.append(tx, AccessIntent(action: "note.open", clientID: clientID, recordID: "f\(i)", purpose: .treat), .success, "")
                }
            }
            left -= n
            if left % 100_000 == 0 { print("  … \(entries - left) entries") }
        }
    }

    /// Raw durable appends per second: a 256-byte write and fdatasync, 200 times.
    private func rawDurableAppendsPerSecond() -> Double {
        let path = dir + "/raw-append-\(UUID().uuidString)"
        let fd = Glibc.open(path, O_CREAT | O_WRONLY | O_APPEND, 0o600)
        defer { close(fd); unlink(path) }
        let line = [UInt8](repeating: 0x61, count: 256)
        let seconds = clockSeconds { for _ in 0..<200 { _ = line.withUnsafeBytes { write(fd, $0.baseAddress, 256) }; fdatasync(fd) } }
        return 200 / seconds
    }

    private func ed25519AllCores() -> Double {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let signer = try? Ed25519KeyPair.generate() else { return 0 }
        let message = [UInt8](repeating: 7, count: 180)
        let sig = signer.sign(message)
        let seconds = clockSeconds {
            DispatchQueue.concurrentPerform(iterations: cores) { _ in
                for _ in 0..<(20_000 / cores) { _ = Ed25519.isValid(signature: sig, message: message, publicKey: signer.publicKey) }
            }
        }
        return Double(20_000 / cores * cores) / seconds
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.withLock { list.append(s) } }
    var first: String? { lock.withLock { list.first } }
}

/// `record` runs on the main actor; the store benchmark calls it from there.
func rowAppend(_ name: String, _ confidant: Double, _ raw: Double, _ unit: String, _ note: String) {
    MainActor.assumeIsolated { record(name, confidant, raw, unit, note) }
}
