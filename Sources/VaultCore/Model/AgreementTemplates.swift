import Foundation

/// Filled-in example agreements (`agreement template --kind K`): a starting point to edit with
/// the client, which `agreement add` accepts as it is.
public enum AgreementTemplate {
    /// The example of `kind`, as indented JSON, dated `today` (`YYYY-MM-DD`).
    /// - Parameters:
    ///   - today: the review date written into the example.
    ///   - later: the safety plan's next review, or the end of the relationship's term.
    ///   - catalogue: the exceptions a confidentiality example lists (all of them).
    public static func json(_ kind: AgreementKind, today: String, later: String,
                            catalogue: [ConfidentialityException] = ConfidentialityException.catalogue) -> String {
        switch kind {
        case .relationship: relationship(today: today, end: later)
        case .safety: safety(today: today, next: later)
        case .confidentiality: confidentiality(today: today, catalogue: catalogue)
        }
    }

    /// The example of `kind` for the day of `now`: a safety plan reviewed again in 3 months, a
    /// relationship term of 6 months.
    public static func json(_ kind: AgreementKind, now: Date) -> String {
        json(kind, today: CalendarDate.string(from: now), later: CalendarDate.string(from: now, addingMonths: kind == .safety ? 3 : 6))
    }

    private static func relationship(today: String, end: String) -> String {
        #"""
        {
          "reviewedOn": "\#(today)",
          "clientCommitments": [
            "attend weekly individual therapy sessions for the treatment term",
            "attend the weekly skills training group",
            "practise DBT skills between sessions and fill in the diary card every day",
            "use phone coaching before acting on urges to harm myself, not after",
            "work on behaviours that interfere with therapy, and tell my therapist if I think of leaving treatment"
          ],
          "therapistCommitments": [
            "provide a supportive, non-judgmental and validating environment",
            "make every reasonable effort to help the client reach their goals",
            "be available for phone coaching in the agreed hours",
            "keep to the limits of confidentiality explained in the confidentiality agreement",
            "take part in a DBT consultation team"
          ],
          "treatmentGoals": [
            "reduce self-harm and suicidal behaviour",
            "reduce emotional dysregulation",
            "build a life worth living"
          ],
          "treatmentTerm": {
            "start": "\#(today)",
            "end": "\#(end)",
            "renewal": "reviewed together in the last month of the term; renewed by mutual agreement"
          }
        }
        """#
    }

    private static func safety(today: String, next: String) -> String {
        #"""
        {
          "format": 2,
          "reviewedOn": "\#(today)",
          "nextReviewOn": "\#(next)",
          "warningSigns": ["not sleeping for two nights", "pulling away from friends", "thinking \"nothing will change\""],
          "internalCoping": ["TIPP: cold water on my face", "paced breathing", "listening to my playlist", "a walk around the block"],
          "distractionPeople": [{"name": "Sam", "relation": "friend", "phone": "+1 555 0142"}],
          "distractionPlaces": ["the coffee shop on Main Street", "the public library"],
          "askForHelp": [
            {"name": "Alex", "relation": "sister", "phone": "+1 555 0101", "text": "+1 555 0101"},
            {"name": "Jamie", "relation": "partner", "phone": "+1 555 0102", "email": "jamie@example.org"}
          ],
          "professionals": [
            {"name": "Dr. Rivera", "relation": "individual therapist, phone coaching", "phone": "+1 555 0100", "hours": "daily 8:00-21:00"},
            {"name": "988 Suicide & Crisis Lifeline", "phone": "988", "text": "988", "hours": "24/7"},
            {"name": "Crisis Text Line", "text": "HOME to 741741", "hours": "24/7"},
            {"name": "County Hospital emergency department", "phone": "911", "address": "100 Hospital Drive", "hours": "24/7"}
          ],
          "safeEnvironment": ["medications kept by Alex", "razors out of the house", "no alcohol at home"],
          "reasonsForLiving": ["my niece", "my dog, Biscuit", "finishing my degree"],
          "refrainFrom": ["self-harm", "using alcohol to cope"]
        }
        """#
    }

    private static func confidentiality(today: String, catalogue: [ConfidentialityException]) -> String {
        let codes = catalogue.map { "    \"\($0.code)\"" }.joined(separator: ",\n")
        return "{\n  \"reviewedOn\": \"\(today)\",\n  \"exceptionsExplained\": [\n\(codes)\n  ]\n}"
    }
}
