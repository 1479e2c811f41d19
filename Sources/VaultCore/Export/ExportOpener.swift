import Foundation
import VaultCrypto
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#endif

/// What `export open` found.
public struct ExportCheck: Sendable, Codable, Equatable {
    public var directory: String
    public var client: String
    public var notes: Int
    public var accessEntries: Int
    public var treeSize: Int
    public var logPublicKey: String
}

/// Decrypts an export (age), unpacks it (ZIPFoundation) and verifies every proof in it.
public enum ExportOpener {
    /// - Parameters:
    ///   - source: reads up to n bytes of the age file; empty at its end.
    ///   - directory: created (mode 0700) if missing; must be empty.
    /// - Throws: ``VaultError`` bad data (65) when the file does not decrypt, is truncated or
    ///   modified, or any proof does not verify — then nothing is left in `directory`.
    public static func open(source: @escaping (Int) throws -> [UInt8], identities: [AgeIdentity], into directory: String) throws -> ExportCheck {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue, (try? fm.contentsOfDirectory(atPath: directory))?.isEmpty == true else {
                throw VaultError(.cannotCreate, "\(directory) exists and is not an empty folder; choose a new --out")
            }
        } else {
            guard mkdir(directory, 0o700) == 0 else { throw VaultError(.cannotCreate, "cannot create folder \(directory)") }
        }
        let zipPath = directory + "/.export.zip"
        func cleanUp() {
            if let items = try? fm.contentsOfDirectory(atPath: directory) {
                for i in items { try? fm.removeItem(atPath: directory + "/" + i) }
            }
        }
        do {
            let fd = Glibc.open(zipPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw VaultError(.cannotCreate, "cannot write in \(directory)") }
            defer { close(fd) }
            let decryptor: AgeDecryptor
            do { decryptor = try AgeDecryptor(identities: identities, source: source) } catch let e as AgeError {
                throw VaultError(e == .noMatch ? .notPermitted : .badData, "the export does not open: \(describe(e))")
            }
            do {
                while let chunk = try decryptor.next() {
                    let ok = chunk.withUnsafeBytes { raw -> Bool in
                        var done = 0
                        while done < raw.count {
                            let n = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                            if n <= 0 { return false }
                            done += n
                        }
                        return true
                    }
                    guard ok else { throw VaultError(.cannotCreate, "could not write in \(directory)") }
                }
            } catch let e as AgeError {
                throw VaultError.badData("the export is damaged or was modified: \(describe(e))")
            }
            do {
                try fm.unzipItem(at: URL(fileURLWithPath: zipPath), to: URL(fileURLWithPath: directory))
            } catch {
                throw VaultError.badData("the export's archive is damaged (\(error))")
            }
            try? fm.removeItem(atPath: zipPath)
            return try verify(directory: directory)
        } catch {
            cleanUp()
            throw error
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

    /// Verifies an unpacked export: note hashes, the checkpoint signature, every entry's leaf
    /// hash, signature and inclusion proof, and that the access report is exactly those entries.
    public static func verify(directory: String) throws -> ExportCheck {
        func load<T: Decodable>(_ name: String, _ type: T.Type) throws -> T {
            guard let d = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw VaultError.badData("the export has no \(name)")
            }
            do { return try JSONDecoder().decode(T.self, from: d) } catch { throw VaultError.badData("\(name) is malformed") }
        }
        let records = try load("records.json", ExportRecords.self)
        let proof = try load("proof.json", ExportProof.self)
        for n in records.notes {
            guard !n.file.contains(".."), let d = FileManager.default.contents(atPath: directory + "/" + n.file),
                  Encoding.hex(SHA256.hash([UInt8](d))) == n.sha256 else {
                throw VaultError.badData("note \(n.id) does not match its hash in records.json")
            }
        }
        let vaultID = try Encoding.fromHex(records.vaultId)
        let logKey = try Encoding.fromBase64(proof.logPublicKey)
        let checkpoint = try Checkpoint.parse(proof.checkpoint, publicKey: logKey, vaultID: vaultID)
        guard checkpoint.size == proof.treeSize, Encoding.base64(checkpoint.root) == proof.rootHash else {
            throw VaultError.badData("proof.json's tree size or root differs from its signed checkpoint")
        }
        guard proof.entries.count == records.accessReport.count else {
            throw VaultError.badData("the access report has \(records.accessReport.count) rows but proof.json proves \(proof.entries.count)")
        }
        for (p, row) in zip(proof.entries, records.accessReport) {
            let bytes = try Encoding.fromBase64(p.entry)
            let leaf = AccessEntry.leafHash(bytes)
            guard Encoding.hex(leaf) == p.leafHash,
                  MerkleTree.verifyInclusion(leafHash: leaf, index: Int(p.seq) - 1, treeSize: checkpoint.size,
                                             proof: try p.inclusionProof.map { try Encoding.fromHex($0) }, root: checkpoint.root) else {
                throw VaultError.badData("log entry \(p.seq) is not in the signed log (its inclusion proof fails)")
            }
            let e = try AccessEntry.decode(bytes)
            let keys = try (proof.signingKeys[p.signer] ?? []).map { try Encoding.fromBase64($0) }
            let sig = try Encoding.fromBase64(p.signature)
            guard p.signer == e.actor, keys.contains(where: { Ed25519.isValid(signature: sig, message: bytes, publicKey: $0) }) else {
                throw VaultError.badData("log entry \(p.seq)'s signature does not verify")
            }
            guard e.seq == p.seq, e.seq == row.seq, e.clientID == records.client.id, Timestamp.iso(e.time) == row.time, e.actor == row.actor,
                  e.action == row.action, e.recordID == row.record, e.purpose == row.purpose, e.outcome.rawValue == row.outcome else {
                throw VaultError.badData("access report row \(row.seq) does not match its signed log entry")
            }
        }
        return ExportCheck(directory: directory, client: records.client.id, notes: records.notes.count,
                           accessEntries: records.accessReport.count, treeSize: checkpoint.size, logPublicKey: proof.logPublicKey)
    }
}
