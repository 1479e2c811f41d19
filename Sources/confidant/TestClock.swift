import Foundation

/// The clock. In debug builds (the test suite's), `CONFIDANT_TEST_NOW` (ISO 8601) pins it for
/// tests of time limits; release builds ignore it, so nobody can move a break-glass window or a
/// retention period by setting a variable.
enum TestClock {
    /// Whether `CONFIDANT_TEST_NOW` pins the clock (never in a release build).
    static let isPinned: Bool = {
        #if DEBUG
        return ProcessInfo.processInfo.environment["CONFIDANT_TEST_NOW"] != nil
        #else
        return false
        #endif
    }()

    static let now: @Sendable () -> Date = {
        #if DEBUG
        if let s = ProcessInfo.processInfo.environment["CONFIDANT_TEST_NOW"],
           let d = ISO8601DateFormatter().date(from: s) { return { d } }
        #endif
        return { Date() }
    }()
}
