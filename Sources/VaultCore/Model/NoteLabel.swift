import Foundation

/// A sensitivity label the practice puts on a note because of what it is about, not its kind:
/// HL7 v3 ActCode `SUD` (substance use disorder information) or `ETH` (substance abuse,
/// including alcohol), for records 42 CFR Part 2 protects.
///
/// Such a label reveals a diagnosis, so it is never written in plaintext: it is sealed inside
/// the note's own ciphertext (``NoteEnvelope``). Access entries carry only the note's kind and
/// its kind's confidentiality code, which are the same for a labelled note and any other.
public enum NoteLabel: String, Sendable, Codable, CaseIterable, Comparable {
    case sud = "SUD"
    case eth = "ETH"

    public static func < (a: NoteLabel, b: NoteLabel) -> Bool { a.rawValue < b.rawValue }

    /// What the export page says about a note so labelled.
    var notice: String {
        "This note is protected by the federal rules on the confidentiality of substance use disorder records (42 CFR part 2)."
    }
}

/// The sealed plaintext of a labelled note: a header naming its labels, then the note's text.
///
/// `0x00 "confidant/note-labels/v1" 0x00 LABELS 0x0a TEXT`, LABELS the codes sorted and
/// comma-separated. A note with no label is stored as its text alone (as before labels
/// existed), so the header is only ever inside the ciphertext of a labelled note.
enum NoteEnvelope {
    private static let magic: [UInt8] = [0x00] + Array("confidant/note-labels/v1".utf8) + [0x00]

    static func seal(_ text: [UInt8], labels: Set<NoteLabel>) -> [UInt8] {
        guard !labels.isEmpty else { return text }
        return magic + Array(labels.sorted().map(\.rawValue).joined(separator: ",").utf8) + [0x0a] + text
    }

    /// The note's text and its labels, from a note record's plaintext.
    /// - Throws: ``VaultError`` bad data (65) for a header that names an unknown label.
    static func open(_ plain: [UInt8]) throws -> (text: [UInt8], labels: [NoteLabel]) {
        guard plain.starts(with: magic), let end = plain[magic.count...].firstIndex(of: 0x0a) else { return (plain, []) }
        let codes = String(decoding: plain[magic.count..<end], as: UTF8.self).split(separator: ",")
        let labels = try codes.map { code in
            guard let l = NoteLabel(rawValue: String(code)) else { throw VaultError.badData("a note's sealed label '\(code)' is unknown") }
            return l
        }
        return (Array(plain[(end + 1)...]), labels)
    }
}
