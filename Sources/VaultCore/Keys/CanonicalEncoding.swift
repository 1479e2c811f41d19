import Foundation

/// Unambiguous byte encoding for anything that is signed, hashed or bound as associated data.
///
/// Every field is written as a 4-byte big-endian length followed by its bytes; integers are
/// 8-byte big-endian. A domain-separation label starts every encoding, so bytes made for one
/// purpose (a certificate) can never be mistaken for another (a log entry).
struct CanonicalEncoder {
    private(set) var bytes: [UInt8] = []

    init(label: String) { append(label) }

    mutating func append(_ field: [UInt8]) {
        let n = UInt32(truncatingIfNeeded: field.count)
        bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        bytes += field
    }

    mutating func append(_ field: String) { append(Array(field.utf8)) }

    mutating func append(_ value: Int64) {
        let u = UInt64(bitPattern: value)
        append((0..<8).reversed().map { UInt8(truncatingIfNeeded: u >> (UInt64($0) * 8)) })
    }

    mutating func append(_ value: Int) { append(Int64(value)) }
}

/// Reads what ``CanonicalEncoder`` wrote, field by field, checking the label first.
struct CanonicalDecoder {
    private let bytes: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8], label: String) throws {
        self.bytes = bytes
        guard try string() == label else { throw VaultError.badData("malformed \(label) bytes") }
    }

    var atEnd: Bool { i == bytes.count }

    mutating func field() throws -> [UInt8] {
        guard i + 4 <= bytes.count else { throw VaultError.badData("malformed signed bytes (truncated)") }
        let n = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        i += 4
        guard n <= bytes.count - i else { throw VaultError.badData("malformed signed bytes (truncated)") }
        defer { i += n }
        return Array(bytes[i..<(i + n)])
    }

    mutating func string() throws -> String {
        let f = try field()
        guard let s = String(bytes: f, encoding: .utf8) else { throw VaultError.badData("malformed signed bytes (text is not UTF-8)") }
        return s
    }

    mutating func int() throws -> Int64 {
        let f = try field()
        guard f.count == 8 else { throw VaultError.badData("malformed signed bytes (integer)") }
        return Int64(bitPattern: f.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    /// A count of following items, bounded by what the bytes can hold.
    mutating func count() throws -> Int {
        let n = try int()
        guard n >= 0, n <= Int64(bytes.count - i) else { throw VaultError.badData("malformed signed bytes (count)") }
        return Int(n)
    }
}

/// The associated data bound into every record ciphertext : vault id, client id,
/// record id, record kind, key version and format version. Moving a ciphertext to another row,
/// client, kind or key version makes it fail to open.
public enum AssociatedData {
    public static func forRecord(vaultID: [UInt8], clientID: String, recordID: String, kind: RecordKind,
                                 keyVersion: Int, formatVersion: Int) -> [UInt8] {
        forRecord(vaultID: vaultID, clientID: clientID, recordID: recordID, kind: kind, keyVersion: keyVersion,
                  formatVersion: formatVersion, subkind: "", author: "", createdAt: 0, sequence: 1)
    }

    /// The full binding: the record's identity fields plus the row metadata shown to users (agreement kind,
    /// author, time written, agreement version), so none of it can be edited undetected.
    public static func forRecord(vaultID: [UInt8], clientID: String, recordID: String, kind: RecordKind,
                                 keyVersion: Int, formatVersion: Int, subkind: String, author: String,
                                 createdAt: Int64, sequence: Int) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/record/v1")
        e.append(vaultID)
        e.append(clientID)
        e.append(recordID)
        e.append(kind.rawValue)
        e.append(keyVersion)
        e.append(formatVersion)
        e.append(subkind)
        e.append(author)
        e.append(createdAt)
        e.append(sequence)
        return e.bytes
    }

    static func forRecord(vaultID: [UInt8], row: RecordRow) -> [UInt8] {
        forRecord(vaultID: vaultID, clientID: row.clientID, recordID: row.id, kind: row.kind, keyVersion: row.keyVersion,
                  formatVersion: row.formatVersion, subkind: row.subkind, author: row.author, createdAt: row.createdAt,
                  sequence: row.sequence)
    }

    /// Associated data for a user's passphrase-sealed secret keys.
    static func forUserSecrets(vaultID: [UInt8], user: String) -> [UInt8] {
        var e = CanonicalEncoder(label: "confidant/user-secrets/v1")
        e.append(vaultID)
        e.append(user)
        return e.bytes
    }
}
