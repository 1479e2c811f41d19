import Foundation

/// The access report as sentences a client reads: "3 November 2026 at 09:15: rivera opened
/// your session note of 3 November 2026, for your treatment." Routine work (key changes, care
/// team and user changes, checks) is listed apart, collapsed, with an explanation.
struct ExportPageSentences {
    let page: ExportPage

    /// (entries about reading and writing the client's records, routine work).
    func accessSentences() -> ([String], [String]) {
        var people: [String] = []
        var routine: [String] = []
        for a in page.records.accessReport {
            let s = sentence(a)
            if Self.isRoutine(a.action) { routine.append(s) } else { people.append(s) }
        }
        return (people, routine)
    }

    static func isRoutine(_ action: String) -> Bool {
        action.hasPrefix("key.") || action.hasPrefix("user.") || action.hasPrefix("careteam.") || action.hasPrefix("vault.")
            || action.hasPrefix("settings.") || action.hasPrefix("log.") || action.hasPrefix("session.") || action.hasPrefix("state.")
    }

    private func sentence(_ a: ExportAccess) -> String {
        let refused = a.outcome != "success"
        var s = "\(page.time(a.time)): \(a.actor) \(refused ? "tried to " : "")\(verb(a.action, refused: refused))"
        let what = record(a.record, action: a.action)
        if !what.isEmpty { s += " " + what }
        if let why = Self.purpose(a.purpose) { s += ", " + why }
        if refused { s += " — this was refused" + (a.outcome == "denied" ? "" : " (\(a.outcome == "not-found" ? "nothing was found" : "an error"))") }
        return s + "."
    }

    /// The record an entry names, in words ("your session note of 3 November 2026").
    private func record(_ id: String, action: String) -> String {
        id.isEmpty ? "" : page.recordName(id) ?? ""
    }

    private func verb(_ action: String, refused: Bool) -> String {
        let base = Self.verbs[action] ?? Self.verbs[String(action.split(separator: ".").first ?? "")] ?? "work on your records"
        return refused ? base : Self.past(base)
    }

    /// Present-tense phrases (after "tried to") and their past forms.
    private static let verbs: [String: String] = [
        "note.open": "open", "note.add": "write", "note.add.batch": "write notes", "note.list": "list your notes",
        "note.amend": "add a correction to your records", "agreement.add": "write", "agreement.show": "read", "agreement.list": "list your agreements",
        "agreement.acknowledge": "sign an acknowledgement of", "client.add": "add you as a client of the practice",
        "client.show": "look at your contact details", "client.list": "list the practice's clients", "client.find": "look you up",
        "disclosure.add": "record a release of your records", "disclosure.suspend": "hold back part of your accounting, as the law allows",
        "authorization.add": "record your authorization", "authorization.revoke": "record that you revoked an authorization",
        "authorization.list": "list your authorizations", "export.request": "record your request for a copy of your records",
        "export.requests": "look at the requests for copies", "export.fulfill": "prepare this copy of your records",
        "export.fulfilled": "finish this copy of your records", "export.extend": "extend the deadline for your copy",
        "export.deny": "record a decision to leave records out of your copy", "export.review-denial": "review a decision to leave records out",
        "accounting": "handle your request for an accounting", "amendment": "handle your request for a correction",
        "emergency": "ask for emergency access to your records", "disclosure": "look at the list of releases of your records",
        "client.purge": "erase your records", "review.close": "close a compliance review item",
        "key": "change the lock (encryption key) on your records", "careteam": "change who on your care team may open your records",
        "user": "manage a staff or client account", "log": "check the practice's log", "vault": "look after the practice's records store",
        "session": "sign in", "settings": "change a practice setting", "state": "check your records",
    ]

    private static func past(_ phrase: String) -> String {
        let irregular = ["open": "opened", "write": "wrote", "read": "read", "add": "added", "look": "looked", "list": "listed",
                         "sign": "signed", "record": "recorded", "hold": "held", "prepare": "prepared", "finish": "finished",
                         "extend": "extended", "review": "reviewed", "handle": "handled", "ask": "asked", "erase": "erased",
                         "close": "closed", "work": "worked",
                         "change": "changed", "manage": "managed", "check": "checked"]
        var words = phrase.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if let first = words.first, let p = irregular[first] { words[0] = p }
        return words.joined(separator: " ")
    }

    /// A purpose of use (HL7 v3 ActReason) in words.
    static func purpose(_ code: String) -> String? {
        switch code {
        case "TREAT": "for your treatment"
        case "ETREAT": "in an emergency"
        case "HOPERAT": "for the practice's own operations, such as a compliance check"
        case "PATRQT": "at your request"
        case "HLEGAL": "for a legal matter"
        case "THREAT": "to prevent a threat to someone's safety"
        case "PUBHLTH": "for public health"
        default: nil
        }
    }
}
