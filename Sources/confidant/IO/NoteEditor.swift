import CSystemShim
import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Composing a note at the terminal without leaving plaintext on disk: `$VISUAL`/`$EDITOR`
/// (default `vi`) on a private file in RAM-backed storage (`/dev/shm`, checked to be tmpfs),
/// in a 0700 folder, the file 0600, with the editor's temporary files pointed there too; the
/// file is overwritten and everything removed after. Without RAM-backed storage: typed on the
/// terminal, ended with Ctrl-D.
enum NoteEditor {
    static let tmpfsMagic: Int = 0x0102_1994

    /// The note as written (nil: the editor failed or nothing was written).
    static func compose(initial: String) throws -> Data {
        guard ramBacked("/dev/shm") else {
            Output.note("no RAM-backed storage for an editor file: type the note, end with Ctrl-D on a line of its own")
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        var template = Array("/dev/shm/confidant-XXXXXX".utf8CString)
        guard let dirPtr = mkdtemp(&template) else { throw VaultError(.cannotCreate, "cannot create a private folder in /dev/shm") }
        let dir = String(cString: dirPtr)
        defer { wipeFolder(dir) }
        let path = dir + "/note.txt"
        let fd = try PrivateFile.create(path)
        _ = initial.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let editor = ProcessInfo.processInfo.environment["VISUAL"] ?? ProcessInfo.processInfo.environment["EDITOR"] ?? "vi"
        let vimLike = ["vi", "vim", "nvim"].contains((editor as NSString).lastPathComponent)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\(editor) \(vimLike ? "-n -i NONE " : "")\"$1\"", "editor", path]
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = dir  // editors that make backup or swap files make them here
        p.environment = env
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw VaultError(.usage, "the editor exited with \(p.terminationStatus); nothing was added") }
        let text = FileManager.default.contents(atPath: path) ?? Data()
        guard text != Data(initial.utf8), !text.isEmpty else { throw VaultError(.usage, "the note was left empty or unchanged; nothing was added") }
        return text
    }

    static func ramBacked(_ path: String) -> Bool {
        confidant_fs_type(path) == Int64(tmpfsMagic)
    }

    /// Overwrites every file in `dir` with zeros, removes it and the folder.
    static func wipeFolder(_ dir: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            let path = dir + "/" + name
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
                let fd = open(path, O_WRONLY | O_NOFOLLOW)
                if fd >= 0 {
                    let zeros = [UInt8](repeating: 0, count: min(size, 1 << 20))
                    var left = size
                    while left > 0 { let w = write(fd, zeros, min(left, zeros.count)); if w <= 0 { break }; left -= w }
                    fsync(fd)
                    close(fd)
                }
            }
            unlink(path)
        }
        rmdir(dir)
    }
}
