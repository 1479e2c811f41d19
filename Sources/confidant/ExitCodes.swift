import VaultCore

/// The CLI's exit codes (sysexits): the only place a ``VaultError`` kind becomes one.
extension VaultError {
    var exitCode: Int32 {
        switch kind {
        case .usage: 64
        case .badData: 65
        case .notFound: 66
        case .cannotCreate: 73
        case .io: 74
        case .busy: 75
        case .notPermitted: 77
        case .internal: 70
        }
    }
}
