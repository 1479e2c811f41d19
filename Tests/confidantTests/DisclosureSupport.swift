import Foundation
import GRDB
import Testing
import VaultTestSupport


// Shared helpers of the disclosure, accounting and exception suites.

extension String {
    var trimmedLine: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

func disclosureJSONArray(_ r: CLIResult) -> [[String: Any]] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [[String: Any]] ?? []
}

func disclosureJSONObject(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

func testClock(_ iso: String) -> [String: String] { ["CONFIDANT_TEST_NOW": iso] }

extension TestPractice {
    /// Enrols a compliance user that holds the audit key (enrolled with the recovery key).
    func enrolAuditor(_ name: String = "auditor") throws {
        try addUser(name, role: "compliance", ["--recovery-key", recoveryKey])
    }

    /// `disclose CLIENT --to … --address … --records … --basis … --purpose …` plus `extra`, as `user`.
    func discloseCLI(_ client: String, records: [String], basis: String, to: String = "County Crisis Team",
                     address: String = "1 Main St, Springfield", purpose: String = "imminent risk of self-harm",
                     date: String? = nil, extra: [String] = [], as user: String = "rivera", env: [String: String] = [:]) throws -> CLIResult {
        var args = ["disclose", client, "--to", to, "--address", address, "--records", records.joined(separator: ","),
                    "--basis", basis, "--purpose", purpose]
        if let date { args += ["--date", date] }
        return try run(user, args + extra, env: env)
    }

    func recordCount() throws -> Int {
        try VaultFile.string(vault, "SELECT COUNT(*) FROM records").flatMap { Int($0) } ?? -1
    }

    func cosignArgs(_ user: String) -> [String] {
        ["--cosign", user, "--cosign-passphrase-file", dir.file("pass-\(user)")]
    }
}

/// The accounting's JSON keys: exactly the 164.528(b)(2) fields.
let accountingKeys = ["date", "description", "purpose", "recipientAddress", "recipientName"]

// MARK: disclosures
