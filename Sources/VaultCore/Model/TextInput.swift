import Foundation

/// The rule for text a person types into Confidant (names, reasons, recipients, purposes): no
/// control characters.
///
/// A control character in stored text can move a terminal's cursor, rewrite earlier lines or
/// change its settings when the text is shown later , so such text is refused where it
/// enters the vault, with a usage error (64), before anything is logged. The rule lives here so
/// every front end (the CLI, a web console) refuses the same input; displaying older stored text
/// safely is each front end's job.
public enum TextInput {
    /// True for a C0 control (U+0000-U+001F, tab and newline included), DEL (U+007F) or a C1
    /// control (U+0080-U+009F).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The first control character of `value`, if it has one.
    public static func firstControl(in value: String) -> Unicode.Scalar? {
        value.unicodeScalars.first(where: isControl)
    }

    /// Refuses `value` when it holds a control character.
    ///
    /// The message names the field and the character's code point, never the raw text, so it is
    /// itself safe to show anywhere.
    /// - Parameters:
    ///   - value: the text as given; nil (not given) passes.
    ///   - field: how the user named it, e.g. `--name`.
    /// - Throws: ``VaultError`` usage (64).
    public static func validate(_ value: String?, field: String) throws(VaultError) {
        guard let value, let c = firstControl(in: value) else { return }
        throw VaultError.usage("\(field) contains the control character \(codePoint(c)); names and texts may not hold control characters (U+0000-U+001F, U+007F-U+009F)")
    }

    /// `U+001B` for ESC.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        String(format: "U+%04X", scalar.value)
    }
}

extension AccessIntent {
    /// Refuses an intent whose ids or reason came from input with control characters, before
    /// it is logged: a refused attempt's entry would otherwise keep them.
    func validateText() throws(VaultError) {
        try TextInput.validate(clientID, field: "the client id")
        try TextInput.validate(recordID, field: "the id")
        try TextInput.validate(reason, field: "the reason")
    }
}

extension DisclosureRequest {
    /// Refuses control characters in the recipient, address, purpose and reasons (64).
    public func validateText() throws(VaultError) {
        for (value, field) in [(recipientName, "--to"), (recipientAddress, "--address"), (purpose, "--purpose"),
                               (basis, "--basis"), (notInformedReason ?? "", "--not-informed-reason"), (summary ?? "", "--summary"),
                               (attest ?? "", "--attest"), (assurance ?? "", "--assurance"), (subject ?? "", "--subject"),
                               (byAssociate ?? "", "--by-associate"), (notAccountable ?? "", "--not-accountable")] {
            try TextInput.validate(value, field: field)
        }
    }
}

extension ClientAuthorization {
    /// Refuses control characters in the recipient and purpose (64).
    public func validateText() throws(VaultError) {
        try TextInput.validate(recipient, field: "--recipient")
        try TextInput.validate(purpose, field: "--purpose")
    }
}
