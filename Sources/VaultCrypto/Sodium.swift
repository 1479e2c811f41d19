internal import Clibsodium

/// One-time initialisation of libsodium.
///
/// Every public entry point of VaultCrypto calls ``Sodium/ensureInitialized()``; callers never
/// need to. `sodium_init` is itself idempotent and thread-safe.
public enum Sodium {
    private static let status: Int32 = sodium_init()

    /// Makes sure libsodium is ready.
    /// - Throws: ``CryptoError/initializationFailed`` when libsodium cannot start.
    public static func ensureInitialized() throws {
        if status < 0 { throw CryptoError.initializationFailed }
    }

    /// The libsodium version string, for diagnostics.
    public static var versionString: String {
        String(cString: sodium_version_string())
    }
}
