import Foundation
import GRDB
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

// MARK: 1. revocation

@Suite("key lifecycle: revocation")
struct KeyLifecycleRevocationTests {
    @Test("a revoked user's kept data keys and box key open nothing written after the revoke, and old notes were re-encrypted away from them")
    func revokedUserKeepsNothingUseful() throws {
        let s = try RevocationScenario()
        #expect(s.chenOpenedBefore.0 == 0)
        #expect(s.chenOpenedBefore.1 == s.oldNotes[0].text)
        // Before the revoke chen held exactly the care key, version 1.
        #expect(s.kept.dataKeys.map(\.scope) == [.care])
        #expect(s.kept.dataKeys.map(\.version) == [1])
        #expect(s.kept.dataKeys.allSatisfy { $0.secret.count == 32 })
        #expect(s.kept.boxSecretKey.count == 32)
        // Sanity: the kept secret really opened the old notes while they were under version 1.
        #expect(s.keptOpenedOldBefore)
        #expect(s.revokeExit == 0, "\(s.revokeStderr)")

        // Through the CLI: chen is refused the new note and the old ones.
        #expect(try s.p.klOpen(s.newNote.id, as: "chen").0 == 77)
        #expect(try s.p.klOpen(s.oldNotes[0].id, as: "chen").0 == 77)
        // Rivera still reads everything.
        #expect(try s.p.klOpen(s.newNote.id).1 == s.newNote.text)
        for n in s.oldNotes { #expect(try s.p.klOpen(n.id).1 == n.text) }

        // With the kept material, offline.
        let vault = try TestStore.openVault(s.p.vault)
        let chenOld = try X25519KeyPair(publicKey: s.kept.boxPublicKey, secretKey: try SecretBytes(copying: s.kept.boxSecretKey))
        let (newKey, newWraps, chenWraps, clientKeyIDs): (DataKeyRow, [KeyWrapRow], [KeyWrapRow], Set<Int64>) = try vault.store.read { tx in
            guard let rec = try tx.record(id: s.newNote.id), let key = try tx.dataKey(id: rec.keyID) else {
                throw TestFailure("new note \(s.newNote.id) or its key is missing")
            }
            let ids = Set(try tx.dataKeys(clientID: s.client).map(\.id))
            return (key, try tx.wraps(keyID: key.id), try tx.wraps(recipient: "user:chen"), ids)
        }
        #expect(newKey.scope == .care)
        #expect(newKey.version == 2)
        #expect(!s.kept.dataKeys.contains { $0.id == newKey.id })
        // No wrap of the new version (nor of any key of this client) is addressed to chen …
        #expect(!newWraps.contains { $0.recipient == "user:chen" })
        #expect(chenWraps.filter { clientKeyIDs.contains($0.keyID) }.isEmpty)
        // No break-glass wrap either: chen is recorded as revoked from this client.
        #expect(Set(newWraps.map(\.recipient)) == ["recovery", "user:rivera"])
        // … and none of its wraps opens with chen's old box key.
        for w in newWraps {
            #expect((try? SealedBox.openSecret(w.wrapped, keyPair: chenOld)) == nil, "wrap to \(w.recipient) opened with chen's old key")
        }
        // No kept data-key secret decrypts the new note.
        for k in s.kept.dataKeys {
            #expect(try !s.opens(s.newNote.id, withDataKey: k.secret), "kept key v\(k.version) opened the new note")
        }

        // The old notes were re-encrypted under the new version and version 1 destroyed …
        let care = try #require(try s.p.klScope("rivera", client: s.client, "care"))
        #expect(care.currentVersion == 2)
        #expect(care.pendingReEncryption == 0)
        #expect(care.destroyedVersions.contains(1))
        #expect(care.recordsByVersion == ["2": 4])  // profile, two old notes, the new note
        // … so the kept version-1 secret no longer opens them either.
        for n in s.oldNotes {
            for k in s.kept.dataKeys {
                #expect(try !s.opens(n.id, withDataKey: k.secret), "kept key v\(k.version) still opens old note \(n.id)")
            }
        }
        #expect(try s.p.klVerify().exitCode == 0)
    }

    /// docs/operations.md ("Revocation"): notes written after the revocation cannot be opened
    /// with anything the revoked user ever held — including every vault-level key it could
    /// unwrap. (Break-glass wraps are per therapist, and a revoked therapist gets none of any
    /// later version; an earlier design with one shared break-glass key failed this test.)
    @Test("nothing a revoked therapist ever held (including vault-level keys it could unwrap) opens a note written after the revoke")
    func revokedUserVaultKeysOpenNothingNew() throws {
        let s = try RevocationScenario()
        #expect(s.revokeExit == 0, "\(s.revokeStderr)")
        let vault = try TestStore.openVault(s.p.vault)
        // Every X25519 key pair chen could reconstruct from what it kept: its own box key, and
        // every vault-level X25519 key it could unwrap (the break-glass key is wrapped to every
        // therapist).
        var pairs: [(String, X25519KeyPair)] = [("chen box key", try X25519KeyPair(publicKey: s.kept.boxPublicKey,
                                                                                    secretKey: try SecretBytes(copying: s.kept.boxSecretKey)))]
        for k in s.kept.vaultKeys where k.scope == .audit {
            pairs.append(("\(k.scope.rawValue) key", try X25519KeyPair(secretKey: try SecretBytes(copying: k.secret))))
        }
        let wraps = try vault.store.read { tx -> [KeyWrapRow] in
            guard let rec = try tx.record(id: s.newNote.id) else { throw TestFailure("no new note") }
            return try tx.wraps(keyID: rec.keyID)
        }
        var openedBy: [String] = []
        for (name, pair) in pairs {
            for w in wraps {
                guard let secret = try? SealedBox.openSecret(w.wrapped, keyPair: pair) else { continue }
                if try s.opens(s.newNote.id, withDataKey: secret.withUnsafeBytes { klBytes($0) }) {
                    openedBy.append("\(name) via the '\(w.recipient)' wrap")
                }
            }
        }
        #expect(openedBy.isEmpty, "the revoked user's kept material decrypts the new note: \(openedBy)")
    }
}
