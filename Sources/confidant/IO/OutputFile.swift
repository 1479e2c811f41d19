import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes a new file with mode 0600, refusing to overwrite.
enum OutputFile {
    /// Creates `path` (which must not exist) before any work is done, so a command whose output
    /// cannot be created fails with 73 before it touches the vault; the file is removed again if
    /// `produce` fails.
    static func produce(_ path: String, _ produce: () throws -> Data) throws {
        let fd = try create(path)
        do {
            let data = try produce()
            try write(data, fd: fd, path: path)
            close(fd)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
    }

    static func create(_ path: String) throws -> Int32 { try PrivateFile.create(path) }

    static func write(_ data: Data, to path: String) throws {
        let fd = try create(path)
        defer { close(fd) }
        try write(data, fd: fd, path: path)
    }

    static func write(_ data: Data, fd: Int32, path: String) throws {
        do {
            try SecretBytesWriter.write([UInt8](data), fd: fd)
            guard fsync(fd) == 0 else { throw VaultError(.cannotCreate, "could not sync \(path)") }
        } catch {
            unlink(path)
            throw VaultError(.cannotCreate, "could not write \(path)")
        }
    }
}
