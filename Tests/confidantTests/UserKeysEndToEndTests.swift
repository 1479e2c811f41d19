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

// MARK: 6–8. recovery, self and reset

@Suite("key lifecycle: recovery, self rotation, user reset")
struct KeyLifecycleUserKeyTests {
    @Test("key rotate --recovery writes a new 0600 recovery key; the old one is refused, the new one works")
    func recoveryRotation() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Recovery Client")
        let text = "progress: recovery rotation"
        let note = try p.addNote(c, text)
        _ = try p.addNote(c, "psychotherapy: rivera's own", kind: "psychotherapy")
        let rk2 = p.dir.file("recovery-2.key")

        let missing = try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", p.recoveryKey])
        #expect(missing.exitCode == 64)
        #expect(!FileManager.default.fileExists(atPath: rk2))

        let oldKey = try String(contentsOfFile: p.recoveryKey, encoding: .utf8)
        let r = try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", p.recoveryKey, "--recovery-out", rk2])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(klMode(rk2) == 0o600)
        let newKey = try String(contentsOfFile: rk2, encoding: .utf8)
        #expect(newKey.hasPrefix("confidant-recovery-key-v1\n"))
        #expect(newKey != oldKey)
        // Writing the new key over an existing file is refused.
        #expect(try p.run("admin", ["key", "rotate", "--recovery", "--recovery-key", rk2, "--recovery-out", rk2]).exitCode == 73)

        let stale = try p.run("admin", ["careteam", "grant", c, "chen", "--recovery-key", p.recoveryKey])
        #expect(stale.exitCode == 77)
        #expect(try p.klOpen(note, as: "chen").0 == 77)
        let fresh = try p.run("admin", ["careteam", "grant", c, "chen", "--recovery-key", rk2])
        #expect(fresh.exitCode == 0, "\(fresh.stderr)")
        #expect(try p.klOpen(note, as: "chen").1 == text)
        // The new recovery key reaches every client key (care and psychotherapy).
        let rotate = try p.run("admin", ["--json", "key", "rotate", "--client", c, "--recovery-key", rk2])
        #expect(rotate.exitCode == 0, "\(rotate.stderr)")
        #expect(klObject(rotate)["keysRotated"] as? Int == 2)
        #expect(try p.run("admin", ["key", "rotate", "--all-clients", "--recovery-key", p.recoveryKey]).exitCode == 77)
        #expect(try p.run("admin", ["user", "list"]).exitCode == 0)
        #expect(try p.klVerify().exitCode == 0)
    }

    @Test("key rotate --self gives new key pairs; every note still opens and earlier signed entries still verify")
    func selfRotation() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Self Client")
        let t1 = "progress: self rotation", t2 = "psychotherapy: self rotation, sealed to rivera"
        let n1 = try p.addNote(c, t1), n2 = try p.addNote(c, t2, kind: "psychotherapy")
        let c2 = try p.addClient(name: "Self Client Two")
        let t3 = "progress: second client"
        let n3 = try p.addNote(c2, t3)
        func fingerprints() throws -> [String: String] {
            let r = try p.run("admin", ["--json", "user", "list"])
            return Dictionary(uniqueKeysWithValues: klArray(r).compactMap { u in
                (u["name"] as? String).flatMap { n in (u["fingerprint"] as? String).map { (n, $0) } }
            })
        }
        let before = try fingerprints()
        let boxBefore = try VaultFile.string(p.vault, "SELECT \(VaultFile.hex("box_pk", p.vault)) FROM users WHERE name = 'rivera'")

        let r = try p.run("rivera", ["--json", "key", "rotate", "--self"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let after = try fingerprints()
        #expect(after["rivera"] != nil)
        #expect(after["rivera"] != before["rivera"])
        #expect(klObject(r)["fingerprint"] as? String == after["rivera"])
        for u in ["admin", "chen", "morgan"] { #expect(after[u] == before[u]) }
        let boxAfter = try VaultFile.string(p.vault, "SELECT \(VaultFile.hex("box_pk", p.vault)) FROM users WHERE name = 'rivera'")
        #expect(boxAfter != boxBefore)

        #expect(try p.klOpen(n1).1 == t1)
        #expect(try p.klOpen(n2).1 == t2)
        #expect(try p.klOpen(n3).1 == t3)
        #expect(try p.addNote(c, "progress: after self rotation").isEmpty == false)
        #expect(try p.klVerify().exitCode == 0)
    }

    @Test("user reset hands a user's keys to new key pairs under a new passphrase; the old passphrase is refused")
    func userReset() throws {
        let p = try TestPractice()
        let c = try p.addClient(name: "Reset Client")
        let text = "progress: chen may read this"
        let note = try p.addNote(c, text)
        let other = try p.addClient(name: "Not Chen's")
        let otherNote = try p.addNote(other, "progress: not for chen")
        _ = try p.ok("rivera", ["careteam", "grant", c, "chen"])
        #expect(try p.klOpen(note, as: "chen").1 == text)
        let newPass = try p.dir.write("pass-chen-new", "chen brand new passphrase\n")

        let noRecovery = try p.run("admin", ["user", "reset", "chen"])
        #expect(noRecovery.exitCode == 64)
        #expect(try p.klOpen(note, as: "chen").1 == text)  // nothing changed

        let code = p.dir.file("code-chen-reset")
        let notAdmin = try p.run("rivera", ["user", "reset", "chen", "--code-file", code, "--recovery-key", p.recoveryKey])
        #expect(notAdmin.exitCode == 77)
        #expect(!FileManager.default.fileExists(atPath: code))  // created before, removed on the refusal

        let reset = try p.run("admin", ["user", "reset", "chen", "--code-file", code, "--recovery-key", p.recoveryKey])
        #expect(reset.exitCode == 0, "\(reset.stderr)")
        #expect(try p.klOpen(note, as: "chen", passphraseFile: newPass).0 == 77)  // not enrolled again yet
        let enrol = try CLI.run(["user", "enrol", "chen", "--code-file", code, "--vault", p.vault, "--passphrase-file", newPass], env: p.env)
        #expect(enrol.exitCode == 0, "\(enrol.stderr)")
        #expect(try p.klOpen(note, as: "chen", passphraseFile: newPass).1 == text)
        #expect(try p.klOpen(otherNote, as: "chen", passphraseFile: newPass).0 == 77)
        #expect(try p.klOpen(note, as: "chen").0 == 77)  // old passphrase
        #expect(try p.klRun("chen", ["note", "add", c], passphraseFile: newPass, stdin: Data("progress: chen after reset".utf8)).exitCode == 0)
        #expect(try p.klVerify().exitCode == 0)
    }
}
