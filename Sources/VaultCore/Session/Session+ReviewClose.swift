import Foundation

/// Which open items `log close-review --rule R [--actor U] [--until D]` closes.
public struct ReviewSelection: Sendable, Equatable {
    public var rule: String
    public var actor: String?
    /// `YYYY-MM-DD`: items dated on or before this day (UTC).
    public var until: String?

    public init(rule: String, actor: String? = nil, until: String? = nil) {
        self.rule = rule; self.actor = actor; self.until = until
    }

    /// - Throws: ``VaultError`` usage (64) for an unknown rule or a malformed date.
    public func validate() throws(VaultError) {
        try ReviewRules.validate(rule)
        if let until, !CalendarDate.isValid(until) { throw VaultError.usage("--until must be a date YYYY-MM-DD") }
    }

    func matches(_ i: ReviewItem) -> Bool {
        i.state == "open" && i.rule == rule && (actor == nil || i.actor == actor) && (until.map { String(i.time.prefix(10)) <= $0 } ?? true)
    }
}

/// What a bulk `log close-review` did.
public struct ReviewClosureResult: Sendable, Codable, Equatable {
    /// The items closed, each by its own signed `review.close` entry.
    public var closed: [String]
    /// Matching items this user may not close (its own, while another compliance user exists).
    public var skipped: [String]
}

extension Session {
    /// Closes a review item with a note (sealed for compliance). The closing is itself an entry.
    /// - Throws: ``VaultError`` not found (66) for an unknown item, usage (64) for an empty note or
    ///   an item already closed.
    public func closeReview(item: String, note: String) throws(VaultError) {
        try TextInput.validate(note, field: "--note")
        try closeOne(item, note: note, known: nil)
    }

    /// Closes several items with one unlock; each closure is its own signed `review.close`
    /// entry. Every item is checked first: if one is unknown, closed or the user's own, that
    /// one's refusal is logged and thrown and none is closed.
    /// - Throws: ``VaultError`` as ``closeReview(item:note:)``.
    public func closeReviews(items ids: [String], note: String) throws(VaultError) -> ReviewClosureResult {
        try TextInput.validate(note, field: "--note")
        var unique: [String] = []
        for id in ids where !unique.contains(id) { unique.append(id) }
        guard let first = unique.first else { throw VaultError.usage("name the items to close, or select them with --rule") }
        let queue = try reviewQueueForClosing(note: note, firstItem: first)
        let staff = try VaultError.typed { try vault.store.read { tx in ReviewClosurePolicy.staffCount(try tx.users()) } }
        var done: Set<String> = []
        for id in unique {
            guard let item = queue[id], item.state == "open", case .allowed = ReviewClosurePolicy.decide(
                closer: user, closerRoles: roles, itemActor: item.actor, staffCount: staff) else {
                try closeOne(id, note: note, known: nil)  // logs and throws this item's refusal
                done.insert(id)
                continue
            }
        }
        for id in unique where !done.contains(id) { try closeOne(id, note: note, known: queue[id]) }
        return ReviewClosureResult(closed: unique, skipped: [])
    }

    /// Closes every open item matching `selection` with one unlock, each by its own signed
    /// entry; the user's own items (while another compliance user exists) are skipped.
    /// - Throws: ``VaultError`` usage (64) for an unknown rule, a malformed date or an empty note.
    public func closeReviews(matching selection: ReviewSelection, note: String) throws(VaultError) -> ReviewClosureResult {
        try TextInput.validate(note, field: "--note")
        try selection.validate()
        let queue = try reviewQueueForClosing(note: note, firstItem: "")
        let staff = try VaultError.typed { try vault.store.read { tx in ReviewClosurePolicy.staffCount(try tx.users()) } }
        var result = ReviewClosureResult(closed: [], skipped: [])
        for item in queue.values.filter(selection.matches).sorted(by: { ($0.seq, $0.id) < ($1.seq, $1.id) }) {
            guard case .allowed = ReviewClosurePolicy.decide(closer: user, closerRoles: roles, itemActor: item.actor, staffCount: staff) else {
                result.skipped.append(item.id)
                continue
            }
            try closeOne(item.id, note: note, known: item)
            result.closed.append(item.id)
        }
        return result
    }

    /// The whole queue by id, read once under a `log.review` entry; an empty note or a user
    /// without the compliance role is refused (and logged) before anything closes.
    func reviewQueueForClosing(note: String, firstItem: String) throws(VaultError) -> [String: ReviewItem] {
        if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !roles.contains(.compliance) {
            try closeOne(firstItem, note: note, known: nil)
        }
        let items = try perform(AccessIntent(action: "log.review", purpose: .operations)) { tx, _ in
            try require(.compliance, "reviewing the access log")
            return try allReviewItems(tx)
        }
        return Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One closure, one signed entry. `known` is the item as a snapshot of the queue taken in
    /// this session showed it; without it the queue is read again.
    func closeOne(_ item: String, note: String, known: ReviewItem?) throws(VaultError) {
        try perform(AccessIntent(action: "review.close", recordID: item, purpose: .operations, reason: note)) { tx, intent in
            try require(.compliance, "closing a review item")
            guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw VaultError.usage("--note must say what was checked and concluded")
            }
            guard let found = try known ?? allReviewItems(tx).first(where: { $0.id == item }) else {
                throw VaultError.notFound("no review item '\(item)'; 'confidant log review' lists the open ones")
            }
            guard found.state == "open" else { throw VaultError.usage("review item '\(item)' is already closed") }
            let staff = ReviewClosurePolicy.staffCount(try tx.users())
            switch ReviewClosurePolicy.decide(closer: user, closerRoles: roles, itemActor: found.actor, staffCount: staff) {
            case .refused(let why): throw VaultError.notPermitted(why)
            case .allowed(let selfReviewed): if selfReviewed { intent.value.flags.insert("self-reviewed") }
            }
        }
    }
}
