// Confidant benchmarks: each figure beside the raw libsodium primitive it is built on, measured
// in the same run, and the ratio between them. Run in release mode:
//
//     swift run -c release confidant-bench [--out DIR] [--entries N] [--export-mib N] [--clients N] [--keep]
//     swift run -c release confidant-bench --agent-only [--agent-runs N] [--fresh-runs N]
//
// The agent figures spawn the `confidant` binary built beside this one (`swift build -c release`
// first); `--agent-only` measures just those, in under a minute.
// Prints a Markdown table and writes DIR/benchmarks.md and DIR/benchmarks.json (default DIR:
// bench-out). Timings are wall-clock on this machine; the ratios are what carry over.
import Foundation
import VaultCore
import VaultStoreSQLite
import VaultCrypto
import VaultStorePostgres
#if canImport(Glibc)
import Glibc
#endif

struct Row: Codable { var name: String; var confidant: Double; var raw: Double; var unit: String; var ratio: Double; var note: String }
var rows: [Row] = []

func clockSeconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

@MainActor func record(_ name: String, _ confidant: Double, _ raw: Double, _ unit: String, _ note: String = "") {
    rows.append(Row(name: name, confidant: confidant, raw: raw, unit: unit, ratio: raw > 0 ? confidant / raw : 0, note: note))
    print(name.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "%12.1f %12.1f  ", confidant, raw)
          + unit.padding(toLength: 10, withPad: " ", startingAt: 0) + (raw > 0 ? String(format: "%6.2f", confidant / raw) : "     -"))
}

var outDir = "bench-out"
var entries = 100_000
var exportMiB = 1024
var clientCount = 10_000
var keepDir = false
var agentOnly = false
var agentRuns = AgentBenchRuns()
var storesOnly = false
var pgURL: String? = nil
var args = Array(CommandLine.arguments.dropFirst())

// Child mode: run one export and exit, so the parent can read this process's peak RSS.
if args.first == "--export-child" {
    // Never anything but the export in a child: a wrong argument count ends here, not in a
    // second full benchmark run.
    guard args.count == 5 else { print("confidant-bench: --export-child VAULT REQUEST OUT RECIPIENT"); exit(64) }
    let pass = try SecretBytes(copying: Array("benchmark passphrase".utf8))
    let v = try Vault.open(path: args[1])
    let s = try v.unlock(user: "ada", passphrase: pass)
    let fd = open(args[3], O_CREAT | O_EXCL | O_WRONLY, 0o600)
    let recipient = try AgeX25519Recipient(string: args[4])
    _ = try s.fulfilExport(requestID: args[2], includePsychotherapy: false, recipient: .x25519(recipient)) { bytes in
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
    close(fd)
    exit(0)
}
while !args.isEmpty {
    let a = args.removeFirst()
    if a == "--out", !args.isEmpty { outDir = args.removeFirst() }
    else if a == "--entries", !args.isEmpty, let n = Int(args.removeFirst()) { entries = n }
    else if a == "--export-mib", !args.isEmpty, let n = Int(args.removeFirst()) { exportMiB = n }
    else if a == "--clients", !args.isEmpty, let n = Int(args.removeFirst()) { clientCount = n }
    else if a == "--keep" { keepDir = true }
    else if a == "--stores" { storesOnly = true }
    else if a == "--pg", !args.isEmpty { pgURL = args.removeFirst() }
    else if a == "--agent-only" { agentOnly = true }
    else if a == "--agent-runs", !args.isEmpty, let n = Int(args.removeFirst()), n > 0 { agentRuns.agent = n }
    else if a == "--fresh-runs", !args.isEmpty, let n = Int(args.removeFirst()), n > 0 { agentRuns.fresh = n }
}
let cores = ProcessInfo.processInfo.activeProcessorCount
print("confidant-bench: libsodium \(Sodium.versionString), \(cores) cores, " + (agentOnly ? "agent only" : "\(entries) log entries"))
print("measure".padding(toLength: 50, withPad: " ", startingAt: 0) + "   confidant          raw  unit        ratio")
if agentOnly {
    try benchAgent(runs: agentRuns)
    try writeReport(rows, to: outDir)
    exit(0)
}

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confidant-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
defer { if keepDir { print("kept \(dir)") } else { try? FileManager.default.removeItem(atPath: dir) } }
if storesOnly {
    // SQLite and PostgreSQL side by side: `--stores [--pg postgres://…/empty-db] [--entries N]`.
    let bench = StoreBench(pass: try SecretBytes(copying: Array("benchmark passphrase".utf8)), dir: dir, entries: entries)
    let file = dir + "/stores.vault"
    try bench.run(label: "SQLite", create: { try SQLiteVault.create(path: file) }, open: { try SQLiteVault.open(path: file) })
    if let pgURL {
        try bench.run(label: "PostgreSQL", create: { try PostgresStore.create(url: pgURL) }, open: { try PostgresStore.open(url: pgURL) })
    } else {
        print("no --pg URL: PostgreSQL not measured")
    }
    try writeReport(rows, to: outDir)
    exit(0)
}

// A vault with one therapist (also compliance, so it can verify) and one client.
let pass = try SecretBytes(copying: Array("benchmark passphrase".utf8))
let path = dir + "/bench.vault"
_ = try Vault.create(path: path, practice: "Bench", admin: "ada", roles: [.admin, .therapist, .compliance], passphrase: pass,
                     kdf: .interactive, recoveryOut: dir + "/recovery.key")
var vault = try Vault.open(path: path)
var smallOpen: [Double] = []
for _ in 0..<5 { smallOpen.append(try clockSeconds { _ = try Vault.open(path: path) } * 1000) }
smallOpen.sort()
let session = try vault.unlock(user: "ada", passphrase: pass)
let client = try session.addClient(profile: ClientProfile(name: "Bench Client"))

// 1. Note store and open vs raw XChaCha20-Poly1305 on the same sizes.
let key = try XChaCha20Poly1305.generateKey()
for (label, size, count) in [("2 KiB", 2048, 400), ("64 KiB", 65536, 200), ("1 MiB", 1 << 20, 40)] {
    let content = Random.bytes(size)
    var ids: [String] = []
    let store = try clockSeconds { for _ in 0..<count { ids.append(try session.addNote(clientID: client.id, kind: .progress, content: content).id) } }
    let open = try clockSeconds { for id in ids { _ = try session.openNote(id: id, purpose: .treat) } }
    var sealed: [UInt8] = []
    let rawSeal = try clockSeconds { for _ in 0..<count { sealed = try XChaCha20Poly1305.seal(content, key: key) } }
    let rawOpen = try clockSeconds { for _ in 0..<count { _ = try XChaCha20Poly1305.open(sealed, key: key) } }
    let mb = Double(size * count) / 1e6
    record("note store \(label) (durable, with access entry)", mb / store, mb / rawSeal, "MB/s",
           String(format: "%.0f ops/s vs %.0f", Double(count) / store, Double(count) / rawSeal))
    record("note open \(label) (durable access entry first)", mb / open, mb / rawOpen, "MB/s",
           String(format: "%.0f ops/s vs %.0f", Double(count) / open, Double(count) / rawOpen))
}

// 1b. Batch store of 10,000 notes (2 KiB) in one transaction vs raw AEAD seal.
let batchClient = try session.addClient(profile: ClientProfile(name: "Batch Client"))
let batch = (0..<10_000).map { _ in Random.bytes(2048) }
let batchTime = try clockSeconds { _ = try session.addNotes(clientID: batchClient.id, contents: batch) }
let rawBatch = try clockSeconds { for b in batch { _ = try XChaCha20Poly1305.seal(b, key: key) } }
record("batch store 10,000 notes of 2 KiB, one transaction, notes/s", 10_000 / batchTime, 10_000 / rawBatch, "notes/s",
       "each note also gets a signed access entry and a tree head")

// 2. Single-open latency, vault unlocked, small note.
let small = try session.addNote(clientID: client.id, kind: .progress, content: Array(repeating: 0x61, count: 2048))
var lat: [Double] = []
for _ in 0..<300 { lat.append(try clockSeconds { _ = try session.openNote(id: small.id, purpose: .treat) } * 1000) }
lat.sort()
let sealedSmall = try XChaCha20Poly1305.seal(Array(repeating: UInt8(0x61), count: 2048), key: key)
var rawLat: [Double] = []
for _ in 0..<300 { rawLat.append(try clockSeconds { _ = try XChaCha20Poly1305.open(sealedSmall, key: key) } * 1000) }
rawLat.sort()
record("single note open p50 (ms)", lat[lat.count / 2], rawLat[rawLat.count / 2], "ms", "raw = AEAD open alone; the rest is the fsync'd entry")
record("single note open p99 (ms)", lat[lat.count * 99 / 100], rawLat[rawLat.count * 99 / 100], "ms")

// 3. Access-log append rate and log verify on N entries vs raw Ed25519.
let existing = try vault.store.read { try $0.logCount() }
let toAdd = max(0, entries - Int(existing))
let appendTime = try clockSeconds {
    var left = toAdd
    while left > 0 {
        let n = min(10_000, left)
        try vault.store.write { tx in
            for i in 0..<n {
                try session.append(tx, AccessIntent(action: "note.open", clientID: client.id, recordID: "n\(i)", purpose: .treat), .success, "")
            }
        }
        left -= n
    }
}
let message = Array(repeating: UInt8(7), count: 180)
let signer = try Ed25519KeyPair.generate()
let rawSignTime = clockSeconds { for _ in 0..<20_000 { _ = signer.sign(message) } }
record("log append (sign + hash + tree head), entries/s", Double(toAdd) / appendTime, 20_000 / rawSignTime, "entries/s", "batched 10,000 per transaction")

let sig = signer.sign(message)
let rawVerify1 = clockSeconds { for _ in 0..<20_000 { _ = Ed25519.isValid(signature: sig, message: message, publicKey: signer.publicKey) } }
let perCore = 20_000 / rawVerify1
let rawVerifyAll = clockSeconds {
    DispatchQueue.concurrentPerform(iterations: cores) { _ in
        for _ in 0..<(20_000 / cores) { _ = Ed25519.isValid(signature: sig, message: message, publicKey: signer.publicKey) }
    }
}
let allCores = Double(20_000 / cores * cores) / rawVerifyAll
var verified = 0
let verifyTime = try clockSeconds { verified = try session.verifyLog().size }
record("log verify, entries/s (all cores)", Double(verified) / verifyTime, allCores, "entries/s", "raw = Ed25519 verify on all \(cores) cores")
record("log verify per core, entries/s", Double(verified) / verifyTime / Double(cores), perCore, "entries/s", "raw = Ed25519 verify, one core")

// 3b. The signed-state check a command makes before it reads one client (trust in the newest
// signed entry, the index path, the client's rows), at this log size; raw = one Ed25519 verify.
var checks: [Double] = []
for _ in 0..<300 { checks.append(try clockSeconds { _ = try vault.store.read { try $0.careTeam(clientID: client.id) } } * 1000) }
checks.sort()
var rawOne: [Double] = []
for _ in 0..<300 { rawOne.append(clockSeconds { _ = Ed25519.isValid(signature: sig, message: message, publicKey: signer.publicKey) } * 1000) }
rawOne.sort()
record("client state check p50 (ms), \(verified) entries", checks[checks.count / 2], rawOne[rawOne.count / 2], "ms",
       "one client with \(try vault.store.read { try $0.records(clientID: client.id).count }) records; raw = one Ed25519 verify")
record("client state check p99 (ms)", checks[checks.count * 99 / 100], rawOne[rawOne.count * 99 / 100], "ms")
var opens: [Double] = []
for _ in 0..<100 { opens.append(try clockSeconds { _ = try session.openNote(id: small.id, purpose: .treat) } * 1000) }
opens.sort()
record("single note open p50 (ms), \(verified) entries", opens[opens.count / 2], rawLat[rawLat.count / 2], "ms", "with the state check")

// 4. Client re-encryption (key rotate) vs raw AEAD open + seal of the same bytes.
let rotClient = try session.addClient(profile: ClientProfile(name: "Rotation Client"))
let chunk = Random.bytes(64 * 1024)
let rotCount = 300
for _ in 0..<rotCount { _ = try session.addNote(clientID: rotClient.id, kind: .progress, content: chunk) }
var moved = 0
let rotTime = try clockSeconds { moved = try session.rotateClient(rotClient.id).recordsReEncrypted }
let sealedChunk = try XChaCha20Poly1305.seal(chunk, key: key)
let rawRot = try clockSeconds { for _ in 0..<moved { _ = try XChaCha20Poly1305.seal(try XChaCha20Poly1305.open(sealedChunk, key: key), key: key) } }
let rotMB = Double(moved * chunk.count) / 1e6
record("client re-encryption (key rotate), MB/s", rotMB / rotTime, rotMB / rawRot, "MB/s", "\(moved) records of 64 KiB, batches of 50 per transaction")

// 5. Recovery re-wrap vs raw crypto_box_seal_open + crypto_box_seal.
// Enough clients for the vault-open figure (default 10,000), one transaction each.
let existingClients = try vault.store.read { try $0.clients().count }
for i in 0..<max(0, clientCount - existingClients) { _ = try session.addClient(profile: ClientProfile(name: "Client \(i)")) }
try session.useRecoveryKey(path: dir + "/recovery.key")
var rewrapped = 0
let rewrapTime = try clockSeconds { rewrapped = try session.rotateRecovery(newFile: dir + "/recovery2.key").rewrapped }
let recoveryPair = try X25519KeyPair.generate()
let dataKey = try XChaCha20Poly1305.generateKey()
let wrapped = try SealedBox.seal(secret: dataKey, to: recoveryPair.publicKey)
let rawRewrap = try clockSeconds {
    for _ in 0..<rewrapped { _ = try SealedBox.seal(secret: try SealedBox.openSecret(wrapped, keyPair: recoveryPair), to: recoveryPair.publicKey) }
}
record("recovery re-wrap (key rotate --recovery), keys/s", Double(rewrapped) / rewrapTime, Double(rewrapped) / rawRewrap, "keys/s",
       "raw = box_seal_open + box_seal; \(rewrapped) wraps, one transaction")
vault = try Vault.open(path: path)

// 6. Export of a large client: throughput and peak memory (child process), beside `age`.
let big = try session.addClient(profile: ClientProfile(name: "Large Export Client"))
let mib = Random.bytes(1 << 20).map { UInt8(ascii: "a") &+ $0 % 26 }
for i in 0..<exportMiB {
    var text = mib
    text[0] = UInt8(ascii: "0") &+ UInt8(i % 10)
    _ = try session.addNote(clientID: big.id, kind: .progress, content: text)
}
let request = try session.requestExport(clientID: big.id)
let ageKey = try AgeX25519Identity.generate()
let exportFile = dir + "/export.age"
var exportSeconds = 0.0
var peakKiB = 0
exportSeconds = try clockSeconds {
    var pid: pid_t = 0
    let argv = [CommandLine.arguments[0], "--export-child", path, request.id, exportFile, ageKey.recipient.string]
    var cargs = argv.map { strdup($0) } + [nil]
    guard posix_spawn(&pid, CommandLine.arguments[0], nil, nil, &cargs, environ) == 0 else { throw VaultError(.internal, "spawn failed") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    peakKiB = usage.ru_maxrss
    for p in cargs { free(p) }
}
let exportBytes = (try? FileManager.default.attributesOfItem(atPath: exportFile)[.size] as? Int) ?? 0
// The same number of bytes through the age binary, when installed.
var ageSeconds = 0.0
if FileManager.default.isExecutableFile(atPath: "/usr/bin/age") {
    let plain = dir + "/plain.bin"
    FileManager.default.createFile(atPath: plain, contents: nil)
    if let h = FileHandle(forWritingAtPath: plain) { try h.truncate(atOffset: UInt64(exportBytes)); try h.close() }
    ageSeconds = try clockSeconds {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/age")
        p.arguments = ["-e", "-r", ageKey.recipient.string, "-o", dir + "/plain.age", plain]
        try p.run()
        p.waitUntilExit()
    }
}
let exportMB = Double(exportBytes) / 1e6
record("export of \(exportMiB) MiB of notes, MB/s (vs age binary)", exportMB / exportSeconds, ageSeconds > 0 ? exportMB / ageSeconds : 0, "MB/s",
       "archive \(Int(exportMB)) MB: notes twice (files, index.html); raw = age -e on as many bytes")
record("export peak memory (MiB, child process)", Double(peakKiB) / 1024, 0, "MiB", "target: under 100 MiB for 1 GiB of notes")

// 7. Vault open time with the log above.
var openTimes: [Double] = []
for _ in 0..<5 { openTimes.append(try clockSeconds { vault = try Vault.open(path: path) } * 1000) }
openTimes.sort()
let totalClients = try vault.store.read { try $0.clients().count }
record("vault open with \(totalClients) clients and \(verified) entries (ms, median)", openTimes[2], smallOpen[2], "ms",
       "raw column = the same vault when new (1 entry): open must not grow with the log")

// 8. The unlock agent, through the built binary (see AgentBench.swift).
try benchAgent(runs: agentRuns)

try writeReport(rows, to: outDir)
