import Foundation
import VaultCrypto

/// The three kinds of a client's request, told apart by their id's first letter.
public enum RequestKind: String, Sendable, Codable, CaseIterable {
    /// A copy of the client's records (45 CFR 164.524): due 30 days after receipt.
    case access
    /// An accounting of disclosures (164.528(c)): due 60 days after receipt.
    case accounting
    /// An amendment of a record (164.526): due 60 days after receipt.
    case amendment

    public var idPrefix: String {
        switch self { case .access: "r"; case .accounting: "q"; case .amendment: "m" }
    }

    /// Days from receipt to the due date; one extension adds ``extensionDays``.
    public var dueDays: Int { self == .access ? 30 : 60 }
    public static let extensionDays = 30

    /// The kind an id names; nil for an id of none.
    public init?(id: String) {
        guard let k = Self.allCases.first(where: { id.hasPrefix($0.idPrefix) }) else { return nil }
        self = k
    }

    /// The review rule of a request of this kind left open past its due date.
    public var overdueRule: String { "\(rawValue == "access" ? "export" : rawValue)-overdue" }
}

/// A request's state as its plaintext row holds it.
public enum RequestState {
    /// Still running: the due date applies.
    public static func isOpen(_ state: String) -> Bool { state == "open" || state == "extended" }
}

/// Due dates of requests: calendar days (UTC, as every date the CLI takes), due at the end of
/// the due day.
public enum RequestDeadline {
    /// `YYYY-MM-DD` `days` after `day`; nil when `day` is not a date.
    public static func adding(_ days: Int, to day: String) -> String? {
        guard let start = Timestamp.dayStart(day) else { return nil }
        return CalendarDate.string(from: Date(timeIntervalSince1970: Double(start + Int64(days) * 86_400_000) / 1000))
    }

    /// The instant a request due on `day` becomes overdue (the end of that day).
    public static func dueAt(_ day: String) -> Int64? {
        Timestamp.dayStart(day).map { $0 + 86_400_000 - 1 }
    }

    /// The due day of a row (the calendar day of its `dueAt`).
    public static func dueDay(_ row: ExportRequestRow) -> String {
        CalendarDate.string(from: Date(timeIntervalSince1970: Double(row.dueAt) / 1000))
    }
}

extension Session {
    /// Checks that this user may act for `clientID` on a request (`what` names the action for
    /// messages): the client itself, a care-team therapist or an admin on the client's behalf.
    /// A personal representative acts while its recorded authority is active (its scope is
    /// applied when its request is fulfilled); after it ends or is blocked the attempt is 77 and
    /// flagged on `intent` for review.
    func requireActsFor(_ tx: any StoreTransaction, clientID: String, intent: IntentBox? = nil, _ what: String) throws {
        if roles.contains(.representative) {
            _ = try requireRepresentativeAuthority(tx, clientID: clientID, intent: intent, what)
            return
        }
        if roles.contains(.client) {
            guard try tx.user(named: user)?.clientID == clientID else {
                throw VaultError.notPermitted("a client can \(what) only for its own records")
            }
            return
        }
        if roles.contains(.admin) { return }
        try require(.therapist, what)
        try requireCareTeam(tx, clientID)
    }

    /// A received-on date as given (`YYYY-MM-DD`), or today; never after today nor before the
    /// client's birth (64).
    func receivedDay(_ tx: any StoreTransaction, clientID: String, given: String?) throws -> String {
        let today = CalendarDate.string(from: vault.now())
        guard let given else { return today }
        guard CalendarDate.isValid(given) else { throw VaultError.usage("--received-on must be a date YYYY-MM-DD, not '\(given)'") }
        if let problem = DisclosurePolicy.dateProblem(given, field: "--received-on", today: today,
                                                      dateOfBirth: try profile(tx, clientID).dateOfBirth) {
            throw VaultError.usage(problem)
        }
        return given
    }

    /// Seals one event of a request as a `request` record of its client (subkind
    /// `KIND.EVENT`); `body` is its JSON. Returns the record's id.
    @discardableResult
    func storeRequestEvent(_ tx: any StoreTransaction, request: ExportRequestRow, event: String, body: some Encodable) throws -> String {
        guard let kind = RequestKind(id: request.id) else { throw VaultError.badData("request id \(request.id) names no kind") }
        let id = Self.newID(prefix: "k")
        try storeSealed(tx, clientID: request.clientID, id: id, kind: .request, subkind: "\(kind.rawValue).\(event)",
                        plaintext: try JSONEncoder.sorted.encode(RequestEvent(requestID: request.id, event: event, body: body)))
        return id
    }

    /// A request's events in the order they were made, each decoded as `T` where its event is
    /// `event` (others skipped). Needs the client's key.
    func requestEvents<T: Decodable>(_ tx: any StoreTransaction, request: ExportRequestRow, event: String, as: T.Type) throws -> [T] {
        var out: [(Int64, String, T)] = []
        // Only this request's kind: an amendment's `request` event is not an accounting's.
        let subkind = (RequestKind(id: request.id).map { "\($0.rawValue)." } ?? "") + event
        for s in try tx.recordSummaries(clientID: request.clientID) where s.kind == .request && s.subkind.hasSuffix(subkind) {
            guard let rec = try tx.record(id: s.id) else { continue }
            let e = try JSONDecoder().decode(RequestEvent<T>.self, from: Data(try openRecord(tx, rec)))
            guard e.requestID == request.id, e.event == event else { continue }
            out.append((rec.createdAt, rec.id, e.body))
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }
}

/// The sealed body of a request event: the request it belongs to, the event, its details.
struct RequestEvent<Body> {
    var requestID: String
    var event: String
    var body: Body
}

extension RequestEvent: Encodable where Body: Encodable {}
extension RequestEvent: Decodable where Body: Decodable {}
