import Foundation
import VaultCore
import VaultStoreSQLite

/// The store calls the conformance suite runs, and the transcript of their answers.
enum ConformanceScript {
    static func run(_ store: any VaultStore) throws -> [String] {
        var out: [String] = []
        try store.write { tx in try writeRows(tx) }
        try store.read { tx in out += try readRows(tx) }
        try store.write { tx in try changeRows(tx) }
        try store.read { tx in out += try readRows(tx) }
        try store.write { tx in out += try deleteRows(tx) }
        try store.read { tx in out += try readRows(tx) + digests(tx) }
        return out
    }

    static func state(_ tx: any StoreTransaction) throws -> any StoreTransaction & StateStorage {
        guard let s = tx as? any StoreTransaction & StateStorage else { throw VaultError(.internal, "no state storage") }
        return s
    }

    static func bytes(_ seed: UInt8, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0) } }

    static func user(_ name: String, _ roles: String, seed: UInt8) -> UserRow {
        UserRow(stored: name, roles: roles, boxPublicKey: bytes(seed, 32), signPublicKey: bytes(seed &+ 1, 32), enrolledBy: "ann",
                enrolledAt: 1_000 + Int64(seed), certificate: bytes(seed &+ 2, 64), salt: bytes(seed &+ 3, 16), kdfOps: 3,
                kdfMem: 65_536, sealedSecrets: bytes(seed &+ 4, 80), clientID: "")
    }

    static func record(_ id: String, client: String, key: Int64, kind: RecordKind, at: Int64, audit: [UInt8] = []) -> RecordRow {
        RecordRow(stored: id, clientID: client, kind: kind, subkind: kind == .agreement ? "consent" : "", author: "ann", keyID: key,
                  keyVersion: 1, formatVersion: 2, createdAt: at, sequence: 1, ciphertext: bytes(UInt8(at % 250), 48), auditCopy: audit)
    }

    static func writeLog(_ tx: any StoreTransaction, seqs: ClosedRange<Int64>) throws {
        for seq in seqs {
            try tx.appendLog(LogRow(stored: seq, time: 5_000 + seq, actor: seq == 2 ? "bob" : "ann", roles: "admin", action: seq == 3 ? "note.open" : "note.add",
                                    clientID: seq == 1 ? "" : "c1", recordID: seq == 3 ? "n1" : "", purpose: "TREAT", sealedReason: bytes(UInt8(seq), 8),
                                    outcome: "success", detail: "", flags: "", entry: bytes(UInt8(seq), 40), leafHash: bytes(UInt8(seq) &+ 9, 32),
                                    signer: seq == 3 ? "" : "ann", signature: bytes(UInt8(seq) &+ 7, 64)))
            try tx.insertTreeHead(TreeHeadRow(stored: seq, root: bytes(UInt8(seq), 32), frontier: bytes(UInt8(seq) &+ 1, 32), time: 5_000 + seq))
        }
    }

    static func writeRows(_ tx: any StoreTransaction) throws {
        try tx.insertMeta(VaultMetaRow(stored: bytes(1, 16), formatVersion: 2, practice: "Conformance Practice", createdAt: 1_000, kdfOps: 3,
                                       kdfMem: 65_536, recoveryPublicKey: bytes(2, 32), rootSigningKey: bytes(3, 32), auditKeyID: 1,
                                       logKeyID: 2, settingsSigner: "ann", signature: bytes(4, 64)))
        try tx.insertUser(user("ann", "admin,therapist", seed: 10))
        try tx.insertUser(user("bob", "therapist", seed: 20))
        try tx.insertUser(user("Zed", "compliance", seed: 30))
        try tx.insertClient(ClientRow(stored: "c1", createdAt: 2_000, createdBy: "ann", status: "active", chartHash: bytes(5, 32)))
        try tx.insertClient(ClientRow(stored: "c2", createdAt: 2_000, createdBy: "ann", status: "active", chartHash: []))
        try tx.upsertCareTeam(CareTeamRow(stored: "c1", user: "ann", grantedBy: "ann", grantedAt: 2_001, state: "active"))
        try tx.upsertCareTeam(CareTeamRow(stored: "c1", user: "bob", grantedBy: "ann", grantedAt: 2_002, state: "pending", signature: bytes(6, 64)))
        let audit = try tx.insertDataKey(DataKeyRow(stored: 0, clientID: "", scope: .audit, owner: "", version: 1, state: "current",
                                                    createdAt: 1_000, publicKey: bytes(7, 32), signer: "ann", signature: bytes(8, 64)))
        let care = try tx.insertDataKey(DataKeyRow(stored: 0, clientID: "c1", scope: .care, owner: "", version: 1, state: "current",
                                                   createdAt: 2_000, publicKey: [], signer: "ann", signature: bytes(9, 64)))
        _ = try tx.insertDataKey(DataKeyRow(stored: 0, clientID: "c1", scope: .psychotherapy, owner: "ann", version: 1, state: "current",
                                            createdAt: 2_000, publicKey: []))
        try tx.insertWrap(KeyWrapRow(stored: audit, recipient: "user:ann", wrapped: bytes(10, 72)))
        try tx.insertWrap(KeyWrapRow(stored: care, recipient: "user:ann", wrapped: bytes(11, 72)))
        try tx.insertWrap(KeyWrapRow(stored: care, recipient: "user:bob", wrapped: bytes(12, 72)))
        try tx.insertWrap(KeyWrapRow(stored: care, recipient: "recovery", wrapped: bytes(13, 72)))
        try tx.insertRecord(record("n2", client: "c1", key: care, kind: .progress, at: 3_000))
        try tx.insertRecord(record("n1", client: "c1", key: care, kind: .progress, at: 3_000))
        try tx.insertRecord(record("a1", client: "c1", key: care, kind: .agreement, at: 3_100))
        try tx.insertRecord(record("d1", client: "c1", key: care, kind: .disclosure, at: 3_200, audit: bytes(14, 40)))
        try tx.upsertAcknowledgement(AcknowledgementRow(stored: "a1", user: "bob", time: 3_300, sealedSalt: bytes(15, 40), bodyMAC: bytes(16, 32),
                                                        signature: bytes(17, 64)))
        try tx.insertExportRequest(ExportRequestRow(stored: "r1", clientID: "c1", requestedBy: "bob", requestedAt: 4_000, dueAt: 9_000,
                                                    state: "open", fulfilledAt: 0, fulfilledBy: ""))
        _ = try tx.insertRotationJob(RotationJobRow(stored: 0, clientID: "c1", scope: "care", owner: "", toKeyID: care, state: "running",
                                                    actor: "ann", startedAt: 4_100, finishedAt: 0))
        try tx.insertException(ExceptionRow(stored: "DUTY", meaning: "duty to warn", basis: "state law", kind: "required", mustInform: true,
                                            addedBy: "ann", addedAt: 1_500, signature: bytes(18, 64)))
        try tx.setSetting("emergency.hours", "24")
        try tx.setSetting("disclosure.late-days", "7")
        try writeLog(tx, seqs: 1...3)
        let s = try state(tx)
        try s.upsertStateHead(StateHeadRow(stored: "client:c1", seq: 2, digest: bytes(19, 32)))
        try s.upsertStateHead(StateHeadRow(stored: "users", seq: 1, digest: bytes(20, 32)))
        try s.setStateNode(level: 0, index: 5, hash: bytes(21, 32))
        try s.setStateNode(level: 1, index: 2, hash: bytes(22, 32))
    }

    static func changeRows(_ tx: any StoreTransaction) throws {
        try tx.updateMeta(recoveryPublicKey: bytes(30, 32), settingsSigner: "ann", signature: bytes(31, 64))
        try tx.insertUserHistory(user("bob", "therapist", seed: 20), generation: 1, replacedAt: 6_000)
        try tx.replaceUser(user("bob", "therapist,compliance", seed: 40))
        try tx.updateUserSecrets(name: "ann", salt: bytes(32, 16), kdfOps: 4, kdfMem: 131_072, sealedSecrets: bytes(33, 80))
        try tx.upsertCareTeam(CareTeamRow(stored: "c1", user: "bob", grantedBy: "ann", grantedAt: 6_001, state: "active"))
        try tx.setDataKeyState(id: 2, state: "retired")
        try tx.insertWrap(KeyWrapRow(stored: 2, recipient: "user:bob", wrapped: bytes(34, 72)))
        try tx.updateRecordKey(id: "n1", keyID: 3, keyVersion: 2, ciphertext: bytes(35, 48))
        try tx.fulfilExportRequest(id: "r1", at: 6_100, by: "bob")
        try tx.updateExportRequest(ExportRequestRow(stored: "r1", clientID: "c1", requestedBy: "bob", requestedAt: 4_000, dueAt: 9_500,
                                                    state: "extended", fulfilledAt: 0, fulfilledBy: ""))
        try tx.finishRotationJob(id: 1, at: 6_200)
        try tx.updateExceptionSignature(code: "DUTY", signature: bytes(36, 64))
        try tx.upsertAcknowledgement(AcknowledgementRow(stored: "a1", user: "bob", time: 6_300, sealedSalt: bytes(37, 40), bodyMAC: bytes(38, 32),
                                                        signature: bytes(39, 64)))
        try tx.setSetting("emergency.hours", "12")
        try tx.deleteCareTeam(clientID: "c1", user: "ann")
        let s = try state(tx)
        try s.upsertStateHead(StateHeadRow(stored: "client:c1", seq: 3, digest: bytes(40, 32)))
        try s.setStateNode(level: 0, index: 5, hash: [UInt8](repeating: 0, count: 32))
    }

    static func deleteRows(_ tx: any StoreTransaction) throws -> [String] {
        let wraps = try tx.deleteWraps(clientID: "c1", recipient: "user:bob")
        try tx.deleteWraps(keyID: 1)
        let records = try tx.deleteRecords(clientID: "c1")
        try tx.deleteClientData(clientID: "c1")
        return ["deleted wraps \(wraps)", "deleted records \(records)"]
    }
}
