import Foundation
import VaultCrypto

/// manifest.json, format `confidant-export-manifest/v1` (docs/export-format.md): the name, size
/// and SHA-256 of every file of the archive before it, in archive order.
///
/// The signed `export.fulfilled` access entry carries `manifest:<hex SHA-256 of these bytes>` in
/// its detail, and proof.json proves that entry, so every listed file is what the practice signed.
public struct ExportManifest: Sendable, Codable, Equatable {
    public var format: String
    public var files: [ExportManifestFile]

    public static let formatName = "confidant-export-manifest/v1"

    public init(files: [ExportManifestFile]) {
        format = Self.formatName
        self.files = files
    }

    /// The exact bytes of manifest.json: compact JSON, keys sorted, slashes not escaped, one
    /// final newline. Readers hash the bytes as found, never a re-encoding.
    func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try e.encode(self)) + [0x0a]
    }

    /// The `detail` of the `export.fulfilled` entry that commits to manifest bytes `bytes`.
    static func entryDetail(manifestBytes bytes: [UInt8]) -> String {
        entryDetail(digest: SHA256.hash(bytes))
    }

    static func entryDetail(digest: [UInt8]) -> String { "manifest:" + Encoding.hex(digest) }
}

/// One file of the archive, as manifest.json lists it.
public struct ExportManifestFile: Sendable, Codable, Equatable {
    /// Its path inside the archive.
    public var name: String
    /// Its length in bytes.
    public var size: Int64
    /// SHA-256 of its bytes, lower-case hex.
    public var sha256: String
}

/// The names an export archive may hold; anything else is refused by `export open`.
enum ExportLayout {
    static let records = "records.json"
    static let proof = "proof.json"
    static let manifest = "manifest.json"
    static let notesFolder = "notes"
    static let signedCopiesFolder = "signed-copies"
    static let accountingsFolder = "accountings"
    /// Folders and the extensions of the files they hold.
    static let folders: [String: Set<String>] = [notesFolder: ["txt"], signedCopiesFolder: ["pdf", "png", "jpg", "txt", "bin"],
                                                 accountingsFolder: ["json"]]
    /// Files at the top of the archive.
    static let topFiles: Set<String> = [records, "index.html", "fhir-bundle.json", "README.txt", manifest, proof]
    /// The two files manifest.json does not list: itself, and proof.json (which proves the
    /// entry that signs it, so it cannot be listed in what that entry signs).
    static let unlisted: Set<String> = [manifest, proof]

    /// `notes/<id>.txt`, the id 1 to 64 characters of `0-9a-z`.
    static func isNoteFile(_ name: String) -> Bool { folder(of: name) == notesFolder }

    /// The folder of a file the format defines inside one (`FOLDER/<id>.<ext>`, the id 1 to 64
    /// characters of `0-9a-z`, the extension one the folder allows); nil for any other name.
    static func folder(of name: String) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let exts = folders[String(parts[0])] else { return nil }
        let leaf = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard leaf.count == 2, exts.contains(String(leaf[1])), (1...64).contains(leaf[0].utf8.count),
              leaf[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7a).contains($0) }) else { return nil }
        return String(parts[0])
    }

    static func isDefinedFile(_ name: String) -> Bool { topFiles.contains(name) || folder(of: name) != nil }

    /// The folders the format defines (writers need not store them; they are implied).
    static func isDefinedFolder(_ name: String) -> Bool { name.hasSuffix("/") && folders[String(name.dropLast())] != nil }
}
