import Foundation

/// The access log as FHIR R4 AuditEvent resources in a `collection` Bundle.
///
/// - `type`: DICOM 110110 "Patient Record" for client-level actions, 110114 "User
///   Authentication" for unlocks, 110100 "Application Activity" otherwise; break-glass accesses
///   use 110113 "Security Alert" with subtype 110127 "Emergency Override Started", as FHIR's
///   break-glass example does, and carry the `BTG` security label.
/// - `purposeOfEvent`: the entry's HL7 v3 ActReason code.
/// - `outcome`: `0` success, `4` refused or not found, `8` data that did not verify.
/// - `entity`: the client (role Patient) and the record, by opaque id only; no names, no reasons.
public enum FHIRAuditExport {
    static let dcm = "http://dicom.nema.org/resources/ontology/DCM"

    public static func bundle(_ rows: [LogRow], vaultID: String, practice: String, generated: Date) -> [String: Any] {
        [
            "resourceType": "Bundle",
            "id": "confidant-log-\(vaultID.prefix(16))-\(Int64(generated.timeIntervalSince1970 * 1000))",
            "type": "collection",
            "timestamp": Timestamp.iso(Int64(generated.timeIntervalSince1970 * 1000)),
            "entry": rows.map { ["fullUrl": "urn:confidant:\(vaultID):log:\($0.seq)", "resource": auditEvent($0, vaultID: vaultID, practice: practice)] },
        ]
    }

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> [String: Any] {
        var c: [String: Any] = ["system": system, "code": code]
        if let display { c["display"] = display }
        return c
    }

    static func action(_ a: String) -> String {
        if a.hasSuffix(".add") || a == "vault.init" { return "C" }
        if a.hasSuffix(".open") || a.hasSuffix(".show") || a.hasSuffix(".list") || a == "log.review" || a == "log.verify" { return "R" }
        if a.hasSuffix(".revoke") || a.hasSuffix(".purge") { return "D" }
        if a.hasSuffix(".grant") || a.hasSuffix(".passwd") || a.hasSuffix(".set") { return "U" }
        return "E"
    }

    static func auditEvent(_ r: LogRow, vaultID: String, practice: String) -> [String: Any] {
        var e: [String: Any] = [
            "resourceType": "AuditEvent",
            "id": "entry-\(r.seq)",
            "recorded": iso(r.time),
            "action": action(r.action),
            "outcome": r.outcome == Outcome.success.rawValue ? "0" : (r.outcome == Outcome.error.rawValue ? "8" : "4"),
            "subtype": [coding("urn:confidant:action", r.action)],
            "source": [
                "site": practice,
                "observer": ["identifier": ["system": "urn:confidant:vault", "value": vaultID], "display": "Confidant vault"],
                "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            ] as [String: Any],
        ]
        if !r.detail.isEmpty { e["outcomeDesc"] = r.detail }
        setType(of: &e, for: r)
        if !r.purpose.isEmpty {
            e["purposeOfEvent"] = [["coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", r.purpose)]]]
        }
        e["agent"] = [agent(r)]
        let named = entities(r)
        if !named.isEmpty { e["entity"] = named }
        return e
    }

    /// The event's DICOM type: a break-glass access is a security alert (with the emergency
    /// override subtype and the `BTG` label), then user authentication, patient record, or
    /// application activity.
    private static func setType(of e: inout [String: Any], for r: LogRow) {
        let flags = Set(r.flags.split(separator: ",").map(String.init))
        let breakGlass = r.purpose == Purpose.emergencyTreat.rawValue || flags.contains("break-glass")
        if breakGlass {
            e["type"] = coding(dcm, "110113", "Security Alert")
            e["subtype"] = [coding(dcm, "110127", "Emergency Override Started"), coding("urn:confidant:action", r.action)]
            e["meta"] = ["security": [coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "BTG", "break the glass")]]
        } else if r.action == "session.unlock" {
            e["type"] = coding(dcm, "110114", "User Authentication")
        } else if !r.clientID.isEmpty {
            e["type"] = coding(dcm, "110110", "Patient Record")
        } else {
            e["type"] = coding(dcm, "110100", "Application Activity")
        }
    }

    /// The one agent: the actor, a human user, with its roles and purpose of use.
    private static func agent(_ r: LogRow) -> [String: Any] {
        var agent: [String: Any] = [
            "who": ["identifier": ["system": "urn:confidant:user", "value": r.actor], "display": r.actor],
            "requestor": true,
            "type": ["coding": [coding("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user")]],
        ]
        if !r.roles.isEmpty {
            agent["role"] = r.roleSet.sorted().map { ["text": $0.rawValue] }
        }
        if !r.purpose.isEmpty {
            agent["purposeOfUse"] = [["coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", r.purpose)]]]
        }
        return agent
    }

    /// The client (role Patient) and the record or user the entry names, by opaque id only.
    private static func entities(_ r: LogRow) -> [[String: Any]] {
        var entities: [[String: Any]] = []
        if !r.clientID.isEmpty {
            entities.append([
                "what": ["identifier": ["system": "urn:confidant:client", "value": r.clientID]],
                "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                "role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            ])
        }
        if !r.recordID.isEmpty {
            // user.* and careteam.* entries name a user, not a record.
            let namesUser = r.action.hasPrefix("user.") || r.action.hasPrefix("careteam.")
            var entity: [String: Any] = [
                "what": ["identifier": ["system": namesUser ? "urn:confidant:user" : "urn:confidant:record", "value": r.recordID]],
                "type": namesUser ? coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person")
                                  : coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
            ]
            // The signed kind's labels (never a sealed one such as SUD: the entry does not hold it).
            let kind = AccessEntry(row: r).recordKind
            if !kind.isEmpty { entity["securityLabel"] = SecurityLabel.fhir(kind: kind) }
            entities.append(entity)
        }
        return entities
    }

    static func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

extension Session {
    /// The log (or a filtered slice) as a FHIR R4 Bundle of AuditEvents, JSON. Compliance only.
    public func exportLogFHIR(filter: LogFilter) throws -> Data {
        try perform(AccessIntent(action: "log.export", clientID: "", purpose: .operations)) { tx, _ in
            try require(.compliance, "exporting the access log")
            let rows = try tx.logEntries(matching: filter)
            let bundle = FHIRAuditExport.bundle(rows, vaultID: Encoding.hex(meta.vaultID), practice: meta.practice, generated: vault.now())
            do { return try JSONSerialization.data(withJSONObject: bundle, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]) } catch {
                throw VaultError.internalError("could not encode the FHIR bundle")
            }
        }
    }
}

import VaultCrypto
