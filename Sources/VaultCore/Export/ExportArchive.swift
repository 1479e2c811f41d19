import Foundation
import ZIPFoundation

/// A decrypted export archive, read entry by entry with ZIPFoundation's `Archive`; it is never
/// unpacked as a whole (no `unzipItem`).
///
/// Opening it refuses, before any content is read: links, devices and every other entry that
/// is not a regular file or the `notes/` folder; absolute paths; `..` components; names the
/// format does not define; duplicate names; encrypted entries and compression other than
/// STORE and DEFLATE.
final class ExportArchive {
    struct File {
        let name: String
        let entry: Entry
    }

    /// The regular files, in archive order.
    let files: [File]
    private let archive: Archive

    init(path: String) throws {
        let records = try ZipDirectoryScanner.scan(path: path)
        let names = try Self.checkLayout(records)
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw VaultError.badData("the export's archive is damaged (\(error))")
        }
        let entries = Array(archive)
        guard entries.map(\.path) == names else {
            throw VaultError.badData("the export's archive is damaged: its directory does not read the same twice")
        }
        self.archive = archive
        files = zip(records, entries).filter { $0.0.kind == .file }.map { File(name: $0.1.path, entry: $0.1) }
    }

    /// Every record's name, once each checked against the format.
    static func checkLayout(_ records: [ZipDirectoryRecord]) throws -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for r in records {
            let shown = display(r.name)
            if case .other(let mode) = r.kind {
                let what = mode & 0o170000 == 0o120000 ? "a symbolic link" : "an entry that is not a regular file"
                throw refused("it holds \(what) ('\(shown)')")
            }
            guard !r.encrypted, r.method == 0 || r.method == 8 else {
                throw refused("'\(shown)' is encrypted or compressed in a way the format does not use")
            }
            guard r.name.allSatisfy({ (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "\\") }) else {
                throw refused("it holds a name the format does not define ('\(shown)')")
            }
            let name = String(decoding: r.name, as: UTF8.self)
            if name.hasPrefix("/") { throw refused("it holds an absolute path ('\(shown)')") }
            if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                throw refused("it holds a path with '..' ('\(shown)')")
            }
            let defined = r.kind == .folder ? ExportLayout.isDefinedFolder(name) : ExportLayout.isDefinedFile(name)
            guard defined else { throw refused("it holds a name the format does not define ('\(shown)')") }
            guard seen.insert(name).inserted else { throw refused("it holds '\(shown)' twice") }
            names.append(name)
        }
        return names
    }

    /// The whole content of `file`, at most `limit` bytes.
    func read(_ file: File, limit: Int64) throws -> [UInt8] {
        var out: [UInt8] = []
        try stream(file, limit: limit) { out += $0 }
        return out
    }

    /// Feeds `file`'s content to `body` in chunks; fails beyond `limit` bytes or on a bad CRC.
    func stream(_ file: File, limit: Int64, _ body: (Data) throws -> Void) throws {
        guard file.entry.uncompressedSize <= UInt64(max(limit, 0)) else { throw Self.tooLarge(file) }
        var count: Int64 = 0
        let crc: UInt32
        do {
            crc = try archive.extract(file.entry, bufferSize: 65536, skipCRC32: false) { data in
                count += Int64(data.count)
                guard count <= limit else { throw Self.tooLarge(file) }
                try body(data)
            }
        } catch let e as VaultError {
            throw e
        } catch {
            throw VaultError.badData("the export's archive is damaged (\(file.name): \(error))")
        }
        guard crc == file.entry.checksum else { throw VaultError.badData("the export's archive is damaged (\(file.name): bad CRC)") }
    }

    private static func tooLarge(_ file: File) -> VaultError {
        VaultError.badData("\(file.name) in the export is larger than its manifest allows; it was not opened")
    }

    private static func refused(_ why: String) -> VaultError {
        VaultError.badData("the export's archive is refused: \(why); nothing was written")
    }

    /// A name as it may be shown on a terminal: printable ASCII, others as '?', 80 at most.
    static func display(_ name: [UInt8]) -> String {
        let shown = String(decoding: name.prefix(80).map { (0x20...0x7e).contains($0) && $0 != UInt8(ascii: "'") ? $0 : UInt8(ascii: "?") },
                           as: UTF8.self)
        return name.count > 80 ? shown + "…" : shown
    }
}
