import Foundation
import VaultCrypto

/// A practice's chart number for a client, and the keyed hash that is all the vault stores of it.
///
/// Chart numbers are short and guessable (often a running number), so neither the number nor
/// any unkeyed hash of it is written: the `clients.chart_hash` column holds BLAKE2b-256 keyed
/// with the seed of the vault's log key, over a label, the vault id and the normalised number.
/// The log key is the vault-wide secret wrapped to every admin, compliance officer and
/// therapist (and to the recovery key), which are exactly the users who add clients or look a
/// caller up by chart number; a thief with the file cannot test a guess.
public enum ChartNumber {
    /// The longest chart number accepted, in characters.
    public static let maxLength = 64
    /// The domain label of the keyed hash (the log-key seed also seeds Ed25519 signing; the
    /// label keeps the two uses apart).
    static let label = "confidant/chart-number/v1"

    /// The chart number as compared: surrounding spaces removed, letters upper-cased, so
    /// `ab-1042` and ` AB-1042 ` name the same chart.
    /// - Throws: ``VaultError`` usage (64) when it is empty, longer than ``maxLength``
    ///   characters, or holds a control character.
    public static func normalized(_ text: String) throws(VaultError) -> String {
        try TextInput.validate(text, field: "--chart")
        let n = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard !n.isEmpty else { throw VaultError.usage("--chart must not be empty; give the practice's chart number") }
        guard n.count <= maxLength else { throw VaultError.usage("--chart must be at most \(maxLength) characters") }
        return n
    }

    /// The stored form: BLAKE2b-256 keyed with `logSeed` over the label, the vault id and the
    /// normalised number.
    static func hash(_ normalized: String, vaultID: [UInt8], logSeed: SecretBytes) throws -> [UInt8] {
        var e = CanonicalEncoder(label: label)
        e.append(vaultID)
        e.append(normalized)
        return try BLAKE2b.hash(e.bytes, outputByteCount: 32, key: logSeed)
    }
}
