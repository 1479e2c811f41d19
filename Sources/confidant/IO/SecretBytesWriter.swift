import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `fd`, retrying short writes.
enum SecretBytesWriter {
    static func write(_ bytes: [UInt8], fd: Int32) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if n <= 0 { throw VaultError(.cannotCreate, "could not write the export") }
                done += n
            }
        }
    }
}
