import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

/// What an attacker review of enrolment and removal found, each now refused.
@Suite("enrolment and removal safety")
struct EnrolmentSafetyTests {
    private static func secret(_ s: String) throws -> SecretBytes { try SecretBytes(copying: Array(s.utf8)) }

    @Test("a session unlocked before its user was removed signs nothing afterwards (77), and the vault keeps working")
    func staleSessionSignsNothing() throws {
        let (dir, path, _, admin) = try KeyGenerationTests.adminVault()
        defer { withExtendedLifetime(dir) {} }
        try admin.addEnrolledUser(name: "rivera", roles: [.therapist], passphrase: "passphrase-rivera")
        try admin.addEnrolledUser(name: "chen", roles: [.therapist], passphrase: "passphrase-chen")
        let vault = try Vault.open(path: path)
        let rivera = try vault.unlock(user: "rivera", passphrase: try Self.secret("passphrase-rivera"))  // e.g. its agent
        _ = try admin.removeUser("rivera")
        let entriesBefore = try VaultFile.logRows(path).count
        #expect(throws: VaultError.self) { _ = try rivera.listClients() }
        do { _ = try rivera.listClients() } catch let e as VaultError {
            #expect(e.kind == .notPermitted)
            #expect(e.message == "the keys 'rivera' unlocked with were replaced or removed since; unlock again")
        }
        #expect(try VaultFile.logRows(path).count == entriesBefore)  // nothing signed with the removed key
        let chen = try Vault.open(path: path).unlock(user: "chen", passphrase: try Self.secret("passphrase-chen"))
        #expect(try chen.listClients().isEmpty)
        #expect(try admin.verifyLog().size > 0)
    }

    @Test("an admin cannot reset itself (77); a pending therapist cannot be put on a new client's care team (77)")
    func selfResetAndPendingTeam() throws {
        let (dir, path, _, admin) = try KeyGenerationTests.adminVault()
        defer { withExtendedLifetime(dir) {} }
        try admin.useRecoveryKey(path: dir.file("rk"))
        do { _ = try admin.resetUser("admin"); Issue.record("self-reset was allowed") } catch {
            #expect(error.kind == .notPermitted)
        }
        try admin.addEnrolledUser(name: "rivera", roles: [.therapist], passphrase: "passphrase-rivera")
        _ = try admin.addUser(name: "dana", roles: [.therapist])
        let rivera = try Vault.open(path: path).unlock(user: "rivera", passphrase: try Self.secret("passphrase-rivera"))
        do { _ = try rivera.addClient(profile: ClientProfile(name: "J", dateOfBirth: nil, contact: nil), therapist: "dana"); Issue.record("allowed") } catch {
            #expect(error.kind == .notPermitted)
        }
    }

    @Test("the code of a removed admin's pending user no longer enrols it (77)")
    func removedIssuer() throws {
        let (dir, path, _, admin) = try KeyGenerationTests.adminVault()
        defer { withExtendedLifetime(dir) {} }
        try admin.addEnrolledUser(name: "ops", roles: [.admin], passphrase: "passphrase-ops")
        let ops = try Vault.open(path: path).unlock(user: "ops", passphrase: try Self.secret("passphrase-ops"))
        let issued = try ops.addUser(name: "newhire", roles: [.therapist])
        _ = try admin.removeUser("ops")
        let vault = try Vault.open(path: path)
        let pass = try Self.secret("passphrase-new")
        do { _ = try vault.enrol(user: "newhire", code: issued.code, passphrase: pass); Issue.record("enrolled") } catch {
            #expect(error.kind == .notPermitted)
            #expect(error.message.contains("was removed; ask another admin for a new one"))
        }
    }

    @Test("an exception added by an admin later removed stays valid; the removed user's entries still verify")
    func removedAuthorKeepsStanding() throws {
        let (dir, path, _, admin) = try KeyGenerationTests.adminVault()
        defer { withExtendedLifetime(dir) {} }
        try admin.addEnrolledUser(name: "ops", roles: [.admin], passphrase: "passphrase-ops")
        let ops = try Vault.open(path: path).unlock(user: "ops", passphrase: try Self.secret("passphrase-ops"))
        _ = try ops.addException(code: "state-duty", meaning: "A duty under state law", basis: "State code 1", kind: .required)
        _ = try admin.removeUser("ops")
        #expect(try admin.listExceptions().map(\.code).contains("state-duty"))
        #expect(try admin.verifyLog().size > 0)
    }
}
