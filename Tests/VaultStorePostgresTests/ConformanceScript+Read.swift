import Foundation
import VaultCore
import VaultStoreSQLite

/// The read calls of the conformance script, each answer one transcript line.
extension ConformanceScript {
    static func readRows(_ tx: any StoreTransaction) throws -> [String] {
        var out: [String] = []
        func note(_ label: String, _ value: Any) { out.append("\(label): \(value)") }
        note("meta", try tx.meta() as Any)
        note("user ann", try tx.user(named: "ann") as Any)
        note("user nobody", try tx.user(named: "nobody") as Any)
        note("users", try tx.users().map(\.name))
        note("history bob", try tx.userHistory(name: "bob"))
        note("wraps user:bob", try tx.wraps(recipient: "user:bob"))
        note("wraps key 2", try tx.wraps(keyID: 2))
        note("client c1", try tx.client(id: "c1") as Any)
        note("clients", try tx.clients())
        note("clients by chart", try tx.clients(chartHash: bytes(5, 32)).map(\.id))
        note("care team c1", try tx.careTeam(clientID: "c1"))
        note("care teams bob", try tx.careTeams(user: "bob"))
        note("data key 2", try tx.dataKey(id: 2) as Any)
        note("current care key", try tx.currentDataKey(clientID: "c1", scope: .care, owner: "") as Any)
        note("data keys c1", try tx.dataKeys(clientID: "c1"))
        note("wrap 2 recovery", try tx.wrap(keyID: 2, recipient: "recovery") as Any)
        note("records by key", try tx.records(keyIDs: [2, 3], limit: 3).map(\.id))
        note("record count key 2", try tx.recordCount(keyID: 2))
        note("record n1", try tx.record(id: "n1") as Any)
        note("records c1", try tx.records(clientID: "c1"))
        note("summaries c1", try tx.recordSummaries(clientID: "c1"))
        note("consent count", try tx.recordCount(clientID: "c1", subkind: "consent"))
        note("export r1", try tx.exportRequest(id: "r1") as Any)
        note("exports", try tx.exportRequests())
        note("running jobs", try tx.rotationJobs(state: "running"))
        note("done jobs", try tx.rotationJobs(state: "done"))
        out += try readLog(tx)
        out += try readState(tx)
        return out
    }

    static func readLog(_ tx: any StoreTransaction) throws -> [String] {
        var out: [String] = []
        func note(_ label: String, _ value: Any) { out.append("\(label): \(value)") }
        note("last log", try tx.lastLog() as Any)
        note("log after 1", try tx.logEntries(after: 1, limit: 5).map(\.seq))
        note("log by bob", try tx.logEntries(matching: LogFilter(actor: "bob")).map(\.seq))
        note("log c1 since", try tx.logEntries(matching: LogFilter(clientID: "c1", since: 5_003, afterSeq: 0)).map(\.seq))
        note("log count", try tx.logCount())
        note("leaves", try tx.leafHashes(after: 0, limit: 10).map { "\($0.0):\($0.1)" })
        note("latest head", try tx.latestTreeHead() as Any)
        note("heads from 2", try tx.treeHeads(from: 2, limit: 5).map(\.size))
        note("heads above 1", try tx.treeHeadCount(above: 1))
        note("exceptions", try tx.exceptions())
        note("acks a1", try tx.acknowledgements(recordID: "a1"))
        note("setting", try tx.setting("emergency.hours") as Any)
        note("no setting", try tx.setting("nope") as Any)
        note("settings", try tx.settings().map { "\($0.0)=\($0.1)" })
        return out
    }

    static func readState(_ tx: any StoreTransaction) throws -> [String] {
        let s = try state(tx)
        var out: [String] = []
        func note(_ label: String, _ value: Any) { out.append("\(label): \(value)") }
        note("heads bucket", try s.stateHeads(bucket: StoreBackendSupport.bucket("users")))
        note("all heads", try s.allStateHeads())
        note("node 0/5", try s.stateNode(level: 0, index: 5))
        note("node 1/2", try s.stateNode(level: 1, index: 2))
        note("all nodes", try s.allStateNodes().sorted { ($0.key.level, $0.key.index) < ($1.key.level, $1.key.index) }.map { "\($0.key.level)/\($0.key.index)=\($0.value)" })
        let stored = try s.storedAggregates()
        note("aggregates", stored.aggregates.map(\.key).sorted())
        note("orphans", stored.orphans)
        note("rows before first", try s.logRowsBeforeFirst())
        note("last signed", try s.lastSignedLog()?.seq as Any)
        note("log 2", try s.log(seq: 2) as Any)
        note("job 1", try s.rotationJob(id: 1) as Any)
        note("record client", try s.recordClient(id: "a1") as Any)
        note("logged client", try s.loggedClient(ofRecord: "n1") as Any)
        note("ids c", try s.ids(of: .client, startingWith: "c", limit: 5))
        note("ids n", try s.ids(of: .record, startingWith: "n", limit: 1))
        note("ids r", try s.ids(of: .request, startingWith: "r1", limit: 5))
        note("ids e", try s.ids(of: .emergency, startingWith: "e", limit: 5))
        note("altered", try s.recordsWithAlteredContent())
        return out
    }

    /// Every aggregate's table digests: what the signed log commits to.
    static func digests(_ tx: any StoreTransaction) throws -> [String] {
        let s = try state(tx)
        return try [StateAggregate.users, .settings, .exceptions, .client("c1"), .client("c2")].map { a in
            "digest \(a.key): " + (try s.tableDigests(of: a)).map { "\($0.table) \($0.rows) \($0.digest)" }.joined(separator: "; ")
        }
    }
}
