/// DBT note templates: the headings a therapist fills in (`note add --template NAME`).
public enum NoteTemplate: String, CaseIterable, Sendable {
    case individualSession = "individual-session"
    case diaryCardReview = "diary-card-review"
    case chainAnalysis = "chain-analysis"
    case skillsGroup = "skills-group"
    case phoneCoaching = "phone-coaching"

    public var text: String {
        switch self {
        case .individualSession:
            "Individual session\n\nTarget hierarchy (life-threatening, therapy-interfering, quality-of-life):\n\n"
                + "Diary card highlights:\n\nChain analysis of target behaviour:\n\nSkills taught or practised:\n\n"
                + "Commitments and homework:\n\nRisk assessment and safety plan review:\n"
        case .diaryCardReview:
            "Diary card review\n\nWeek of:\nUrges (self-harm, suicide, substance) 0-5:\nActions taken:\nEmotions (highest):\n"
                + "Skills used:\nMissing or incomplete entries, and why:\n"
        case .chainAnalysis:
            "Chain analysis\n\nProblem behaviour:\nPrompting event:\nVulnerability factors:\n"
                + "Links (thoughts, feelings, sensations, actions):\nConsequences (short and long term):\n"
                + "Skillful alternatives at each link:\nRepair:\nPrevention plan:\n"
        case .skillsGroup:
            "Skills group\n\nModule (mindfulness, distress tolerance, emotion regulation, interpersonal effectiveness):\n"
                + "Skill taught:\nParticipation:\nHomework review:\nHomework assigned:\n"
        case .phoneCoaching:
            "Phone coaching\n\nTime and length of call:\nReason for the call:\nSkills coached:\nOutcome:\n"
                + "Risk assessment:\nFollow-up in next session:\n"
        }
    }
}
