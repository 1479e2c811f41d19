import Foundation
import VaultCrypto

extension Session {
    /// The exception catalogue in force: the standard defaults plus the practice's own additions
    /// (each signed by the admin who added it; additions are never changed or removed, so codes in
    /// old agreements keep their meaning).
    /// - Throws: ``VaultError`` bad data when an addition's signature does not verify.
    func exceptionCatalogue(_ tx: any StoreTransaction) throws -> [ConfidentialityException] {
        var out = ConfidentialityException.catalogue
        for e in try tx.exceptions() {
            let admin = try certifiedUser(tx, e.addedBy)
            let keys = try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: admin.name, at: e.addedAt)
            guard try UserCertificate.standingRoles(tx, name: admin.name).contains(.admin),
                  keys.contains(where: { Ed25519.isValid(signature: e.signature, message: SignedStatements.exception(vaultID: meta.vaultID, e), publicKey: $0) })
            else {
                throw VaultError.badData("exception '\(e.code)' is not signed by an admin; the vault was tampered with")
            }
            guard let kind = ExceptionKind(rawValue: e.kind) else {
                throw VaultError.badData("exception '\(e.code)' has no valid kind; the vault was tampered with")
            }
            out.append(ConfidentialityException(code: e.code, meaning: e.meaning, basis: e.basis, kind: kind, mustInform: e.mustInform))
        }
        return out
    }

    /// Lists the catalogue (any role).
    public func listExceptions() throws(VaultError) -> [ConfidentialityException] {
        try perform(AccessIntent(action: "exception.list")) { tx, _ in try exceptionCatalogue(tx) }
    }

    /// Adds a jurisdiction-specific exception (admin). Codes are lower-case words joined by
    /// hyphens and can never be redefined.
    public func addException(code: String, meaning: String, basis: String, kind: ExceptionKind,
                             mustInform: Bool = false) throws(VaultError) -> ConfidentialityException {
        try TextInput.validate(meaning, field: "--meaning")
        try TextInput.validate(basis, field: "--basis")
        return try perform(AccessIntent(action: "exception.add", recordID: code)) { tx, _ in
            try require(.admin, "adding a confidentiality exception")
            guard !code.isEmpty, code.count <= 40, code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
                  code != ClientAuthorization.basisCode else {
                throw VaultError.usage("exception code '\(code)' must be lower-case letters, digits and hyphens (and not '\(ClientAuthorization.basisCode)')")
            }
            guard !meaning.trimmingCharacters(in: .whitespaces).isEmpty, !basis.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw VaultError.usage("an exception needs --meaning and --basis (its legal basis)")
            }
            guard try !exceptionCatalogue(tx).contains(where: { $0.code == code }) else {
                throw VaultError(.cannotCreate, "exception '\(code)' already exists; codes are never redefined")
            }
            var row = ExceptionRow(code: code, meaning: meaning, basis: basis, kind: kind.rawValue, mustInform: mustInform,
                                   addedBy: user, addedAt: nowMillis, signature: [])
            row.signature = identity.signing.sign(SignedStatements.exception(vaultID: meta.vaultID, row))
            try tx.insertException(row)
            return ConfidentialityException(code: code, meaning: meaning, basis: basis, kind: kind, mustInform: mustInform)
        }
    }
}
