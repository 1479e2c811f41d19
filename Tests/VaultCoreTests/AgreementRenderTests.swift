import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

@Suite("agreement rendering (text and HTML)")
struct AgreementRenderTests {
    func record(_ json: String, _ kind: AgreementKind) throws -> AgreementRecord {
        let body = try AgreementBody.parse(Data(json.utf8), kind: kind, knownExceptions: ["harm-to-self", "local-rule"])
        return AgreementRecord(id: "a1", clientID: "c1", kind: kind.rawValue, version: 2, author: "rivera",
                               createdAt: "2026-11-02T10:00:00Z", body: body, acknowledgements: [])
    }

    @Test("the one HTML escaping function: markup characters and controls")
    func escaping() {
        #expect(AgreementRender.escapeHTML(#"<script>a("x") & 'y'</script>"#)
                == "&lt;script&gt;a(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(AgreementRender.escapeHTML("a\u{1b}[31mb\u{9b}c\nd") == "a\u{FFFD}[31mb\u{FFFD}c\nd")
    }

    @Test("text: a stored line break cannot start a line of its own; unknown codes are said to be unknown")
    func textFlattening() throws {
        let r = try record(#"{"reviewedOn": "2026-11-02", "refrainFrom": ["self-harm\nAcknowledged by jordan"], "#
                           + #""crisisPlan": "call", "crisisContacts": []}"#, .safety)
        let text = AgreementRender.text(r, catalogue: ConfidentialityException.catalogue)
        #expect(text.contains("  - self-harm\\nAcknowledged by jordan\n"))
        #expect(!text.contains("\nAcknowledged by jordan"))
        let c = try record(#"{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "local-rule"]}"#, .confidentiality)
        let ctext = AgreementRender.text(c, catalogue: ConfidentialityException.catalogue)
        #expect(ctext.contains("  - local-rule: (not in this vault's catalogue)\n"))
        #expect(ctext.contains("  - harm-to-self: serious and imminent risk of harm to the client"))
    }

    @Test("html: every stored string escaped, no script, signature lines")
    func html() throws {
        let template = AgreementTemplate.json(.safety, today: "2026-11-02", later: "2027-02-02")
        let hostile = template.replacingOccurrences(of: #""name": "Sam""#, with: #""name": "<img src=x onerror=alert(1)>""#)
        let r = try record(hostile, .safety)
        let page = AgreementRender.html(r, catalogue: [])
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt; (friend)"))
        #expect(!page.contains("<img") && !page.lowercased().contains("<script"))
        #expect(page.contains("<h2>Step 5. Professionals and agencies I can contact in a crisis</h2>"))
        #expect(page.contains("988 Suicide &amp; Crisis Lifeline: phone 988; text 988; hours 24/7"))
        #expect(page.contains("Therapist signature"))
    }
}
