import Foundation

/// The security labels of a record kind, as HL7 v3 codes: every record of a therapy practice is
/// restricted (Confidentiality `R`) and mental-health information (ActCode `PSY`); a
/// psychotherapy note is also `PSYTHPN` (45 CFR 164.501). They go onto exported notes and
/// agreements (records.json `labels`, FHIR `meta.security`). Labels that would reveal a
/// diagnosis (`SUD`, `ETH` for 42 CFR Part 2 records) are not assigned by kind.
public enum SecurityLabel {
    public static let confidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
    public static let actCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

    /// The ActCode sensitivity codes of a record kind (`progress`, `psychotherapy`, `agreement`).
    public static func codes(kind: String) -> [String] {
        kind == RecordKind.psychotherapy.rawValue ? ["PSY", "PSYTHPN"] : ["PSY"]
    }

    /// `R`, then the sensitivity codes, as `meta.security` Codings.
    static func fhir(kind: String) -> [[String: String]] {
        [["system": confidentialitySystem, "code": "R", "display": "restricted"]]
            + codes(kind: kind).map { ["system": actCodeSystem, "code": $0, "display": display[$0] ?? $0] }
    }

    private static let display = ["PSY": "psychiatry disorder information sensitivity",
                                  "PSYTHPN": "psychotherapy note information sensitivity"]
}
