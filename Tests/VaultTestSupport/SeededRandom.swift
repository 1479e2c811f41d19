import Foundation

/// A small seeded generator (SplitMix64), so a failing random test can be replayed from its seed.
public struct SeededRandom: RandomNumberGenerator {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Seeded from the environment variable `name` when set, else from a fresh random seed;
    /// either way the seed is printed (`NAME=seed`) so the run can be repeated.
    public static func fromEnvironment(_ name: String, test: String) -> SeededRandom {
        let seed = UInt64(ProcessInfo.processInfo.environment[name] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("\(test): \(name)=\(seed)")
        return SeededRandom(seed: seed)
    }
}
