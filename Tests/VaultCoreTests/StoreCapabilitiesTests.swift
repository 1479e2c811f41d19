import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// An SQLite vault file behind a store that declares only `declared`: a backend that can do
/// less, for the refusals of the operations that need more.
private final class LimitedStore: VaultStore, @unchecked Sendable {
    let inner: any VaultStore
    let capabilities: StoreCapabilities

    init(_ inner: any VaultStore, declared: StoreCapabilities) {
        self.inner = inner
        self.capabilities = declared
    }

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try inner.read(body) }
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try inner.write(body) }
}

/// Backup, restore, compaction and erasure are what a store declares, not which store it is.
@Suite("store capabilities")
struct StoreCapabilitiesTests {
    static let everything: StoreCapabilities = [.backup, .restore, .compaction, .secureErase, .cryptoShred]

    /// A new vault file with one admin (also compliance); the folder is kept alive by the caller.
    static func vaultFile() throws -> (TempDir, String, SecretBytes) {
        let dir = try TempDir()
        let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
        _ = try Vault.create(path: dir.file("v"), practice: "P", admin: "admin", roles: [.admin, .compliance], passphrase: pass,
                             kdf: .interactive, recoveryOut: dir.file("rk"))
        return (dir, dir.file("v"), pass)
    }

    @Test("the SQLite store declares every capability, and a vault on it backs up")
    func sqliteDeclaresEverything() throws {
        let (dir, path, pass) = try Self.vaultFile()
        #expect(SQLiteVault.capabilities == Self.everything)
        #expect(try SQLiteVault.open(path: path).capabilities == Self.everything)
        let vault = try Vault.open(path: path)
        #expect(vault.store.capabilities == Self.everything)
        let report = try vault.unlock(user: "admin", passphrase: pass).backup(to: dir.file("b"))
        #expect(report.file == dir.file("b"))
        #expect(FileManager.default.fileExists(atPath: dir.file("b")))
    }

    @Test("a store without backup, restore or crypto-shred refuses backup, restore and purge (64) and changes nothing")
    func limitedStoreRefuses() throws {
        let (dir, path, pass) = try Self.vaultFile()
        let limited = LimitedStore(try SQLiteVault.open(path: path), declared: [])
        let vault = try Vault.open(store: limited, name: path)
        #expect(vault.store.capabilities == [])
        let admin = try vault.unlock(user: "admin", passphrase: pass)
        let reason = "nothing was changed (a PostgreSQL vault is copied with 'confidant migrate --to FILE' and backed up with pg_dump)"
        #expect(throws: VaultError(.usage, "this vault's store cannot write a backup; " + reason)) {
            _ = try admin.backup(to: dir.file("b"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("b")))
        #expect(throws: VaultError(.usage, "this vault's store cannot destroy a client's keys and records in one transaction (purge); " + reason)) {
            _ = try admin.purge(clientID: "c0000000", approver: admin, force: true)
        }
        #expect(throws: VaultError(.usage, "this vault's store cannot restore a backup; " + reason)) {
            _ = try admin.restore(from: dir.file("b"), approver: admin)
        }
        // Each refusal appended only its own denied entry.
        let last = try vault.store.read { tx in try tx.logEntries(after: 0, limit: 100).suffix(3).map { "\($0.action) \($0.outcome) \($0.detail)" } }
        #expect(last == ["vault.backup denied usage", "client.purge denied usage", "vault.restore denied usage"])
    }

    @Test("a store that can crypto-shred but not erase purges and reports its storage as not erased")
    func cryptoShredOnly() throws {
        let (dir, path, pass) = try Self.vaultFile()
        defer { withExtendedLifetime(dir) {} }
        let limited = LimitedStore(try SQLiteVault.open(path: path), declared: [.cryptoShred])
        let vault = try Vault.open(store: limited, name: path)
        let admin = try vault.unlock(user: "admin", passphrase: pass)
        // Past the capability check, the next refusal is the approval's (77): the purge reached it.
        #expect(throws: VaultError(.notPermitted, "a purge must be approved by a compliance officer other than yourself (--approved-by)")) {
            _ = try admin.purge(clientID: "c0000000", approver: admin, force: true)
        }
    }
}
