import Foundation
import VaultCore
#if canImport(Glibc)
import Glibc
#endif

/// Progress on a terminal (count, rate, time left, on one refreshed stderr line), or JSON lines on
/// stderr when stderr is not a terminal and --json was given.
final class ProgressReporter {
    let tty = isatty(2) == 1
    let json: Bool
    var last = Date.distantPast
    var shown = false

    init(json: Bool) { self.json = json }

    func report(_ p: RotationProgress) {
        let now = Date()
        guard now.timeIntervalSince(last) >= (tty ? 0.2 : 1.0) || p.recordsDone == p.recordsTotal else { return }
        last = now
        let rate = p.elapsedSeconds > 0 ? Double(p.recordsDone) / p.elapsedSeconds : 0
        let left = rate > 0 ? Double(p.recordsTotal - p.recordsDone) / rate : 0
        if tty {
            let line = String(format: "\rrotating: %d/%d clients, %d/%d records, %.0f records/s, ~%.0fs left   ",
                              p.clientsDone, p.clientsTotal, p.recordsDone, p.recordsTotal, rate, left)
            FileHandle.standardError.write(Data(line.utf8))
            shown = true
        } else if json {
            let format = #"{"progress":{"clientsDone":%d,"clientsTotal":%d,"recordsDone":%d,"recordsTotal":%d,"#
                + #""recordsPerSecond":%.1f,"secondsLeft":%.1f}}"#
            let obj = String(format: format, p.clientsDone, p.clientsTotal, p.recordsDone, p.recordsTotal, rate, left)
            FileHandle.standardError.write(Data((obj + "\n").utf8))
        }
    }

    func finish() { if shown { FileHandle.standardError.write(Data("\n".utf8)) } }
}
