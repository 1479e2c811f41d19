import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore

/// Pure policy: every cell of the closure and action-role rules.
@Suite("policy")
struct PolicyTests {
    static let roleSets: [Set<Role>] = [[], [.admin], [.therapist], [.compliance], [.client], [.admin, .therapist],
                                        [.therapist, .compliance], [.admin, .therapist, .compliance]]

    @Test("review closure: compliance only; never one's own item unless the vault has a single staff user", arguments: roleSets)
    func closure(_ roles: Set<Role>) {
        for staff in [1, 2, 5] {
            for own in [false, true] {
                let d = ReviewClosurePolicy.decide(closer: "u", closerRoles: roles, itemActor: own ? "u" : "other", staffCount: staff)
                if !roles.contains(.compliance) {
                    #expect(d == .refused("closing a review item needs the compliance role"))
                } else if !own {
                    #expect(d == .allowed(selfReviewed: false))
                } else if staff <= 1 {
                    #expect(d == .allowed(selfReviewed: true))
                } else {
                    #expect(d == .refused("user 'u' is the actor of this item; another compliance user must review it"))
                }
            }
        }
    }

    @Test("action roles: a successful entry needs one of the listed roles; refusals and unlisted actions are not checked",
          arguments: ["review.close", "user.add", "settings.set", "note.add", "disclosure.add", "careteam.grant",
                      "emergency.approve", "agreement.acknowledge", "note.open", "log.show"])
    func actionRoles(_ action: String) {
        let expected: Set<Role>? = switch action {
        case "review.close": [.compliance]
        case "user.add", "settings.set": [.admin]
        case "note.add", "disclosure.add": [.therapist]
        case "careteam.grant", "emergency.approve": [.therapist, .admin]
        case "agreement.acknowledge": [.client]
        default: nil
        }
        #expect(ActionRolePolicy.allowedRoles(action) == expected)
        for roles in Self.roleSets {
            let refused = ActionRolePolicy.refusal(action: action, outcome: "success", roles: roles) != nil
            #expect(refused == (expected.map { roles.isDisjoint(with: $0) } ?? false), "\(action) \(roles)")
            #expect(ActionRolePolicy.refusal(action: action, outcome: "denied", roles: roles) == nil)
        }
    }

    @Test("log verify names a review closure signed by a user without the compliance role")
    func closureByTherapistIsNamed() throws {
        let dir = try TempDir()
        let path = dir.file("v")
        let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
        _ = try Vault.create(path: path, practice: "P", admin: "admin", roles: [.admin], passphrase: pass, kdf: .interactive,
                             recoveryOut: dir.file("rk"))
        let vault = try Vault.open(path: path)
        let admin = try vault.unlock(user: "admin", passphrase: pass)
        _ = try admin.addUser(name: "rivera", roles: [.therapist], initialPassphrase: try SecretBytes(copying: Array("passphrase-rivera".utf8)))
        let rivera = try vault.unlock(user: "rivera", passphrase: try SecretBytes(copying: Array("passphrase-rivera".utf8)))
        // rivera signs, with its own key but outside confidant's checks, the closure of an item.
        try vault.store.write { tx in
            try rivera.append(tx, AccessIntent(action: "review.close", recordID: "denied-1", purpose: .operations), .success, "")
        }
        do { _ = try Vault.diagnose(path: path); Issue.record("log verify passed") } catch let e as VaultError {
            #expect(e.kind == .badData)
            #expect(e.message.hasSuffix("by 'rivera': review.close needs the role compliance, which 'rivera' does not hold"), "\(e.message)")
        }
    }

    @Test("state changes: a read-only action or a refusal changes nothing (it may only name a new, empty aggregate)")
    func changeRules() {
        let existing = [(aggregate: "client:c1", rows: 3, isNew: false)]
        let fresh = [(aggregate: "client:c9", rows: 0, isNew: true)]
        #expect(ActionRolePolicy.changeRefusal(action: "note.add", outcome: "success", changed: existing) == nil)
        #expect(ActionRolePolicy.changeRefusal(action: "client.list", outcome: "success", changed: existing)
                == "client.list only reads, but changes client:c1")
        #expect(ActionRolePolicy.changeRefusal(action: "note.add", outcome: "denied", changed: existing) == "a denied note.add changes client:c1")
        #expect(ActionRolePolicy.changeRefusal(action: "note.list", outcome: "not-found", changed: fresh) == nil)
        #expect(ActionRolePolicy.changeRefusal(action: "client.list", outcome: "success", changed: fresh) == nil)
    }

    @Test("a state change signed under a read-only action is refused at open (65) and named by log verify")
    func changeUnderReadOnlyAction() throws {
        let dir = try TempDir()
        let path = dir.file("v")
        let pass = try SecretBytes(copying: Array("passphrase-admin".utf8))
        _ = try Vault.create(path: path, practice: "P", admin: "admin", roles: [.admin, .compliance], passphrase: pass, kdf: .interactive,
                             recoveryOut: dir.file("rk"))
        let vault = try Vault.open(path: path)
        let admin = try vault.unlock(user: "admin", passphrase: pass)
        // A key holder changes a setting and commits it under an entry that says it only read.
        try vault.store.write { tx in
            try tx.setSetting("review.bulk-threshold", "999")
            try admin.append(tx, AccessIntent(action: "settings.show"), .success, "")
        }
        do { _ = try Vault.open(path: path); Issue.record("opened") } catch let e as VaultError {
            #expect(e.kind == .badData)
            #expect(e.message.contains("states a change its action cannot make (settings.show only reads, but changes settings)"), "\(e.message)")
        }
        do { _ = try Vault.diagnose(path: path); Issue.record("log verify passed") } catch let e as VaultError {
            #expect(e.message.contains("settings.show only reads, but changes settings — a state change its action cannot make"), "\(e.message)")
        }
    }
}
