import GRDB
import VaultCore

/// The vault file's schema, as GRDB migrations. The format version in `vault.format_version`
/// (``Vault/formatVersion``, the same for every backend) and the SQLite `application_id`
/// identify a Confidant vault; the completed migrations are this file's schema version.
///
/// Where each row comes from (every fact is made by a signed access entry whose `state` field
/// commits to the digest of the aggregate the row belongs to; `log verify` replays those
/// commitments and compares them with the rows, and every command checks an aggregate before
/// it reads or writes it — see `GuardedTransaction`):
/// - `vault`, `settings`, `data_keys`/`key_wraps` of the audit and log keys, all-clients
///   rotation runs: aggregate `settings`;
/// - `users`, `user_history`: aggregate `users`; `exceptions`: aggregate `exceptions`;
/// - `clients` (with the keyed `chart_hash`), `care_team`, `data_keys`, `key_wraps`, `records` (their `content_hash`, which
///   every read of a ciphertext checks), `acknowledgements`, `export_requests`,
///   `rotation_jobs` of one client: aggregate `client:ID`.
/// - `access_log`, `tree_heads`: the log itself, checked by `log verify`;
///   `state_heads`, `state_nodes`: the authenticated index (a Merkle map from aggregate to its
///   latest entry and digest), whose root every signed entry carries.
enum Schema {
    /// SQLite `application_id` of a Confidant vault ("CNFD").
    static let applicationID: Int32 = 0x434E_4644

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v2") { db in
            for sql in v2 { try db.execute(sql: sql) }
        }
        m.registerMigration("v2-chart") { db in try db.execute(sql: chartNumbers) }
        return m
    }

    /// The statements of migration `v2`, in order. Their text is what `sqlite_master` holds and
    /// what opening a vault compares (``expectedObjects()``): change none of it in place.
    private static let v2 = [vaultAndUsers, clientsAndKeys, records, accessLog, settingsAndJobs, stateIndex, acknowledgements]

    /// The schema objects a vault of this format holds, read off a fresh in-memory database.
    static func expectedObjects() throws -> Set<SchemaObject> {
        try expectedCache.get()
    }

    private static let expectedCache = Result<Set<SchemaObject>, Error> {
        let queue = try DatabaseQueue()
        try migrator.migrate(queue)
        return Set(try queue.read { db in try SQLiteTransaction(db: db).schemaObjects() })
    }

    /// The vault's signed settings and its users, current and replaced (aggregates `settings`, `users`).
    private static let vaultAndUsers = """
    CREATE TABLE vault (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      vault_id BLOB NOT NULL, format_version INTEGER NOT NULL, practice TEXT NOT NULL,
      created_at INTEGER NOT NULL, kdf_ops INTEGER NOT NULL, kdf_mem INTEGER NOT NULL,
      recovery_pk BLOB NOT NULL, root_sign_pk BLOB NOT NULL, audit_key_id INTEGER NOT NULL,
      log_key_id INTEGER NOT NULL, settings_signer TEXT NOT NULL,
      signature BLOB NOT NULL);
    CREATE TABLE users (
      name TEXT PRIMARY KEY, roles TEXT NOT NULL, box_pk BLOB NOT NULL, sign_pk BLOB NOT NULL,
      enrolled_by TEXT NOT NULL, enrolled_at INTEGER NOT NULL, certificate BLOB NOT NULL,
      salt BLOB NOT NULL, kdf_ops INTEGER NOT NULL, kdf_mem INTEGER NOT NULL,
      sealed_secrets BLOB NOT NULL, client_id TEXT NOT NULL);
    CREATE TABLE user_history (
      name TEXT NOT NULL, generation INTEGER NOT NULL, roles TEXT NOT NULL, box_pk BLOB NOT NULL,
      sign_pk BLOB NOT NULL, enrolled_by TEXT NOT NULL, enrolled_at INTEGER NOT NULL,
      certificate BLOB NOT NULL, client_id TEXT NOT NULL, replaced_at INTEGER NOT NULL,
      PRIMARY KEY (name, generation));
    """

    /// Clients, their care teams, and the data keys with their wraps.
    private static let clientsAndKeys = """
    CREATE TABLE clients (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
      status TEXT NOT NULL);
    CREATE TABLE care_team (
      client_id TEXT NOT NULL REFERENCES clients(id), user TEXT NOT NULL REFERENCES users(name),
      granted_by TEXT NOT NULL, granted_at INTEGER NOT NULL, state TEXT NOT NULL, signature BLOB NOT NULL,
      PRIMARY KEY (client_id, user));
    CREATE TABLE data_keys (
      id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, scope TEXT NOT NULL,
      owner TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL,
      created_at INTEGER NOT NULL, public_key BLOB NOT NULL, signer TEXT NOT NULL, signature BLOB NOT NULL,
      UNIQUE (client_id, scope, owner, version));
    CREATE TABLE key_wraps (
      key_id INTEGER NOT NULL REFERENCES data_keys(id), recipient TEXT NOT NULL,
      wrapped BLOB NOT NULL, PRIMARY KEY (key_id, recipient));
    """

    /// Encrypted records, with their index by client and kind.
    private static let records = """
    CREATE TABLE records (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id), kind TEXT NOT NULL,
      subkind TEXT NOT NULL, author TEXT NOT NULL, key_id INTEGER NOT NULL,
      key_version INTEGER NOT NULL, format_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL, sequence INTEGER NOT NULL, content_hash BLOB NOT NULL,
      ciphertext BLOB NOT NULL, audit_copy BLOB NOT NULL);
    CREATE INDEX records_by_client ON records (client_id, kind);
    """

    /// The access log and the tree head stored after each entry.
    private static let accessLog = """
    CREATE TABLE access_log (
      seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL, roles TEXT NOT NULL,
      action TEXT NOT NULL, client_id TEXT NOT NULL, record_id TEXT NOT NULL,
      purpose TEXT NOT NULL, sealed_reason BLOB NOT NULL, outcome TEXT NOT NULL,
      detail TEXT NOT NULL, flags TEXT NOT NULL, entry BLOB NOT NULL, leaf_hash BLOB NOT NULL,
      signer TEXT NOT NULL, signature BLOB NOT NULL);
    CREATE INDEX access_log_by_client ON access_log (client_id, time);
    CREATE INDEX access_log_by_actor ON access_log (actor, time);
    CREATE TABLE tree_heads (
      size INTEGER PRIMARY KEY, root BLOB NOT NULL, frontier BLOB NOT NULL, time INTEGER NOT NULL);
    """

    /// Practice settings, export requests, rotation runs and confidentiality exceptions.
    private static let settingsAndJobs = """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE export_requests (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL,
      due_at INTEGER NOT NULL, state TEXT NOT NULL, fulfilled_at INTEGER NOT NULL, fulfilled_by TEXT NOT NULL);
    CREATE TABLE rotation_jobs (
      id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, scope TEXT NOT NULL, owner TEXT NOT NULL,
      to_key_id INTEGER NOT NULL, state TEXT NOT NULL, actor TEXT NOT NULL, started_at INTEGER NOT NULL,
      finished_at INTEGER NOT NULL);
    CREATE TABLE exceptions (
      code TEXT PRIMARY KEY, meaning TEXT NOT NULL, basis TEXT NOT NULL, kind TEXT NOT NULL, must_inform INTEGER NOT NULL,
      added_by TEXT NOT NULL, added_at INTEGER NOT NULL, signature BLOB NOT NULL);
    """

    /// The authenticated state index: latest entry and digest per aggregate, and its Merkle nodes.
    private static let stateIndex = """
    CREATE TABLE state_heads (
      aggregate TEXT PRIMARY KEY, bucket INTEGER NOT NULL, seq INTEGER NOT NULL, digest BLOB NOT NULL);
    CREATE INDEX state_heads_by_bucket ON state_heads (bucket);
    CREATE TABLE state_nodes (
      level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx));
    """

    /// Practice chart numbers, as a keyed hash in the client's own row (aggregate `client:ID`,
    /// so the `client.add` entry that made the row commits to it): BLAKE2b-256 keyed with the
    /// vault's log-key seed over a labelled, normalised chart number (``ChartNumber``); empty
    /// for a client without one. Never the number itself, nor an unkeyed hash of it. The index
    /// only speeds the lookup; uniqueness is checked against signed rows (``Session``).
    private static let chartNumbers = """
    ALTER TABLE clients ADD COLUMN chart_hash BLOB NOT NULL DEFAULT x'';
    CREATE INDEX clients_by_chart ON clients (chart_hash);
    """

    /// Signed acknowledgements of agreements.
    private static let acknowledgements = """
    CREATE TABLE acknowledgements (
      record_id TEXT NOT NULL REFERENCES records(id), user TEXT NOT NULL, time INTEGER NOT NULL,
      sealed_salt BLOB NOT NULL, body_mac BLOB NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (record_id, user));
    """
}
