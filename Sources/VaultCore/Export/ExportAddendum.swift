import Foundation

/// An addendum, statement of disagreement or rebuttal in records.json (`addenda`), linked to
/// the exported notes and agreements it concerns.
public struct ExportAddendum: Sendable, Codable, Equatable {
    public var id: String
    /// `addendum`, `disagreement` or `rebuttal`.
    public var kind: String
    /// The notes and agreements it is linked to.
    public var recordIds: [String]
    /// The amendment request it answers, if any.
    public var requestId: String?
    public var author: String
    public var createdAt: String
    public var text: String
    /// SHA-256 (hex) of `text` as UTF-8.
    public var sha256: String
}
