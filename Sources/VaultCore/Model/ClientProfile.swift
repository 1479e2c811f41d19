import Foundation

/// A client's profile. Stored only encrypted under the client's data key.
public struct ClientProfile: Sendable, Equatable, Codable {
    public var name: String
    public var dateOfBirth: String?
    public var contact: String?
    /// The practice chart number, normalised (``ChartNumber``); the client's row holds only its
    /// keyed hash, this encrypted copy is what `client show` prints.
    public var chart: String?

    public init(name: String, dateOfBirth: String? = nil, contact: String? = nil, chart: String? = nil) {
        self.name = name
        self.dateOfBirth = dateOfBirth
        self.contact = contact
        self.chart = chart
    }

    /// - Throws: ``VaultError`` (usage) for an empty name, a malformed date of birth, or a
    ///   field with a control character.
    public func validated() throws -> ClientProfile {
        try validateText()
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw VaultError.usage("client name must not be empty")
        }
        if let dob = dateOfBirth, !CalendarDate.isValid(dob) {
            throw VaultError.usage("date of birth '\(dob)' must be a date YYYY-MM-DD")
        }
        var p = self
        p.chart = try chart.map { try ChartNumber.normalized($0) }
        return p
    }

    /// - Throws: ``VaultError`` (usage) when a field holds a control character (``TextInput``).
    public func validateText() throws(VaultError) {
        try TextInput.validate(name, field: "--name")
        try TextInput.validate(dateOfBirth, field: "--dob")
        try TextInput.validate(contact, field: "--contact")
        if let chart { _ = try ChartNumber.normalized(chart) }
    }
}
