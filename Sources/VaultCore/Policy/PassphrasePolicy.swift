import VaultCrypto

/// How long a passphrase must be: the one place the minimum lives.
public enum PassphrasePolicy {
    /// The fewest bytes a passphrase may have.
    public static let minimumLength = 8

    /// A new random passphrase of 130 bits (26 Crockford Base32 characters in groups of five).
    public static func generate() throws -> SecretBytes { try ExportPassphrase.generate() }

    /// - Parameter what: how the error names it ("the new passphrase").
    /// - Throws: ``VaultError`` usage (64) when `passphrase` is shorter than ``minimumLength``.
    public static func check(_ passphrase: SecretBytes, _ what: String) throws {
        guard passphrase.count >= minimumLength else {
            throw VaultError.usage("\(what) must have at least \(minimumLength) characters")
        }
    }
}
