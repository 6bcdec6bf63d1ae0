/// A lint rule: a stable id (squawk's names where squawk has the rule), why the statement can cause an
/// outage, and the safe way to write it. The reasons are the ones in NEXT-REFERENCE.md §2.
public enum LintRule: String, CaseIterable, Sendable, Encodable {
    case requireLockTimeout = "require-lock-timeout"
    case requireConcurrentIndexCreation = "require-concurrent-index-creation"
    case requireConcurrentIndexDeletion = "require-concurrent-index-deletion"
    case requireConcurrentReindex = "require-concurrent-reindex"
    case concurrentlyInTransaction = "concurrently-in-transaction"
    case concurrentIndexNotRerunnable = "concurrent-index-not-rerunnable"
    case addingForeignKeyConstraint = "adding-foreign-key-constraint"
    case constraintMissingNotValid = "constraint-missing-not-valid"
    case addingNotNullableField = "adding-not-nullable-field"
    case addingRequiredField = "adding-required-field"
    case addingFieldWithVolatileDefault = "adding-field-with-volatile-default"
    case changingColumnType = "changing-column-type"
    case disallowedUniqueConstraint = "disallowed-unique-constraint"
    case statementsAfterAccessExclusive = "statements-after-access-exclusive"
    case banDropColumn = "ban-drop-column"
    case banDropTable = "ban-drop-table"
    case renamingTable = "renaming-table"
    case renamingColumn = "renaming-column"
    /// A `-- migrate:lint-ignore` comment without a reason, or naming no rule migrate has.
    case invalidLintIgnore = "invalid-lint-ignore"

    /// Why the statement is dangerous on a live database.
    var danger: String {
        switch self {
        case .requireLockTimeout:
            return "DDL waits for its lock with no lock_timeout: behind one long transaction it queues, and every query on the table queues behind it"
        case .requireConcurrentIndexCreation:
            return "CREATE INDEX without CONCURRENTLY blocks every write to the table until the index is built"
        case .requireConcurrentIndexDeletion:
            return "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table, blocking reads and writes"
        case .requireConcurrentReindex:
            return "REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index) while it rebuilds"
        case .concurrentlyInTransaction:
            return "CONCURRENTLY cannot run inside a transaction block: PostgreSQL refuses it and the migration fails"
        case .concurrentIndexNotRerunnable:
            return "this file runs outside a transaction: if it fails halfway, running it again fails on what the first attempt left (an INVALID index or one already dropped)"
        case .addingForeignKeyConstraint:
            return "adding a foreign key validates every row while holding a SHARE ROW EXCLUSIVE lock on both tables, blocking their writes"
        case .constraintMissingNotValid:
            return "adding a CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock"
        case .addingNotNullableField:
            return "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK (column IS NOT NULL) proves it first"
        case .addingRequiredField:
            return "a NOT NULL column without a default fails on any table that has rows"
        case .addingFieldWithVolatileDefault:
            return "a volatile default (or a serial column) rewrites the whole table under an ACCESS EXCLUSIVE lock"
        case .changingColumnType:
            return "changing a column's type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless the types are binary-compatible)"
        case .disallowedUniqueConstraint:
            return "adding UNIQUE or PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock, blocking reads and writes"
        case .statementsAfterAccessExclusive:
            return "an ACCESS EXCLUSIVE lock is held until the transaction commits: every statement after it extends the time reads and writes are blocked"
        case .banDropColumn:
            return "dropping a column breaks the running application, which still reads or writes it (and SELECT * results change)"
        case .banDropTable:
            return "dropping a table breaks the running application, which still uses it, and loses its data"
        case .renamingTable:
            return "renaming a table breaks the running application, which still uses the old name"
        case .renamingColumn:
            return "renaming a column breaks the running application, which still uses the old name"
        case .invalidLintIgnore:
            return "an ignore comment must name a rule and say why the statement is safe"
        }
    }

    /// The safe form, as SQL or as what to do.
    var safeForm: String {
        switch self {
        case .requireLockTimeout:
            return "SET lock_timeout = '5s'; (or SET LOCAL lock_timeout) before the DDL, and retry the migration when it times out"
        case .requireConcurrentIndexCreation:
            return "CREATE INDEX CONCURRENTLY IF NOT EXISTS … in a file of its own (it runs outside a transaction)"
        case .requireConcurrentIndexDeletion:
            return "DROP INDEX CONCURRENTLY IF EXISTS … in a file of its own"
        case .requireConcurrentReindex:
            return "REINDEX … CONCURRENTLY in a file of its own"
        case .concurrentlyInTransaction:
            return "put the CONCURRENTLY statement in a file of its own, with no BEGIN and no executeInTransaction=true"
        case .concurrentIndexNotRerunnable:
            return "CREATE INDEX CONCURRENTLY IF NOT EXISTS … / DROP INDEX CONCURRENTLY IF EXISTS …"
        case .addingForeignKeyConstraint:
            return "ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID; then ALTER TABLE … VALIDATE CONSTRAINT … (later, or in another file)"
        case .constraintMissingNotValid:
            return "ALTER TABLE … ADD CONSTRAINT … CHECK (…) NOT VALID; then ALTER TABLE … VALIDATE CONSTRAINT …"
        case .addingNotNullableField:
            return "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+ skips the scan)"
        case .addingRequiredField:
            return "ADD COLUMN … NOT NULL DEFAULT <constant> (no rewrite since PostgreSQL 11), or add it nullable, backfill, then set NOT NULL"
        case .addingFieldWithVolatileDefault:
            return "add the column without a default (or with a constant one), backfill in batches, then SET DEFAULT for new rows"
        case .changingColumnType:
            return "add a new column of the new type, backfill it in batches, switch the application over, then drop the old one"
        case .disallowedUniqueConstraint:
            return "CREATE UNIQUE INDEX CONCURRENTLY i ON …; then ALTER TABLE … ADD CONSTRAINT c UNIQUE USING INDEX i (or PRIMARY KEY USING INDEX i)"
        case .statementsAfterAccessExclusive:
            return "put the statement that takes the ACCESS EXCLUSIVE lock last in its transaction, or in a file of its own"
        case .banDropColumn:
            return "stop using the column in the application first, deploy, then drop it in a later migration"
        case .banDropTable:
            return "stop using the table in the application first, deploy, then drop it in a later migration"
        case .renamingTable:
            return "create a view with the old name (or copy the data), move the application, then drop the old name"
        case .renamingColumn:
            return "add a new column, write both, backfill, move reads, then drop the old column"
        case .invalidLintIgnore:
            return "-- migrate:lint-ignore <rule-id> <why it is safe here>"
        }
    }
}
