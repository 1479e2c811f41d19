import Foundation
import Mustache

/// The Mustache templates of an export's index.html. `{{value}}` escapes HTML (`<`, `>`, `&`,
/// `"`, `'`); no template uses the unescaped `{{{…}}}` form, so every stored value reaches the
/// page escaped. The page has no script and loads nothing (its Content-Security-Policy says so),
/// and prints cleanly (a print stylesheet).
enum ExportPageTemplates {
    static let library: MustacheLibrary = {
        var lib = MustacheLibrary()
        for (name, text) in [("head", head), ("note", note), ("noteEnd", noteEnd), ("tail", tail)] {
            // The templates are constants of this file; a parse failure is a programming error.
            if let t = try? MustacheTemplate(string: text) { lib.register(t, named: name) }
        }
        return lib
    }()

    static func render(_ name: String, _ context: Any) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let style = """
    body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5;color:#111}
    h1,h2,h3{font-family:sans-serif;line-height:1.2}h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
    table{border-collapse:collapse;width:100%}td,th{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top}
    pre{white-space:pre-wrap;font-family:inherit;background:#f4f4f4;padding:.6em;border-left:4px solid #999}
    .legend dt{font-weight:bold}.muted{color:#444}details{margin:.5em 0}summary{cursor:pointer;font-weight:bold}
    .addendum{margin-left:1.5em;border-left:4px solid #2a6;padding-left:.8em}
    @media print{body{max-width:none;margin:0}details{display:block}nav{display:none}h2{page-break-after:avoid}
    .note{page-break-inside:avoid}a{color:#000;text-decoration:none}}
    """

    static let head = """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Your records at {{practice}}</title>
    <style>\(style)</style>
    </head><body>
    <header>
    <h1>Your records at {{practice}}</h1>
    <p>This is the copy of the records of <strong>{{clientName}}</strong> that {{practice}} prepared on {{preparedOn}}{{#receivedOn}}, answering the request it received on {{.}}{{/receivedOn}}.{{#thirdParty}} You asked for it to be sent to {{.}}.{{/thirdParty}}</p>
    <p>Date of birth: {{dateOfBirth}}. Contact: {{contact}}.</p>
    </header>
    <nav><h2>What is in this copy</h2><ol>
    <li><a href="#reading">How to read this page</a></li>
    <li><a href="#agreements">Your treatment agreements</a> ({{agreementCount}})</li>
    <li><a href="#notes">Your session notes</a> ({{noteCount}})</li>
    <li><a href="#authorizations">Permissions you signed to share your records</a> ({{authorizationCount}})</li>
    <li><a href="#amendments">Your requests for a correction</a> ({{amendmentCount}})</li>
    <li><a href="#accountings">Lists of disclosures you were given</a> ({{accountingCount}})</li>
    <li><a href="#withheld">What was not included, and why</a> ({{withheldCount}})</li>
    <li><a href="#disclosures">Who outside the practice received your records</a> ({{disclosureCount}})</li>
    <li><a href="#access">Who looked at your records</a></li>
    <li><a href="#rights">Your rights and whom to contact</a></li>
    </ol></nav>
    <section id="reading"><h2>How to read this page</h2>
    <dl class="legend">
    <dt>Times</dt><dd>All dates and times are in the practice's time zone, {{zone}}.</dd>
    <dt>Progress note</dt><dd>A note your therapist wrote about a session; part of your record.</dd>
    <dt>Psychotherapy note</dt><dd>A therapist's private process notes, kept apart from your record. They are included only if their author chose to include them.</dd>
    <dt>Correction</dt><dd>Notes are never changed after they are written. A correction is added after the note, with its date and author.</dd>
    <dt>Who looked at your records</dt><dd>Every time someone at the practice opened, wrote or shared your records, the practice's tamper-evident log recorded it. The list below comes from that log.</dd>
    </dl></section>
    <section id="agreements"><h2>Your treatment agreements</h2>
    {{^agreements}}<p>There are no agreements on file.</p>{{/agreements}}
    {{#agreements}}<article class="agreement"><h3>{{title}}</h3>
    <p class="muted">{{#facts}}{{label}}: {{value}}. {{/facts}}</p>
    {{#sections}}<h4>{{heading}}</h4><ul>{{#items}}<li>{{.}}</li>{{/items}}</ul>{{/sections}}
    <p>{{#acknowledgements}}{{.}} {{/acknowledgements}}</p></article>
    {{/agreements}}
    </section>
    <section id="notes"><h2>Your session notes</h2>
    {{^noteCount}}<p>There are no notes in this copy.</p>{{/noteCount}}

    """

    static let note = """
    <article class="note"><h3>{{title}}</h3><p class="muted">Written by {{author}} on {{written}}.</p>{{#protected}}<p><strong>{{.}}</strong></p>{{/protected}}<pre>
    """

    static let noteEnd = """
    </pre>
    {{#addenda}}<div class="addendum"><h4>{{heading}}</h4><p class="muted">By {{author}} on {{written}}.</p><pre>{{text}}</pre></div>
    {{/addenda}}</article>

    """

    static let tail = """
    </section>
    {{#recordSet}}
    <section id="authorizations"><h2>Permissions you signed to share your records</h2>
    <p>An authorization is your written permission for the practice to give some of your records to someone else. Each one you signed is listed here, with your signed copy when the practice filed one.</p>
    {{^authorizations}}<p>You have signed no authorizations.</p>{{/authorizations}}
    {{#authorizations}}<article class="authorization"><h3>To {{recipient}}</h3>
    <p>You allowed the practice to give {{what}} to {{recipient}}, for this purpose: {{purpose}}. {{signed}} {{ends}}</p>
    {{#revoked}}<p>You withdrew this permission; it stopped on {{.}}.</p>{{/revoked}}
    {{#copy}}<p>Your signed copy is the file <a href="{{.}}">{{.}}</a> in this folder.</p>{{/copy}}
    {{#revocationCopies}}<p>Your signed withdrawal is the file <a href="{{.}}">{{.}}</a> in this folder.</p>{{/revocationCopies}}
    </article>
    {{/authorizations}}
    </section>
    <section id="amendments"><h2>Your requests for a correction</h2>
    {{^amendments}}<p>You have not asked for a correction.</p>{{/amendments}}
    {{#amendments}}<article class="amendment"><h3>Your request received on {{received}}</h3>
    <p>You asked for a correction of {{what}}:</p><pre>{{requested}}</pre>
    <p>{{decision}}</p>{{#statements}}<p>{{.}}</p>{{/statements}}
    </article>
    {{/amendments}}
    </section>
    <section id="accountings"><h2>Lists of disclosures you were given</h2>
    {{^accountings}}<p>You have not been given a list of disclosures (an accounting) yet.</p>{{/accountings}}
    {{#accountings}}<p>On {{delivered}} you were given the list of disclosures from {{from}} to {{to}} ({{count}}){{#fee}}, for a fee of {{.}}{{/fee}}. The file <a href="{{file}}">{{file}}</a> is that list exactly as you received it; the practice's log proves it.</p>
    {{/accountings}}
    </section>
    {{/recordSet}}
    <section id="withheld"><h2>What was not included, and why</h2>
    {{^withheld}}<p>Nothing was left out.</p>{{/withheld}}
    {{#withheld}}<p><strong>{{what}}</strong>: {{reason}}{{#review}} {{.}}{{/review}}</p>
    {{/withheld}}
    </section>
    <section id="disclosures"><h2>Who outside the practice received your records</h2>
    <p>This is the accounting of disclosures the law entitles you to (45 CFR 164.528): the last six years, without disclosures for your treatment, for payment or the practice's operations, to you, or with your written authorization.</p>
    {{^disclosures}}<p>There were no such disclosures.</p>{{/disclosures}}
    {{#hasDisclosures}}<table><thead><tr><th scope="col">Date</th><th scope="col">Given to</th><th scope="col">Address</th><th scope="col">What</th><th scope="col">Why</th></tr></thead><tbody>
    {{#disclosures}}<tr><td>{{date}}</td><td>{{recipient}}</td><td>{{address}}</td><td>{{what}}</td><td>{{why}}</td></tr>
    {{/disclosures}}</tbody></table>{{/hasDisclosures}}
    </section>
    <section id="access"><h2>Who looked at your records</h2>
    {{^accesses}}<p>No one has opened your records.</p>{{/accesses}}
    <ul>{{#accesses}}<li>{{sentence}}</li>
    {{/accesses}}</ul>
    {{#hasMaintenance}}<details><summary>Behind-the-scenes work ({{maintenanceCount}})</summary>
    <p>The practice's software also did routine work that touched your records without anyone reading them: changing the locks on them (encryption keys), checking them, or managing who may open them. It is listed here for completeness.</p>
    <ul>{{#maintenance}}<li>{{sentence}}</li>
    {{/maintenance}}</ul></details>{{/hasMaintenance}}
    <p class="muted">Each line above is an entry of the practice's tamper-evident log; the file proof.json in this folder lets anyone check them without trusting the practice.</p>
    </section>
    <section id="rights"><h2>Your rights and whom to contact</h2>
    <ul>
    <li><strong>To ask for a correction.</strong> If you think something here is wrong or incomplete, ask {{practice}} in writing to amend it, naming the record. It must answer within 60 days. If it refuses, you may give a statement of disagreement, which is kept with the record.</li>
    <li><strong>To an accounting.</strong> You may ask at any time for a list of who outside the practice received your records in the last six years. The first list in any 12 months is free.</li>
    <li><strong>To a review.</strong> If something was left out for a reason that can be reviewed, you may ask for a review by a licensed professional who took no part in the decision.</li>
    <li><strong>To complain.</strong> Write to the privacy contact of {{practice}}, or to the U.S. Department of Health and Human Services, Office for Civil Rights (www.hhs.gov/ocr/complaints). No one may retaliate against you for complaining.</li>
    </ul>
    </section>
    </body></html>

    """
}
