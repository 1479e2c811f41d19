import Foundation

/// Who may open a note, and how (pure): the care-team rule, emergency access and the
/// psychotherapy rule. ``Session/openNote(id:purpose:reason:breakGlass:)`` gathers the facts,
/// asks, and acts on the answer.
package enum NoteAccessPolicy {
    package struct Facts: Equatable, Sendable {
        package var user: String
        package var roles: Set<Role>
        package var noteID: String
        package var clientID: String
        package var onCareTeam: Bool
        /// This user holds an open emergency release for the client.
        package var releaseOpen: Bool
        /// `--break-glass` was given.
        package var breakGlass: Bool
        package var purpose: Purpose
        package var psychotherapy: Bool
        package var author: String

        package init(user: String, roles: Set<Role>, noteID: String, clientID: String, onCareTeam: Bool, releaseOpen: Bool,
                     breakGlass: Bool, purpose: Purpose, psychotherapy: Bool, author: String) {
            self.user = user; self.roles = roles; self.noteID = noteID; self.clientID = clientID; self.onCareTeam = onCareTeam
            self.releaseOpen = releaseOpen; self.breakGlass = breakGlass; self.purpose = purpose
            self.psychotherapy = psychotherapy; self.author = author
        }
    }

    package enum Decision: Equatable, Sendable {
        /// Open it with the care key the user holds.
        case open
        /// Open it through the user's open emergency release (flagged `break-glass`).
        case openThroughRelease
        /// Record an emergency request and show nothing (flagged `break-glass`).
        case requestEmergency
        /// Refused: the error kind (usage 64 or not permitted 77) and its message.
        case refused(VaultError.Kind, String)
    }

    package static func decide(_ f: Facts) -> Decision {
        guard f.roles.contains(.therapist) else {
            let has = Role.format(f.roles).isEmpty ? "none" : Role.format(f.roles)
            return .refused(.notPermitted, "opening a note needs the therapist role; user '\(f.user)' has \(has)")
        }
        var decision = Decision.open
        if !f.onCareTeam {
            guard f.breakGlass || f.releaseOpen else {
                return .refused(.notPermitted, "user '\(f.user)' is not on the care team of client \(f.clientID); "
                                + "a care-team therapist or an admin can grant access")
            }
            guard f.purpose == .emergencyTreat else { return .refused(.usage, "emergency access needs --purpose ETREAT") }
            guard !f.psychotherapy else { return .refused(.notPermitted, "psychotherapy notes are never reachable by emergency access") }
            guard f.releaseOpen else { return .requestEmergency }
            decision = .openThroughRelease
        }
        if f.psychotherapy && f.author != f.user {
            return .refused(.notPermitted, "note \(f.noteID) is a psychotherapy note sealed to its author; only the author can open it")
        }
        return decision
    }
}
