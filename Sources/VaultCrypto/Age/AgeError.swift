/// The ways reading or writing an age file can fail.
///
/// The first four cases are the failure classes of the age test suite (C2SP CCTV), so a
/// caller can tell "not for you" from "damaged" from "tampered with" without parsing a
/// message. The strings are for logs and people, never for program logic.
public enum AgeError: Error, Equatable, Sendable {
    /// None of the identities given could unwrap the file key: the file is for someone else,
    /// or the passphrase is wrong.
    case noMatch
    /// The file key was unwrapped but the header MAC did not verify: the header was altered.
    case hmacFailure
    /// The header is malformed, or a stanza addressed to one of the identities is invalid.
    case headerFailure(String)
    /// The encrypted payload is damaged, truncated, or has data after its final chunk.
    /// Plaintext released before this error was authenticated; nothing after it is.
    case payloadFailure(String)
    /// A valid feature this implementation does not provide (ASCII armor, hybrid
    /// post-quantum keys), or a request that cannot be carried out (such as writing to a
    /// finished encryptor).
    case unsupported(String)
}
