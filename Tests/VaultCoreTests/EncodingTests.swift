import Foundation
import Testing
import VaultCrypto
@testable import VaultCore
import VaultStoreSQLite

@Suite("canonical encodings")
struct CanonicalEncodingTests {
    @Test("length-prefixed fields and big-endian integers, label first")
    func exactBytes() {
        var e = CanonicalEncoder(label: "L")
        e.append("ab")
        e.append(Int64(258))
        #expect(e.bytes == [0, 0, 0, 1, 0x4c, 0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2])
    }

    @Test("moving a boundary between fields changes the encoding")
    func unambiguous() {
        var a = CanonicalEncoder(label: "x"); a.append("ab"); a.append("c")
        var b = CanonicalEncoder(label: "x"); b.append("a"); b.append("bc")
        #expect(a.bytes != b.bytes)
    }

    @Test("record associated data changes with every bound field")
    func associatedDataBindsEverything() {
        let vid = [UInt8](repeating: 1, count: 16)
        let base = AssociatedData.forRecord(vaultID: vid, clientID: "c1", recordID: "n1", kind: .progress, keyVersion: 1, formatVersion: 1)
        let variants = [
            AssociatedData.forRecord(vaultID: [UInt8](repeating: 2, count: 16), clientID: "c1", recordID: "n1", kind: .progress, keyVersion: 1, formatVersion: 1),
            AssociatedData.forRecord(vaultID: vid, clientID: "c2", recordID: "n1", kind: .progress, keyVersion: 1, formatVersion: 1),
            AssociatedData.forRecord(vaultID: vid, clientID: "c1", recordID: "n2", kind: .progress, keyVersion: 1, formatVersion: 1),
            AssociatedData.forRecord(vaultID: vid, clientID: "c1", recordID: "n1", kind: .psychotherapy, keyVersion: 1, formatVersion: 1),
            AssociatedData.forRecord(vaultID: vid, clientID: "c1", recordID: "n1", kind: .progress, keyVersion: 2, formatVersion: 1),
            AssociatedData.forRecord(vaultID: vid, clientID: "c1", recordID: "n1", kind: .progress, keyVersion: 1, formatVersion: 2),
        ]
        #expect(Set(variants.map { Encoding.hex($0) }).count == 6)
        #expect(!variants.contains(base))
    }

    @Test("an access entry's bytes, leaf hash and field order are fixed")
    func accessEntry() throws {
        var e = AccessEntry(seq: 1, time: 1_700_000_000_000, actor: "rivera", roles: "therapist", action: "note.open",
                            clientID: "c1", recordID: "n1", purpose: "TREAT", sealedReason: [], outcome: .success, detail: "")
        e.recordKind = "psychotherapy"
        e.confidentiality = "V"
        let bytes = e.canonicalBytes()
        func fields(_ label: String) -> CanonicalEncoder {
            var expected = CanonicalEncoder(label: label)
            expected.append(Int64(1)); expected.append(Int64(1_700_000_000_000))
            for s in ["rivera", "therapist", "note.open", "c1", "n1", "TREAT"] { expected.append(s) }
            expected.append([UInt8]()); expected.append("success"); expected.append(""); expected.append("")
            // Format 2: the previous leaf hash, the state statement (here: no change) and the map root.
            expected.append([UInt8]())
            var state = CanonicalEncoder(label: "confidant/entry-state/v1")
            state.append(Int64(0))
            expected.append(state.bytes)
            expected.append([UInt8]())
            return expected
        }
        var expected = fields("confidant/access-entry/v3")
        var v2 = fields("confidant/access-entry/v2")
        // Format 3: the record's kind and its confidentiality code.
        expected.append("psychotherapy"); expected.append("V")
        #expect(bytes == expected.bytes)
        #expect(try AccessEntry.decode(bytes) == e)
        // An entry written before format 3 still decodes, with no kind, to the same bytes.
        let old = try AccessEntry.decode(v2.bytes)
        #expect(old.version == 2 && old.recordKind == "" && old.confidentiality == "" && old.canonicalBytes() == v2.bytes)
        v2.append("progress")
        #expect(throws: VaultError.self) { try AccessEntry.decode(v2.bytes) }
        #expect(AccessEntry.leafHash(bytes) == SHA256.hash([0x00] + bytes))
        var denied = e
        denied.outcome = .denied
        #expect(denied.canonicalBytes() != bytes)
    }
}
