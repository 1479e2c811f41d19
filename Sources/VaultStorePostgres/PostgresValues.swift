import Foundation
import NIOCore
import PostgresNIO
import VaultCore

/// A column value as the store reads and writes it: the vault's schema has only `bigint`,
/// `text` and `bytea` columns (SQLite's INTEGER, TEXT and BLOB).
enum PGValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case bytes([UInt8])
}

/// A Swift value that binds to a statement parameter.
protocol PGArg { var pgValue: PGValue { get } }
extension Int: PGArg { var pgValue: PGValue { .int(Int64(self)) } }
extension Int64: PGArg { var pgValue: PGValue { .int(self) } }
extension UInt64: PGArg { var pgValue: PGValue { .int(Int64(clamping: self)) } }
extension String: PGArg { var pgValue: PGValue { .text(self) } }
extension Array: PGArg where Element == UInt8 { var pgValue: PGValue { .bytes(self) } }
extension Bool: PGArg { var pgValue: PGValue { .int(self ? 1 : 0) } }
extension PGValue: PGArg { var pgValue: PGValue { self } }

extension PGValue {
    static func bindings(_ args: [any PGArg]) -> PostgresBindings {
        var b = PostgresBindings(capacity: args.count)
        for a in args {
            switch a.pgValue {
            case .null: b.appendNull()
            case .int(let v): b.append(v)
            case .text(let s): b.append(s)
            case .bytes(let d): b.append(ByteBuffer(bytes: d))
            }
        }
        return b
    }

    /// The value of one cell; nil for a column type the vault's schema never has.
    init?(cell: PostgresCell) {
        guard var buffer = cell.bytes else { self = .null; return }
        switch cell.dataType {
        case .int8, .int4, .int2:
            guard let v = try? cell.decode(Int64.self) else { return nil }
            self = .int(v)
        case .bool:
            guard let v = try? cell.decode(Bool.self) else { return nil }
            self = .int(v ? 1 : 0)
        case .text, .varchar, .name, .bpchar:
            guard let s = buffer.readString(length: buffer.readableBytes) else { return nil }
            self = .text(s)
        case .bytea:
            self = .bytes(buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .char:
            self = .text(buffer.readString(length: buffer.readableBytes) ?? "")
        default:
            return nil
        }
    }
}

/// One result row: its columns in order, readable by name.
struct PGRow {
    let names: [String]
    let values: [PGValue]

    init(_ row: PostgresRow) throws {
        var names: [String] = [], values: [PGValue] = []
        for cell in row {
            guard let v = PGValue(cell: cell) else {
                throw VaultError(.badData, "the vault database holds a value of an unexpected type in column '\(cell.columnName)'; restore it from a backup")
            }
            names.append(cell.columnName)
            values.append(v)
        }
        self.names = names
        self.values = values
    }

    func value(_ column: String) throws -> PGValue {
        guard let i = names.firstIndex(of: column) else {
            throw VaultError(.badData, "the vault database lacks column '\(column)'; restore it from a backup")
        }
        return values[i]
    }

    private func malformed(_ column: String) -> VaultError {
        VaultError(.badData, "the vault database holds a malformed value in column '\(column)'; restore it from a backup")
    }

    func int(_ column: String) throws -> Int64 {
        guard case .int(let v) = try value(column) else { throw malformed(column) }
        return v
    }

    func int(_ column: String) throws -> Int {
        let v: Int64 = try int(column)
        return Int(v)
    }

    func text(_ column: String) throws -> String {
        guard case .text(let s) = try value(column) else { throw malformed(column) }
        return s
    }

    /// A blob column; NULL reads as empty, as in the SQLite store.
    func bytes(_ column: String) throws -> [UInt8] {
        switch try value(column) {
        case .bytes(let d): return d
        case .null: return []
        default: throw malformed(column)
        }
    }
}

enum PGSQL {
    /// `?` placeholders (the SQLite store's) as PostgreSQL's `$1`, `$2`, …; quoted text is kept.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.count + 16)
        var n = 0
        var quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
