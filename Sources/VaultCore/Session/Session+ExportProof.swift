import Foundation
import VaultCrypto

extension Session {
    /// Every access entry about the client in the current tree, in log order (the access
    /// report), and the log key, unwrapped now so that a therapist who cannot sign the
    /// checkpoint fails before the manifest is signed and the request stays open.
    func exportStart(clientID: String) throws -> (rows: [LogRow], logKey: Ed25519KeyPair) {
        try vault.store.read { tx in
            guard let head = try tx.latestTreeHead() else { throw VaultError.badData("the access log is empty") }
            guard let logKey = try tx.dataKey(id: meta.logKeyID) else { throw VaultError.badData("the vault's log key is missing") }
            let pair = try Ed25519KeyPair(seed: try unwrap(tx, logKey))
            guard pair.publicKey == logKey.publicKey else { throw VaultError.badData("the vault's log key does not match its public key") }
            return (try tx.logEntries(matching: LogFilter(clientID: clientID)).filter { $0.seq <= head.size }, pair)
        }
    }

    /// proof.json: a checkpoint of the current log, signed with the log key, and for each of
    /// `rows` and for the entry `manifestSeq` (the `export.fulfilled` entry signing the
    /// manifest) its bytes, signature and inclusion proof.
    func exportProof(rows: [LogRow], manifestSeq: Int64, logKey pair: Ed25519KeyPair) throws -> ExportProof {
        try vault.store.read { tx in
            guard let head = try tx.latestTreeHead(), head.size >= manifestSeq else {
                throw VaultError.badData("the access log's tree head does not cover the export's own entry; run 'confidant log verify'")
            }
            guard let manifestRow = try tx.logEntries(after: manifestSeq - 1, limit: 1).first, manifestRow.seq == manifestSeq else {
                throw VaultError.badData("the export's own log entry \(manifestSeq) is missing; run 'confidant log verify'")
            }
            let builder = try proofBuilder(tx, head: head, indexes: (rows + [manifestRow]).map { Int($0.seq) - 1 })
            let checkpoint = Checkpoint.sign(vaultID: meta.vaultID, size: Int(head.size), root: head.root, time: vault.now(), key: pair)
            var keys: [String: [String]] = [:]
            for signer in Set((rows + [manifestRow]).map(\.signer)) where !signer.isEmpty {
                keys[signer] = try UserCertificate.verifiedSigningKeys(tx, meta: meta, name: signer).map { Encoding.base64($0) }
            }
            func entry(_ r: LogRow) -> ExportProofEntry {
                ExportProofEntry(seq: r.seq, entry: Encoding.base64(r.entry), leafHash: Encoding.hex(r.leafHash), signer: r.signer,
                                 signature: Encoding.base64(r.signature),
                                 inclusionProof: builder.proof(index: Int(r.seq) - 1).map { Encoding.hex($0) })
            }
            return ExportProof(format: ExportProof.formatName, logPublicKey: Encoding.base64(pair.publicKey),
                               checkpoint: checkpoint.text(publicKey: pair.publicKey), treeSize: Int(head.size),
                               rootHash: Encoding.base64(head.root), signingKeys: keys, entries: rows.map(entry),
                               manifestEntry: entry(manifestRow))
        }
    }

    /// One streaming pass over every leaf hash of the tree `head`, keeping only what the proofs
    /// of `indexes` need (~32 bytes per leaf pair); checks the result against the head's root.
    private func proofBuilder(_ tx: any StoreTransaction, head: TreeHeadRow, indexes: [Int]) throws -> MerkleProofBuilder {
        let size = Int(head.size)
        var builder = MerkleProofBuilder(indexes: indexes)
        var seen = 0
        var after: Int64 = 0
        while seen < size {
            let hashes = try tx.leafHashes(after: after, limit: min(65536, size - seen))
            if hashes.isEmpty { break }
            for h in hashes { builder.append(h.1) }
            seen += hashes.count
            after = hashes.last?.0 ?? after
        }
        guard seen == size, builder.finish() == head.root else {
            throw VaultError.badData("the access log does not match its tree head; run 'confidant log verify'")
        }
        return builder
    }
}
