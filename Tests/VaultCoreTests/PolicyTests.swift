import Foundation
import Testing
import VaultCrypto
import VaultTestSupport
@testable import VaultCore
import VaultStoreSQLite

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

    /// The role matrix, written out independently of ``ActionRolePolicy``: every action the
    /// vault logs, and the roles of which one must be held for it to succeed (nil: any user, or
    /// done on behalf of others).
    static let matrix: [String: Set<Role>?] = [
        "review.close": [.compliance], "disclosure.cosign": [.compliance], "client.purge.approve": [.compliance], "vault.restore.approve": [.compliance],
        "user.add": [.admin], "user.reset": [.admin], "user.remove": [.admin], "settings.set": [.admin], "vault.backup": [.admin], "vault.restore": [.admin], "vault.migrate": [.admin],
        "key.rotate.recovery": [.admin], "key.rotate.all.start": [.admin], "client.purge": [.admin],
        "note.add": [.therapist], "note.add.batch": [.therapist], "disclosure.add": [.therapist], "agreement.add": [.therapist],
        "emergency.request": [.therapist], "authorization.add": [.therapist], "authorization.revoke": [.therapist], "disclosure.suspend": [.therapist],
        "careteam.grant": [.therapist, .admin], "careteam.revoke": [.therapist, .admin], "emergency.approve": [.therapist, .admin],
        "agreement.acknowledge": [.client, .representative],
        "representative.add": [.therapist, .admin], "representative.block": [.therapist, .admin], "representative.list": [.therapist, .admin],
        "export.extend": [.therapist], "export.deny": [.therapist], "export.review-denial": [.therapist],
        "note.amend": [.therapist], "amendment.extend": [.therapist], "amendment.decide": [.therapist], "amendment.rebut": [.therapist],
        "amendment.request": [.client, .representative, .therapist, .admin], "amendment.disagree": [.client, .representative, .therapist, .admin],
        "amendment.show": [.client, .representative, .therapist, .admin],
        "accounting.request": [.client, .representative, .therapist, .admin], "accounting.extend": [.therapist],
        "accounting.fulfill": [.therapist], "accounting.fulfilled": [.therapist], "accounting.list": nil,
        "agreement.list": nil, "agreement.show": nil, "authorization.list": nil, "client.find": nil, "client.add": nil, "client.list": nil,
        "client.show": nil, "disclosure.accounting": nil, "emergency.list": nil, "exception.add": nil, "exception.list": nil,
        "export.fulfill": nil, "export.fulfilled": nil, "export.request": nil, "export.requests": nil, "key.exposure": nil,
        "key.rotate": nil, "key.rotate.all.finish": nil, "key.rotate.batch": nil, "key.rotate.finish": nil, "key.rotate.self": nil,
        "key.rotate.start": nil, "key.status": nil, "log.checkpoint": nil, "log.export": nil, "log.review": nil, "log.show": nil,
        "log.verify": nil, "note.list": nil, "note.open": nil, "recovery.use": nil, "session.unlock": nil, "settings.show": nil,
        "user.list": nil, "user.passwd": nil, "user.enrol": nil, "vault.init": nil, "vault.restore.check": nil,
    ]

    /// Every set of roles, the empty one included (16).
    static let allRoleSets: [Set<Role>] = (0..<(1 << Role.allCases.count)).map { mask in
        Set(Role.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
    }

    @Test("action roles: every cell of the matrix (each action x each of the 16 role sets x success or refusal)")
    func actionRoles() {
        for (action, expected) in Self.matrix.sorted(by: { $0.key < $1.key }) {
            #expect(ActionRolePolicy.allowedRoles(action) == expected, "\(action)")
            for roles in Self.allRoleSets {
                let refused = ActionRolePolicy.refusal(action: action, outcome: "success", roles: roles) != nil
                #expect(refused == (expected.map { roles.isDisjoint(with: $0) } ?? false), "\(action) \(roles)")
                #expect(ActionRolePolicy.refusal(action: action, outcome: "denied", roles: roles) == nil)
            }
        }
    }

    @Test("the matrix names every action the sources log")
    func matrixIsComplete() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.appendingPathComponent("Sources/VaultCore").path))
        var actions = Set<String>()
        let pattern = try Regex(#"AccessIntent\(action: "([a-z.]+)""#)
        for case let f as String in enumerator where f.hasSuffix(".swift") {
            let text = try String(contentsOfFile: root.appendingPathComponent("Sources/VaultCore/\(f)").path, encoding: .utf8)
            for m in text.matches(of: pattern) { if let s = m.output[1].substring { actions.insert(String(s)) } }
        }
        #expect(actions.count > 40)
        #expect(actions.subtracting(Self.matrix.keys) == [])
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
        _ = try admin.addEnrolledUser(name: "rivera", roles: [.therapist], passphrase: "passphrase-rivera")
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
