/// Buffers a pull-style byte source so the header can be read line by line and the payload
/// chunk by chunk. Holds only what the source handed over and has not been consumed yet.
internal final class AgeSourceReader {
    private let source: (Int) throws -> [UInt8]
    private var buffer: [UInt8] = []
    private var offset = 0
    private var reachedEnd = false
    /// How much to ask for while looking for the end of a header line.
    private static let lineReadSize = 4096

    init(source: @escaping (Int) throws -> [UInt8]) {
        self.source = source
    }

    private var available: Int { buffer.count - offset }

    /// Asks the source for up to `count` more bytes; false once it reports end of file.
    private func fill(_ count: Int) throws -> Bool {
        if reachedEnd { return false }
        let more = try source(max(count, 1))
        if more.isEmpty { reachedEnd = true; return false }
        if offset > 0 {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer += more
        return true
    }

    /// The next `count` bytes without consuming them (fewer at end of file).
    func peek(_ count: Int) throws -> ArraySlice<UInt8> {
        while available < count, try fill(count - available) {}
        return buffer[offset..<(offset + min(count, available))]
    }

    /// The next line without its LF, or nil at end of file before an LF (a partial line is
    /// consumed). Throws `tooLong` when no LF appears within `maxLength` bytes.
    func readLine(maxLength: Int, tooLong: @autoclosure () -> Error) throws -> [UInt8]? {
        var scanned = 0
        while true {
            if let lf = buffer[(offset + scanned)...].firstIndex(of: 0x0a) {
                guard lf - offset <= maxLength else { throw tooLong() }
                let line = Array(buffer[offset..<lf])
                offset = lf + 1
                return line
            }
            scanned = available
            guard scanned <= maxLength else { throw tooLong() }
            guard try fill(Self.lineReadSize) else {
                offset = buffer.count
                return nil
            }
        }
    }

    /// Up to `count` bytes; fewer only at end of file.
    func read(upTo count: Int) throws -> [UInt8] {
        while available < count, try fill(count - available) {}
        let n = min(count, available)
        let out = Array(buffer[offset..<(offset + n)])
        offset += n
        if offset == buffer.count { buffer.removeAll(keepingCapacity: true); offset = 0 }
        return out
    }

    /// True when at least one more byte follows (asks the source if the buffer is empty).
    func hasMore() throws -> Bool {
        try !peek(1).isEmpty
    }
}
