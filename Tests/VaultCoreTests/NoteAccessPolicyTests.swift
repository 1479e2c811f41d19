import Foundation
import Testing
@testable import VaultCore
import VaultStoreSQLite

/// Every cell of ``NoteAccessPolicy``: role x care team x open release x --break-glass x purpose
/// x psychotherapy x author (2 x 2 x 2 x 2 x 2 x 2 x 2 = 128), against rules written out here.
@Suite("note access policy")
struct NoteAccessPolicyTests {
    @Test("every cell of the note access rules")
    func everyCell() {
        var cells = 0
        for therapist in [false, true] {
            for onTeam in [false, true] {
                for released in [false, true] {
                    for breakGlass in [false, true] {
                        for purpose in [Purpose.treat, .emergencyTreat] {
                            for psy in [false, true] {
                                for own in [false, true] {
                                    cells += 1
                                    let f = NoteAccessPolicy.Facts(
                                        user: "chen", roles: therapist ? [.therapist] : [.compliance], noteID: "n1", clientID: "c1",
                                        onCareTeam: onTeam, releaseOpen: released, breakGlass: breakGlass, purpose: purpose,
                                        psychotherapy: psy, author: own ? "chen" : "rivera")
                                    #expect(NoteAccessPolicy.decide(f) == Self.expected(therapist, onTeam, released, breakGlass, purpose, psy, own),
                                            "\(f)")
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(cells == 128)
    }

    /// The rules as a person states them, one case per outcome.
    static func expected(_ therapist: Bool, _ onTeam: Bool, _ released: Bool, _ breakGlass: Bool, _ purpose: Purpose,
                         _ psy: Bool, _ own: Bool) -> NoteAccessPolicy.Decision {
        let sealedToAuthor = NoteAccessPolicy.Decision.refused(.notPermitted, "note n1 is a psychotherapy note sealed to its author; only the author can open it")
        if !therapist { return .refused(.notPermitted, "opening a note needs the therapist role; user 'chen' has compliance") }
        if onTeam { return psy && !own ? sealedToAuthor : .open }
        if !breakGlass && !released {
            return .refused(.notPermitted, "user 'chen' is not on the care team of client c1; a care-team therapist or an admin can grant access")
        }
        if purpose != .emergencyTreat { return .refused(.usage, "emergency access needs --purpose ETREAT") }
        if psy { return .refused(.notPermitted, "psychotherapy notes are never reachable by emergency access") }
        return released ? .openThroughRelease : .requestEmergency
    }
}
