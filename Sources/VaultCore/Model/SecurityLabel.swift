import Foundation

/// The security labels of a record kind, as HL7 v3 codes: every record of a therapy practice is
/// restricted (Confidentiality `R`) and mental-health information (ActCode `PSY`); a
/// psychotherapy note is also `PSYTHPN` (45 CFR 164.501). They go onto exported notes and
/// agreements (records.json `labels`, FHIR `meta.security`). Labels that would reveal a
/// diagnosis (`SUD`, `ETH` for 42 CFR Part 2 records) are not assigned by kind: the practice
/// marks a note so (``NoteLabel``), and the mark is sealed inside the note.
public enum SecurityLabel {
    public static let confidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
    public static let actCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

    /// The ActCode sensitivity codes of a record kind (`progress`, `psychotherapy`, `agreement`).
    public static func codes(kind: String) -> [String] {
        kind == RecordKind.psychotherapy.rawValue ? ["PSY", "PSYTHPN"] : ["PSY"]
    }

    /// The HL7 v3 Confidentiality code of a record kind: `V` (very restricted) for a
    /// psychotherapy note, sealed to its author alone; `R` (restricted) for every other record.
    /// It depends on the kind only, so the signed access entries that carry it in plaintext
    /// never tell a labelled note (SUD, ETH) from another.
    public static func confidentiality(kind: String) -> String {
        kind == RecordKind.psychotherapy.rawValue ? "V" : "R"
    }

    /// The confidentiality code, then the kind's sensitivity codes, then the practice's sealed
    /// labels (``NoteLabel``), as `meta.security` Codings.
    static func fhir(kind: String, labels: [String] = []) -> [[String: String]] {
        let conf = confidentiality(kind: kind)
        return [["system": confidentialitySystem, "code": conf, "display": conf == "V" ? "very restricted" : "restricted"]]
            + (codes(kind: kind) + labels).map { ["system": actCodeSystem, "code": $0, "display": display[$0] ?? $0] }
    }

    private static let display = ["PSY": "psychiatry disorder information sensitivity",
                                  "PSYTHPN": "psychotherapy note information sensitivity",
                                  "SUD": "substance use disorder information sensitivity",
                                  "ETH": "substance abuse information sensitivity"]
}
