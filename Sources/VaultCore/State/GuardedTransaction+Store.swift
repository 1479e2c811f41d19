import Foundation

/// Every read checks the aggregate it reads; every write checks and marks the one it changes.
/// The log's own tables pass through: `log verify` and the entry chain check them.
extension GuardedTransaction: StoreTransaction {
    func meta() throws -> VaultMetaRow? { try ensure(.settings); return try inner.meta() }
    func insertMeta(_ row: VaultMetaRow) throws { try touch(.settings); try inner.insertMeta(row) }
    func updateMeta(recoveryPublicKey: [UInt8], settingsSigner: String, signature: [UInt8]) throws {
        try touch(.settings)
        try inner.updateMeta(recoveryPublicKey: recoveryPublicKey, settingsSigner: settingsSigner, signature: signature)
    }

    func user(named name: String) throws -> UserRow? { try ensure(.users); return try inner.user(named: name) }
    func users() throws -> [UserRow] { try ensure(.users); return try inner.users() }
    func insertUser(_ row: UserRow) throws { try touch(.users); try inner.insertUser(row) }
    func replaceUser(_ row: UserRow) throws { try touch(.users); try inner.replaceUser(row) }
    func insertUserHistory(_ row: UserRow, generation: Int, replacedAt: Int64) throws {
        try touch(.users)
        try inner.insertUserHistory(row, generation: generation, replacedAt: replacedAt)
    }
    func userHistory(name: String) throws -> [UserRow] { try ensure(.users); return try inner.userHistory(name: name) }
    func updateUserSecrets(name: String, salt: [UInt8], kdfOps: UInt64, kdfMem: Int, sealedSecrets: [UInt8]) throws {
        try touch(.users)
        try inner.updateUserSecrets(name: name, salt: salt, kdfOps: kdfOps, kdfMem: kdfMem, sealedSecrets: sealedSecrets)
    }

    func wraps(recipient: String) throws -> [KeyWrapRow] {
        try ensureAll()
        let rows = try inner.wraps(recipient: recipient)
        for keyID in Set(rows.map(\.keyID)) { try ensure(try keyAggregate(keyID)) }
        return rows
    }
    func wraps(keyID: Int64) throws -> [KeyWrapRow] { try ensure(try keyAggregate(keyID)); return try inner.wraps(keyID: keyID) }
    func insertWrap(_ row: KeyWrapRow) throws { try touch(try keyAggregate(row.keyID)); try inner.insertWrap(row) }
    func wrap(keyID: Int64, recipient: String) throws -> KeyWrapRow? {
        try ensure(try keyAggregate(keyID))
        return try inner.wrap(keyID: keyID, recipient: recipient)
    }
    func deleteWraps(clientID: String, recipient: String) throws -> Int {
        try touch(.owning(clientID: clientID))
        return try inner.deleteWraps(clientID: clientID, recipient: recipient)
    }
    func deleteWraps(keyID: Int64) throws { try touch(try keyAggregate(keyID)); try inner.deleteWraps(keyID: keyID) }

    func client(id: String) throws -> ClientRow? { try ensure(.client(id)); return try inner.client(id: id) }
    func clients() throws -> [ClientRow] {
        try ensureAll()
        let rows = try inner.clients()
        for c in rows { try ensure(.client(c.id)) }
        return rows
    }
    func insertClient(_ row: ClientRow) throws { try touch(.client(row.id)); try inner.insertClient(row) }
    /// A hit is checked like any client read; a miss checks every aggregate (O(vault), as a
    /// listing does), so a chart hash a writer blanked or moved is a 65, never a "no such chart".
    func clients(chartHash: [UInt8]) throws -> [ClientRow] {
        let rows = try inner.clients(chartHash: chartHash)
        for c in rows { try ensure(.client(c.id)) }
        if rows.isEmpty { try ensureAll() }
        return rows
    }

    func careTeam(clientID: String) throws -> [CareTeamRow] { try ensure(.client(clientID)); return try inner.careTeam(clientID: clientID) }
    func careTeams(user: String) throws -> [CareTeamRow] {
        let rows = try inner.careTeams(user: user)
        for c in Set(rows.map(\.clientID)) { try ensure(.client(c)) }
        return rows
    }
    func upsertCareTeam(_ row: CareTeamRow) throws { try touch(.client(row.clientID)); try inner.upsertCareTeam(row) }
    func deleteCareTeam(clientID: String, user: String) throws {
        try touch(.client(clientID))
        try inner.deleteCareTeam(clientID: clientID, user: user)
    }

    func insertDataKey(_ row: DataKeyRow) throws -> Int64 { try touch(.owning(clientID: row.clientID)); return try inner.insertDataKey(row) }
    func dataKey(id: Int64) throws -> DataKeyRow? {
        guard let k = try inner.dataKey(id: id) else { return nil }
        try ensure(.owning(clientID: k.clientID))
        return k
    }
    func currentDataKey(clientID: String, scope: KeyScope, owner: String) throws -> DataKeyRow? {
        try ensure(.owning(clientID: clientID))
        return try inner.currentDataKey(clientID: clientID, scope: scope, owner: owner)
    }
    func dataKeys(clientID: String) throws -> [DataKeyRow] { try ensure(.owning(clientID: clientID)); return try inner.dataKeys(clientID: clientID) }
    func setDataKeyState(id: Int64, state: String) throws { try touch(try keyAggregate(id)); try inner.setDataKeyState(id: id, state: state) }

    func insertRecord(_ row: RecordRow) throws { try touch(.client(row.clientID)); try inner.insertRecord(row) }
    func updateRecordKey(id: String, keyID: Int64, keyVersion: Int, ciphertext: [UInt8]) throws {
        guard let a = try recordAggregate(id) else { throw VaultError.notFound("no record '\(id)' in this vault") }
        try touch(a)
        try inner.updateRecordKey(id: id, keyID: keyID, keyVersion: keyVersion, ciphertext: ciphertext)
    }
    func records(keyIDs: [Int64], limit: Int) throws -> [RecordRow] { try inner.records(keyIDs: keyIDs, limit: limit).map(checked) }
    func recordCount(keyID: Int64) throws -> Int { try ensure(try keyAggregate(keyID)); return try inner.recordCount(keyID: keyID) }
    func deleteRecords(clientID: String) throws -> Int { try touch(.client(clientID)); return try inner.deleteRecords(clientID: clientID) }
    func deleteClientData(clientID: String) throws { try touch(.client(clientID)); try inner.deleteClientData(clientID: clientID) }
    func record(id: String) throws -> RecordRow? {
        guard let r = try inner.record(id: id) else {
            // A record the log knows but the store lacks was removed: check its client (65).
            if let c = try inner.loggedClient(ofRecord: id) { try ensure(.client(c)) }
            return nil
        }
        return try checked(r)
    }
    func records(clientID: String) throws -> [RecordRow] {
        try ensure(.client(clientID))
        return try inner.records(clientID: clientID).map(checked)
    }
    func recordSummaries(clientID: String) throws -> [RecordRow] {
        try ensure(.client(clientID))
        return try inner.recordSummaries(clientID: clientID)
    }
    func recordCount(clientID: String, subkind: String) throws -> Int {
        try ensure(.client(clientID))
        return try inner.recordCount(clientID: clientID, subkind: subkind)
    }

    func insertExportRequest(_ row: ExportRequestRow) throws { try touch(.client(row.clientID)); try inner.insertExportRequest(row) }
    func exportRequest(id: String) throws -> ExportRequestRow? {
        guard let r = try inner.exportRequest(id: id) else {
            if let c = try inner.loggedClient(ofRecord: id) { try ensure(.client(c)) }
            return nil
        }
        try ensure(.client(r.clientID))
        return r
    }
    func exportRequests() throws -> [ExportRequestRow] {
        try ensureAll()
        let rows = try inner.exportRequests()
        for c in Set(rows.map(\.clientID)) { try ensure(.client(c)) }
        return rows
    }
    func fulfilExportRequest(id: String, at: Int64, by: String) throws {
        guard let r = try inner.exportRequest(id: id) else { throw VaultError.notFound("no export request '\(id)'") }
        try touch(.client(r.clientID))
        try inner.fulfilExportRequest(id: id, at: at, by: by)
    }
    func updateExportRequest(_ row: ExportRequestRow) throws {
        guard let r = try inner.exportRequest(id: row.id), r.clientID == row.clientID else {
            throw VaultError.notFound("no request '\(row.id)'")
        }
        try touch(.client(r.clientID))
        try inner.updateExportRequest(row)
    }

    func insertRotationJob(_ row: RotationJobRow) throws -> Int64 {
        try touch(.owning(clientID: row.clientID))
        return try inner.insertRotationJob(row)
    }
    func rotationJobs(state: String) throws -> [RotationJobRow] {
        let rows = try inner.rotationJobs(state: state)
        for c in Set(rows.map(\.clientID)) { try ensure(.owning(clientID: c)) }
        return rows
    }
    func finishRotationJob(id: Int64, at: Int64) throws {
        guard let j = try inner.rotationJob(id: id) else { throw Self.tampered("rotation job \(id) is missing") }
        try touch(.owning(clientID: j.clientID))
        try inner.finishRotationJob(id: id, at: at)
    }

    func appendLog(_ row: LogRow) throws { try inner.appendLog(row) }
    func lastLog() throws -> LogRow? { try inner.lastLog() }
    func logEntries(after seq: Int64, limit: Int) throws -> [LogRow] { try inner.logEntries(after: seq, limit: limit) }
    func logEntries(matching filter: LogFilter) throws -> [LogRow] { try inner.logEntries(matching: filter) }
    func logCount() throws -> Int64 { try inner.logCount() }
    func leafHashes(after seq: Int64, limit: Int) throws -> [(Int64, [UInt8])] { try inner.leafHashes(after: seq, limit: limit) }
    func insertTreeHead(_ row: TreeHeadRow) throws { try inner.insertTreeHead(row) }
    func latestTreeHead() throws -> TreeHeadRow? { try inner.latestTreeHead() }
    func treeHeads(from size: Int64, limit: Int) throws -> [TreeHeadRow] { try inner.treeHeads(from: size, limit: limit) }
    func treeHeadCount(above size: Int64) throws -> Int { try inner.treeHeadCount(above: size) }

    func insertException(_ row: ExceptionRow) throws { try touch(.exceptions); try inner.insertException(row) }
    func updateExceptionSignature(code: String, signature: [UInt8]) throws {
        try touch(.exceptions)
        try inner.updateExceptionSignature(code: code, signature: signature)
    }
    func exceptions() throws -> [ExceptionRow] { try ensure(.exceptions); return try inner.exceptions() }
    func upsertAcknowledgement(_ row: AcknowledgementRow) throws {
        guard let a = try recordAggregate(row.recordID) else { throw VaultError.notFound("no record '\(row.recordID)' in this vault") }
        try touch(a)
        try inner.upsertAcknowledgement(row)
    }
    func acknowledgements(recordID: String) throws -> [AcknowledgementRow] {
        guard let a = try recordAggregate(recordID) else { return [] }
        try ensure(a)
        return try inner.acknowledgements(recordID: recordID)
    }

    func setting(_ key: String) throws -> String? { try ensure(.settings); return try inner.setting(key) }
    func setSetting(_ key: String, _ value: String) throws { try touch(.settings); try inner.setSetting(key, value) }
    func settings() throws -> [(String, String)] { try ensure(.settings); return try inner.settings() }
}
