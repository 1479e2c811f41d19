import Foundation
import VaultCore

/// Reads a note or agreement body from a file or standard input.
enum InputFile {
    static func read(_ path: String?, what: String) throws -> Data {
        if let path {
            guard FileManager.default.fileExists(atPath: path) else { throw VaultError(.notFound, "no \(what) file at \(path)") }
            guard let d = FileManager.default.contents(atPath: path) else {
                throw VaultError(.notFound, "cannot read \(what) file \(path)")
            }
            return d
        }
        return FileHandle.standardInput.readDataToEndOfFile()
    }
}
