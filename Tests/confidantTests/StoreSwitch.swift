import Testing
import VaultTestSupport

extension Trait where Self == ConditionTrait {
    /// A test of the SQLite file itself (raw edits with a database editor, file copies, bytes on
    /// disk, backup files): skipped when the suite runs on PostgreSQL
    /// (`CONFIDANT_TEST_STORE=postgres`), where the store's own suites replay the writer attacks
    /// through SQL.
    static var sqliteOnly: Self {
        .disabled(if: TestStore.runsOnPostgres, "edits or copies the SQLite file itself")
    }
}
