internal import Clibsodium

/// Randomness from libsodium's CSPRNG (`randombytes_buf`).
public enum Random {
    /// `count` unpredictable bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        _ = try? Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buf in
            if let base = buf.baseAddress, count > 0 { randombytes_buf(base, count) }
        }
        return out
    }

    /// A uniformly random integer in `0..<upperBound` (`randombytes_uniform`).
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        _ = try? Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }
}
