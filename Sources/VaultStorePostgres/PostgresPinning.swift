import Foundation
import VaultCore

/// Schema pinning on PostgreSQL (docs/operations.md, "The database"): the database holds exactly the vault format's
/// relations and columns, and nothing that could run inside confidant's own transactions or
/// hide rows from it — no trigger (other than the foreign keys' internal ones), rule, policy,
/// row-level security, column default, inheritance, or function in the vault's schema.
/// Checked in `pg_catalog` before anything is read or written; any difference is bad data (65).
enum PostgresPinning {
    /// `relkind name` of every relation of the vault's schema, as `pg-v2` makes them.
    static let relations: Set<String> = [
        "S data_keys_id_seq",
        "S records_pos_seq",
        "S rotation_jobs_id_seq",
        "i access_log_by_actor",
        "i access_log_by_client",
        "i access_log_pkey",
        "i acknowledgements_pkey",
        "i care_team_pkey",
        "i clients_by_chart",
        "i clients_pkey",
        "i data_keys_client_id_scope_owner_version_key",
        "i data_keys_pkey",
        "i exceptions_pkey",
        "i export_requests_pkey",
        "i key_wraps_pkey",
        "i records_by_client",
        "i records_pkey",
        "i rotation_jobs_pkey",
        "i schema_migrations_pkey",
        "i settings_pkey",
        "i state_heads_by_bucket",
        "i state_heads_pkey",
        "i state_nodes_pkey",
        "i tree_heads_pkey",
        "i user_history_pkey",
        "i users_pkey",
        "i vault_pkey",
        "r access_log",
        "r acknowledgements",
        "r care_team",
        "r clients",
        "r data_keys",
        "r exceptions",
        "r export_requests",
        "r key_wraps",
        "r records",
        "r rotation_jobs",
        "r schema_migrations",
        "r settings",
        "r state_heads",
        "r state_nodes",
        "r tree_heads",
        "r user_history",
        "r users",
        "r vault",
    ]

    /// `table: column type [not null] [identity] [collation], …` of every table, as `pg-v2` makes them.
    static let columns: [String: String] = [
        "access_log": "seq bigint not null, time bigint not null, actor text not null C, roles text not null C, action text not null C, client_id text not null C, record_id text not null C, purpose text not null C, sealed_reason bytea not null, outcome text not null C, detail text not null C, flags text not null C, entry bytea not null, leaf_hash bytea not null, signer text not null C, signature bytea not null",
        "acknowledgements": "record_id text not null C, user text not null C, time bigint not null, sealed_salt bytea not null, body_mac bytea not null, signature bytea not null",
        "care_team": "client_id text not null C, user text not null C, granted_by text not null C, granted_at bigint not null, state text not null C, signature bytea not null",
        "clients": "id text not null C, created_at bigint not null, created_by text not null C, status text not null C, chart_hash bytea not null",
        "data_keys": "id bigint not null identity, client_id text not null C, scope text not null C, owner text not null C, version bigint not null, state text not null C, created_at bigint not null, public_key bytea not null, signer text not null C, signature bytea not null",
        "exceptions": "code text not null C, meaning text not null C, basis text not null C, kind text not null C, must_inform bigint not null, added_by text not null C, added_at bigint not null, signature bytea not null",
        "export_requests": "id text not null C, client_id text not null C, requested_by text not null C, requested_at bigint not null, due_at bigint not null, state text not null C, fulfilled_at bigint not null, fulfilled_by text not null C",
        "key_wraps": "key_id bigint not null, recipient text not null C, wrapped bytea not null",
        "records": "id text not null C, client_id text not null C, kind text not null C, subkind text not null C, author text not null C, key_id bigint not null, key_version bigint not null, format_version bigint not null, created_at bigint not null, sequence bigint not null, content_hash bytea not null, ciphertext bytea not null, audit_copy bytea not null, pos bigint not null identity",
        "rotation_jobs": "id bigint not null identity, client_id text not null C, scope text not null C, owner text not null C, to_key_id bigint not null, state text not null C, actor text not null C, started_at bigint not null, finished_at bigint not null",
        "schema_migrations": "identifier text not null C",
        "settings": "key text not null C, value text not null C",
        "state_heads": "aggregate text not null C, bucket bigint not null, seq bigint not null, digest bytea not null",
        "state_nodes": "level bigint not null, idx bigint not null, hash bytea not null",
        "tree_heads": "size bigint not null, root bytea not null, frontier bytea not null, time bigint not null",
        "user_history": "name text not null C, generation bigint not null, roles text not null C, box_pk bytea not null, sign_pk bytea not null, enrolled_by text not null C, enrolled_at bigint not null, certificate bytea not null, client_id text not null C, replaced_at bigint not null",
        "users": "name text not null C, roles text not null C, box_pk bytea not null, sign_pk bytea not null, enrolled_by text not null C, enrolled_at bigint not null, certificate bytea not null, salt bytea not null, kdf_ops bigint not null, kdf_mem bigint not null, sealed_secrets bytea not null, client_id text not null C",
        "vault": "id bigint not null, vault_id bytea not null, format_version bigint not null, practice text not null C, created_at bigint not null, kdf_ops bigint not null, kdf_mem bigint not null, recovery_pk bytea not null, root_sign_pk bytea not null, audit_key_id bigint not null, log_key_id bigint not null, settings_signer text not null C, signature bytea not null",
    ]

    /// Things that must not exist on the vault's tables, each as (what, query of their names).
    private static let forbidden: [(String, String)] = [
        ("trigger", """
            SELECT t.tgname || ' on ' || c.relname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
            """),
        ("rule", """
            SELECT r.rulename || ' on ' || c.relname AS name FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
            WHERE c.relnamespace = current_schema()::regnamespace
            """),
        ("row-level security policy", """
            SELECT p.polname || ' on ' || c.relname AS name FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            WHERE c.relnamespace = current_schema()::regnamespace
            UNION ALL SELECT 'row-level security on ' || relname FROM pg_class
            WHERE relnamespace = current_schema()::regnamespace AND (relrowsecurity OR relforcerowsecurity)
            """),
        ("function", """
            SELECT p.proname AS name FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
            """),
        ("column default", """
            SELECT c.relname || '.' || a.attname AS name FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
            JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
            WHERE c.relnamespace = current_schema()::regnamespace
            """),
        ("table inheritance", """
            SELECT c.relname || ' inherits ' || p.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relnamespace = current_schema()::regnamespace OR p.relnamespace = current_schema()::regnamespace
            """),
    ]

    private static let columnsQuery = """
        SELECT c.relname AS name, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
          || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || CASE WHEN a.attidentity <> '' THEN ' identity' ELSE '' END
          || COALESCE(' ' || co.collname, ''), ', ' ORDER BY a.attnum) AS shape
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        GROUP BY c.relname
        """

    /// Refuses a database whose catalog is not exactly the vault format's.
    /// - Throws: ``VaultError`` bad data (65) naming the first difference.
    static func check(_ tx: PostgresTransaction, endpoint: String) throws {
        let found = Set(try tx.rows("SELECT relkind::text || ' ' || relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace")
            .map { try $0.text("name") })
        if let extra = found.subtracting(relations).sorted().first {
            throw VaultError(.badData, "\(endpoint) holds \(describe(extra)) that is not part of the vault format; it was added outside confidant — remove it or restore from a backup")
        }
        if let missing = relations.subtracting(found).sorted().first {
            throw VaultError(.badData, "\(endpoint) lacks \(describe(missing)) of the vault format (or it was altered); restore from a backup")
        }
        for row in try tx.rows(columnsQuery) {
            let table = try row.text("name")
            guard columns[table] == (try row.text("shape")) else {
                throw VaultError(.badData, "\(endpoint): the columns of table '\(table)' are not the vault format's (altered outside confidant); restore from a backup")
            }
        }
        for (what, sql) in forbidden {
            if let name = try tx.rows(sql).first.map({ try $0.text("name") }) {
                throw VaultError(.badData, "\(endpoint) holds a \(what) (\(name)) on the vault's tables; it was added outside confidant and could change what confidant reads or writes — remove it")
            }
        }
    }

    private static func describe(_ relation: String) -> String {
        let kind = relation.prefix(1)
        let name = relation.dropFirst(2)
        let word = switch kind {
        case "r", "p": "a table"
        case "i", "I": "an index"
        case "S": "a sequence"
        case "v": "a view"
        case "m": "a materialized view"
        case "f": "a foreign table"
        default: "a relation"
        }
        return "\(word) '\(name)'"
    }
}
