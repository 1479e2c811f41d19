import Foundation
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// This machine's memory of a vault: the root key it first saw and the longest log it
/// verified. A store whose log does not extend it — yesterday's copy of the file put back, a
/// point-in-time restore of a database — is refused (65) by every command.
///
/// Kept in `$XDG_STATE_HOME/confidant/` (default `~/.local/state/confidant/`), one file per
/// vault id, folder 0700, file 0600.
struct RollbackPin: Sendable {
    struct State: Codable, Equatable {
        var vaultID: String
        var rootKey: String
        var size: Int64
        var leafHash: String
    }

    let path: String

    static func forVault(_ vaultIDHex: String) -> RollbackPin? {
        let env = ProcessInfo.processInfo.environment
        let base: String
        if let x = env["XDG_STATE_HOME"], x.hasPrefix("/") { base = x } else if let home = env["HOME"], !home.isEmpty {
            base = home + "/.local/state"
        } else { return nil }
        return RollbackPin(path: base + "/confidant/" + vaultIDHex + ".json")
    }

    func load() throws -> State? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let s = try? JSONDecoder().decode(State.self, from: data) else {
            throw VaultError.badData("\(path) (this machine's record of the vault) is unreadable; remove it to trust the vault as it is now")
        }
        return s
    }

    /// Records a longer verified log in an existing pin; never moves the pin back.
    func advance(size: Int64, leafHash: [UInt8]) {
        guard var s = try? load(), size > s.size else { return }
        s.size = size
        s.leafHash = Encoding.base64(leafHash)
        save(s)
    }

    /// Replaces the pin (a deliberate restore on this machine).
    func reset(_ s: State) { save(s) }

    private func save(_ s: State) {
        let dir = (path as NSString).deletingLastPathComponent
        let parent = (dir as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        mkdir(dir, 0o700)
        guard let data = try? JSONEncoder().encode(s) else { return }
        let tmp = path + ".tmp\(getpid())"
        unlink(tmp)
        guard let fd = try? PrivateFile.create(tmp) else { return }
        let ok = data.withUnsafeBytes { raw in write(fd, raw.baseAddress, raw.count) == raw.count }
        fsync(fd)
        close(fd)
        if ok { rename(tmp, path) } else { unlink(tmp) }
    }
}

extension RollbackPin {
    /// Checks that `store`'s log extends what this machine saw, then records its tail.
    /// - Returns: the tail entry (seq, time) after the check.
    /// - Throws: ``VaultError`` bad data (65) for a rolled-back or forked log.
    func check(_ store: GuardedStore, meta: VaultMetaRow) throws -> LogRow? {
        let pinned = try load()
        let rootKey = Encoding.base64(meta.rootSigningKey)
        if let pinned, pinned.rootKey != rootKey {
            throw VaultError.badData("this vault's root key is not the one this machine saw before: the file was replaced by another vault with the same id")
        }
        let tail = try store.readRaw { tx -> LogRow? in
            let last = try tx.lastLog()
            guard let pinned, pinned.size > 0 else { return last }
            guard let last, last.seq >= pinned.size else {
                throw VaultError.badData("the vault was rolled back: its log has \(last?.seq ?? 0) entries but this machine saw \(pinned.size); an older copy was put back — restore the current one, or run 'confidant restore' to roll back on purpose")
            }
            var expected = Encoding.base64(AccessEntry.leafHash(try tx.log(seq: pinned.size)?.entry ?? []))
            guard expected == pinned.leafHash else {
                throw VaultError.badData("entry \(pinned.size) is not the one this machine saw: the log was rewritten or replaced")
            }
            var after = pinned.size
            while after < last.seq {
                let rows = try tx.logEntries(after: after, limit: 4096)
                guard !rows.isEmpty else { break }
                for r in rows {
                    let e = try AccessEntry.decode(r.entry)
                    guard r.seq == after + 1, Encoding.base64(e.prevHash) == expected else {
                        throw VaultError.badData("entry \(r.seq) does not chain to the entry before it: the log was rewritten")
                    }
                    expected = Encoding.base64(AccessEntry.leafHash(r.entry))
                    after = r.seq
                }
            }
            return last
        }
        if let tail {
            if pinned == nil {
                reset(State(vaultID: Encoding.hex(meta.vaultID), rootKey: rootKey, size: tail.seq,
                            leafHash: Encoding.base64(AccessEntry.leafHash(tail.entry))))
            } else {
                advance(size: tail.seq, leafHash: AccessEntry.leafHash(tail.entry))
            }
        }
        return tail
    }
}
