import Foundation
import Testing
import VaultTestSupport

fileprivate func jsonObject(_ r: CLIResult) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: r.stdoutData)) as? [String: Any] ?? [:]
}

fileprivate extension TestPractice {
    /// `agreement template --kind K` written to a file, added for `client`; returns the id.
    func addFromTemplate(_ client: String, _ kind: String) throws -> String {
        let t = try CLI.run(["agreement", "template", "--kind", kind], env: env)
        guard t.exitCode == 0 else { throw TestFailure("template \(kind): \(t.exitCode) \(t.stderr)") }
        let file = try dir.write("\(kind)-template.json", t.stdout)
        return try ok("rivera", ["agreement", "add", client, "--kind", kind, "--file", file])
    }

    func show(_ aid: String, _ extra: [String] = []) throws -> CLIResult {
        try run("rivera", ["agreement", "show", aid, "--purpose", "TREAT"] + extra)
    }
}

@Suite("agreement templates, text and HTML, acknowledging what was shown")
struct AgreementTemplatesEndToEndTests {
    @Test("each kind's template, fed back to agreement add, is accepted", arguments: ["relationship", "safety", "confidentiality"])
    func templateRoundTrip(_ kind: String) throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let t = try CLI.run(["agreement", "template", "--kind", kind])
        #expect(t.exitCode == 0 && t.stderr.isEmpty, "\(t.stderr)")
        // Plain JSON, needing no vault and no passphrase, dated today.
        let template = try #require(try JSONSerialization.jsonObject(with: t.stdoutData) as? [String: Any])
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(template["reviewedOn"] as? String == today)
        let aid = try p.addFromTemplate(client, kind)
        let body = try #require(jsonObject(try p.show(aid, ["--json"]))["body"] as? [String: Any])
        #expect(body["kind"] as? String == kind)
        switch kind {
        case "safety":
            #expect(body["format"] as? Int == 2)
            let professionals = body["professionals"] as? [[String: Any]] ?? []
            #expect(professionals.contains { $0["phone"] as? String == "988" })
            #expect(professionals.contains { $0["text"] as? String == "HOME to 741741" })
        case "relationship":
            #expect((body["clientCommitments"] as? [String])?.contains { $0.contains("skills training group") } == true)
            #expect((body["treatmentTerm"] as? [String: Any])?["start"] as? String == today)
        default:
            #expect((body["exceptionsExplained"] as? [String])?.first == "harm-to-self")
        }
    }

    @Test("--format text: headings, fields in order, exception codes with their meanings (practice additions too)")
    func textFormat() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        _ = try p.ok("admin", ["exceptions", "add", "--kind", "permitted", "duty-to-protect",
                               "--meaning", "duty to protect an identified victim", "--basis", "Cal. Civ. Code 43.92"])
        let aid = try p.addConfidentialityAgreement(client, ["harm-to-self", "child-abuse", "duty-to-protect"], reviewedOn: "2026-11-02")
        let r = try p.show(aid)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Confidentiality agreement\n=========================\n"))
        #expect(r.stdout.contains("Reviewed with the client:     2026-11-02\n"))
        #expect(r.stdout.contains("\nLimits of confidentiality explained\n"))
        #expect(r.stdout.contains("  - harm-to-self: serious and imminent risk of harm to the client "
                                  + "(45 CFR 164.512(j)(1)(i); permitted)\n"))
        #expect(r.stdout.contains("  - child-abuse: suspected child abuse or neglect, mandated report "
                                  + "(164.512(b)(1)(ii); state law; required by law)\n"))
        #expect(r.stdout.contains("  - duty-to-protect: duty to protect an identified victim (Cal. Civ. Code 43.92; permitted)\n"))
        #expect(r.stdout.hasSuffix("Acknowledgements\n----------------\n  Not acknowledged by the client in Confidant.\n"))
        // --format text is the default; --format json is what --json prints.
        #expect(try p.show(aid, ["--format", "text"]).stdout == r.stdout)
        let json = try p.show(aid, ["--format", "json"])
        let plainJSON = try p.show(aid, ["--json"])
        #expect(json.exitCode == 0 && json.stdout == plainJSON.stdout)
        #expect(try p.show(aid, ["--format", "pdf"]).exitCode == 64)
    }

    @Test("the sections of a safety plan come in the Stanley-Brown order; a format-1 agreement still shows")
    func safetySections() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let plan = try p.show(try p.addFromTemplate(client, "safety")).stdout
        let headings = ["Step 1. Warning signs", "Step 2. Internal coping strategies", "Step 3. People and social settings",
                        "Step 4. People I can ask for help", "Step 5. Professionals and agencies", "Step 6. Making the environment safe",
                        "Reasons for living", "Behaviours I agree to work on", "Acknowledgements"]
        let positions = headings.compactMap { plan.range(of: "\n" + $0)?.lowerBound }
        #expect(positions.count == headings.count && positions == positions.sorted(), "\(plan)")
        #expect(plan.hasPrefix("Safety plan\n"))
        #expect(plan.contains("  - 988 Suicide & Crisis Lifeline: phone 988; text 988; hours 24/7\n"))
        #expect(plan.contains("  - Crisis Text Line: text HOME to 741741; hours 24/7\n"))
        #expect(plan.contains("Next review:"))

        let v1 = try p.dir.write("v1.json", #"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm"], "#
                                 + #""crisisPlan": "call 988, then my sister", "#
                                 + #""crisisContacts": [{"name": "Alex", "relation": "sister", "phone": "+1 555 0101"}]}"#)
        let old = try p.show(try p.ok("rivera", ["agreement", "add", client, "--kind", "safety", "--file", v1])).stdout
        #expect(old.hasPrefix("Safety agreement\n"))
        #expect(old.contains("\nCrisis plan\n-----------\n  - call 988, then my sister\n"))
        #expect(old.contains("  - Alex (sister): phone +1 555 0101\n"))
    }

    @Test("--format html: a standalone page with a signature line, every stored string escaped, no script")
    func htmlEscapes() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let template = try CLI.run(["agreement", "template", "--kind", "safety"]).stdout
        let hostile = #"<script>alert(\"x\")</script> & 'Sam'"#
        let file = try p.dir.write("hostile.json", template.replacingOccurrences(of: #""name": "Sam""#, with: "\"name\": \"\(hostile)\""))
        let aid = try p.ok("rivera", ["agreement", "add", client, "--kind", "safety", "--file", file])
        let r = try p.show(aid, ["--format", "html"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        let html = r.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.hasSuffix("</html>\n\n") || html.hasSuffix("</html>\n"))
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Sam&#39; (friend)"))
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("<h2>Step 1. Warning signs</h2>"))
        #expect(html.contains("Client (or representative) signature") && html.contains("class=\"line\""))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }

    @Test("acknowledge needs --yes without a terminal, asks nothing then, and signs the text it showed")
    func acknowledgeNeedsYes() throws {
        let p = try TestPractice()
        let client = try p.addClient(name: "Jordan")
        let aid = try p.addFromTemplate(client, "relationship")
        try p.addUser("jordan", role: "client", ["--client", client, "--recovery-key", p.recoveryKey])
        let before = try VaultFile.logRows(p.vault).count
        let refused = try p.run("jordan", ["agreement", "acknowledge", aid])
        #expect(refused.exitCode == 64)
        #expect(refused.stderr.contains("--yes"))
        #expect(try VaultFile.logRows(p.vault).count == before)  // refused before the passphrase: nothing logged

        let r = try p.run("jordan", ["agreement", "acknowledge", aid, "--yes"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Treatment agreement (client and therapist)\n"))
        #expect(r.stdout.contains("\nTreatment term\n") && r.stdout.contains("attend the weekly skills training group"))
        #expect(!r.stderr.contains("[y/N]"))
        let rows = try VaultFile.logRows(p.vault).suffix(2)
        #expect(rows.map(\.action) == ["agreement.show", "agreement.acknowledge"])
        #expect(rows.allSatisfy { $0.actor == "jordan" && $0.outcome == "success" && $0.record == aid })

        // --json: one JSON value on stdout, the text on stderr.
        let json = try p.run("jordan", ["--json", "agreement", "acknowledge", aid, "--yes"])
        #expect(json.exitCode == 0)
        #expect(jsonObject(json)["signatureValid"] as? Bool == true)
        #expect(json.stderr.contains("Treatment agreement (client and therapist)"))
        let shown = try p.show(aid).stdout
        #expect(shown.contains("Acknowledged by jordan at ") && shown.contains(": signature verifies"))
    }
}
