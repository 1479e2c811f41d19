import Foundation
import VaultCrypto
#if canImport(Glibc)
import Glibc
#endif

/// What `export open` found.
public struct ExportCheck: Sendable, Codable, Equatable {
    public var directory: String
    public var client: String
    public var notes: Int
    /// Files checked against the signed manifest (every file but manifest.json and proof.json).
    public var files: Int
    public var accessEntries: Int
    /// Authorizations, signed copies (of authorizations and revocations) and delivered
    /// accountings in the export, each checked against the signed manifest.
    public var authorizations: Int = 0
    public var signedCopies: Int = 0
    public var accountings: Int = 0
    public var treeSize: Int
    public var logPublicKey: String
    /// Whether `logPublicKey` was required to equal a key given with `--log-key`.
    public var logKeyPinned: Bool
}

/// Decrypts an export (age), checks its archive entry by entry and verifies every proof and
/// every file against the signed manifest, then writes the files the format defines.
public enum ExportOpener {
    private static let maxJSON: Int64 = 512 << 20

    /// Parses a `--log-key` value. - Throws: ``VaultError`` usage (64) unless it is base64 of 32 bytes.
    public static func parseLogKey(_ text: String) throws -> [UInt8] { try ExportVerifier.parseLogKey(text) }

    /// - Parameters:
    ///   - source: reads up to n bytes of the age file; empty at its end.
    ///   - directory: created (mode 0700) if missing; must be empty.
    ///   - pinnedLogKey: the practice's published log public key; the export must be signed with it.
    /// - Throws: ``VaultError`` bad data (65) when the file does not decrypt, is truncated or
    ///   modified, holds an entry the format does not define, or any proof or hash does not
    ///   verify — then nothing is left in `directory`.
    public static func open(source: @escaping (Int) throws -> [UInt8], identities: [AgeIdentity], into directory: String,
                            pinnedLogKey: [UInt8]? = nil) throws -> ExportCheck {
        try prepare(directory)
        // The decrypted archive stays inside the (0700) output folder, mode 0600, only until
        // it is unpacked or refused; ZIPFoundation needs a seekable file.
        let zipPath = directory + "/.export.zip"
        do {
            try decrypt(source: source, identities: identities, to: zipPath)
            let check = try unpack(zipPath: zipPath, into: directory, pinnedLogKey: pinnedLogKey)
            guard unlink(zipPath) == 0 else { throw VaultError(.cannotCreate, "cannot remove \(zipPath)") }
            return check
        } catch {
            cleanUp(directory)
            throw error
        }
    }

    private static func prepare(_ directory: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue, (try? fm.contentsOfDirectory(atPath: directory))?.isEmpty == true else {
                throw VaultError(.cannotCreate, "\(directory) exists and is not an empty folder; choose a new --out")
            }
        } else {
            guard mkdir(directory, 0o700) == 0 else { throw VaultError(.cannotCreate, "cannot create folder \(directory)") }
        }
    }

    private static func cleanUp(_ directory: String) {
        let fm = FileManager.default
        for item in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] { try? fm.removeItem(atPath: directory + "/" + item) }
    }

    private static func decrypt(source: @escaping (Int) throws -> [UInt8], identities: [AgeIdentity], to zipPath: String) throws {
        let fd = try PrivateFile.create(zipPath)
        defer { close(fd) }
        let decryptor: AgeDecryptor
        do { decryptor = try AgeDecryptor(identities: identities, source: source) } catch let e as AgeError {
            throw VaultError(e == .noMatch ? .notPermitted : .badData, "the export does not open: \(describe(e))")
        }
        do {
            while let chunk = try decryptor.next() {
                try chunk.withUnsafeBytes { try writeAll(fd, $0, what: zipPath) }
            }
        } catch let e as AgeError {
            throw VaultError.badData("the export is damaged or was modified: \(describe(e))")
        }
    }

    static func describe(_ e: AgeError) -> String {
        switch e {
        case .noMatch: "no identity matches (wrong key file or passphrase)"
        case .hmacFailure: "its header does not authenticate"
        case .headerFailure(let s): "bad header (\(s))"
        case .payloadFailure(let s): "bad payload (\(s))"
        case .unsupported(let s): "unsupported (\(s))"
        }
    }

    /// Checks the archive's layout, the proofs and the manifest, hashes every listed file,
    /// and only then writes the files.
    private static func unpack(zipPath: String, into directory: String, pinnedLogKey: [UInt8]?) throws -> ExportCheck {
        let archive = try ExportArchive(path: zipPath)
        var byName: [String: ExportArchive.File] = [:]
        for f in archive.files { byName[f.name] = f }
        func read(_ name: String) throws -> [UInt8] {
            guard let f = byName[name] else { throw VaultError.badData("the export has no \(name)") }
            return try archive.read(f, limit: maxJSON)
        }
        let buffered = [ExportLayout.manifest: try read(ExportLayout.manifest), ExportLayout.proof: try read(ExportLayout.proof),
                        ExportLayout.records: try read(ExportLayout.records)]
        let v = try ExportVerifier.verify(records: buffered[ExportLayout.records] ?? [], proof: buffered[ExportLayout.proof] ?? [],
                                          manifest: buffered[ExportLayout.manifest] ?? [], pinnedLogKey: pinnedLogKey)
        var expected: [String: ExportManifestFile] = [:]
        for f in v.manifest.files { expected[f.name] = f }
        for name in ExportLayout.unlisted {
            let bytes = buffered[name] ?? []
            expected[name] = ExportManifestFile(name: name, size: Int64(bytes.count), sha256: Encoding.hex(SHA256.hash(bytes)))
        }
        guard Set(byName.keys) == Set(expected.keys) else {
            throw VaultError.badData("the export's files are not exactly those its signed manifest lists; the export was altered")
        }
        for f in archive.files where buffered[f.name] == nil {
            let want = try expectation(expected, f.name)
            let sha = SHA256Hasher()
            try archive.stream(f, limit: want.size) { sha.update($0) }
            guard f.entry.uncompressedSize == UInt64(want.size), Encoding.hex(sha.finish()) == want.sha256 else {
                throw VaultError.badData("\(f.name) does not match its hash in the signed manifest; the export was altered")
            }
        }
        try FileWriter(directory: directory).write(archive, buffered: buffered, expected: expected)
        let auths = v.records.authorizations ?? []
        return ExportCheck(directory: directory, client: v.records.client.id, notes: v.records.notes.count, files: v.manifest.files.count,
                           accessEntries: v.records.accessReport.count, authorizations: auths.count,
                           signedCopies: v.records.attachments.count - (v.records.accountings ?? []).count,
                           accountings: (v.records.accountings ?? []).count, treeSize: v.treeSize, logPublicKey: v.proof.logPublicKey,
                           logKeyPinned: pinnedLogKey != nil)
    }

    static func expectation(_ expected: [String: ExportManifestFile], _ name: String) throws -> ExportManifestFile {
        guard let want = expected[name] else { throw VaultError.badData("\(name) is not in the export's signed manifest") }
        return want
    }

    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, what: String) throws {
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
            guard n > 0 else { throw VaultError(.cannotCreate, "could not write \(what)") }
            done += n
        }
    }
}

/// Writes verified files into the output folder: only names the format defines, each created
/// new (never following a link), files 0600 and the folders (`notes`, `signed-copies`,
/// `accountings`) 0700.
private struct FileWriter {
    let directory: String

    func write(_ archive: ExportArchive, buffered: [String: [UInt8]], expected: [String: ExportManifestFile]) throws {
        let dirFD = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw VaultError(.cannotCreate, "cannot open folder \(directory)") }
        defer { close(dirFD) }
        var folderFDs: [String: Int32] = [:]
        defer { for fd in folderFDs.values { close(fd) } }
        for f in archive.files {
            var parent = dirFD
            var leaf = f.name
            if let folder = ExportLayout.folder(of: f.name) {
                if folderFDs[folder] == nil {
                    guard mkdirat(dirFD, folder, 0o700) == 0 else {
                        throw VaultError(.cannotCreate, "cannot create folder \(directory)/\(folder)")
                    }
                    let fd = openat(dirFD, folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot open folder \(directory)/\(folder)") }
                    folderFDs[folder] = fd
                }
                parent = folderFDs[folder] ?? dirFD
                leaf = String(f.name.dropFirst(folder.count + 1))
            }
            try writeFile(archive, f, parent: parent, leaf: leaf, buffered: buffered[f.name],
                          want: try ExportOpener.expectation(expected, f.name))
        }
    }

    /// One file, re-hashed as it is written, so the bytes on disk are the ones that were checked.
    private func writeFile(_ archive: ExportArchive, _ f: ExportArchive.File, parent: Int32, leaf: String, buffered: [UInt8]?,
                           want: ExportManifestFile) throws {
        let fd = try PrivateFile.create(in: parent, name: leaf, shownAs: directory + "/" + f.name)
        defer { close(fd) }
        let sha = SHA256Hasher()
        var size: Int64 = 0
        let what = directory + "/" + f.name
        func put(_ bytes: some ContiguousBytes) throws {
            sha.update(bytes)
            try bytes.withUnsafeBytes { raw in
                size += Int64(raw.count)
                try ExportOpener.writeAll(fd, raw, what: what)
            }
        }
        if let buffered { try put(buffered) } else { try archive.stream(f, limit: want.size) { try put($0) } }
        guard size == want.size, Encoding.hex(sha.finish()) == want.sha256 else {
            throw VaultError.badData("\(f.name) changed while it was written; nothing was kept")
        }
    }
}
