import Foundation
import VaultCrypto

extension Session {
    /// The addenda, statements of disagreement and rebuttals linked to any of the exported
    /// records, oldest first; nil when there are none (records.json then has no `addenda`).
    func exportAddenda(_ tx: any StoreTransaction, clientID: String, records: Set<String>) throws -> [ExportAddendum]? {
        let linked = try addenda(tx, clientID: clientID).filter { !records.isDisjoint(with: $0.recordIds) }
        guard !linked.isEmpty else { return nil }
        return linked.map {
            ExportAddendum(id: $0.id, kind: $0.kind.rawValue, recordIds: $0.recordIds, requestId: $0.requestId, author: $0.author,
                           createdAt: $0.createdAt, text: $0.text, sha256: Encoding.hex(SHA256.hash(Array($0.text.utf8))))
        }
    }
}
