/// The ways a cryptographic operation can fail.
///
/// Kept small and closed on purpose: callers map these to what the user sees, and an
/// attacker learns nothing from which of several verification steps failed.
public enum CryptoError: Error, Equatable, Sendable {
    /// libsodium could not be initialised (no usable randomness source).
    case initializationFailed
    /// A ciphertext, sealed box or signature did not verify under the key given.
    case authenticationFailed
    /// A key, nonce or salt had the wrong number of bytes.
    case wrongKeySize(expected: Int, actual: Int)
    /// Input was shorter than the smallest valid value (e.g. a ciphertext shorter than its tag).
    case truncatedInput
    /// Secure memory could not be allocated (sodium_malloc returned NULL).
    case outOfSecureMemory
    /// Argon2id could not derive a key with these limits (usually: not enough memory).
    case keyDerivationFailed
    /// Text that should have been Base64 or hex was not.
    case invalidEncoding
    /// A public key that libsodium rejects (e.g. a low-order X25519 point).
    case invalidKey
    /// A length or range argument outside what the operation accepts.
    case invalidLength
}
