import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way Confidant creates a file: new (never over an existing file or through a symbolic
/// link), owner read/write only (0600), closed on exec.
public enum PrivateFile {
    /// Opens a new file for writing; the caller closes the descriptor.
    /// - Parameter what: how an error names the file ("recovery key file").
    /// - Throws: ``VaultError`` cannot-create (73) when it exists or cannot be created.
    public static func create(_ path: String, what: String = "") throws -> Int32 {
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it already exists; choose a new file name" : String(cString: strerror(errno))
            throw VaultError(.cannotCreate, "cannot create \(what.isEmpty ? "" : what + " ")\(path): \(why)")
        }
        return fd
    }

    /// Opens a new file `name` inside the open folder `dir` (never following a link).
    public static func create(in dir: Int32, name: String, shownAs path: String) throws -> Int32 {
        let fd = openat(dir, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it already exists; choose a new file name" : String(cString: strerror(errno))
            throw VaultError(.cannotCreate, "cannot create \(path): \(why)")
        }
        return fd
    }
}
