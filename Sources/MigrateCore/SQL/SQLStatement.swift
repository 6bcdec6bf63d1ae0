import FoundationEssentials
import Glibc

/// One SQL statement from a script, with where it starts in the file.
public struct SQLStatement: Sendable, Equatable {
    /// The statement text as it appears in the file (after placeholder replacement), without the terminating ';'.
    public var text: String
    /// 1-based line and column (in unicode scalars) of the statement's first character.
    public var line: Int
    public var column: Int
    /// True for `COPY … FROM STDIN`: data lines follow as `.copyData` elements, then `.copyEnd`.
    public var isCopyFromStdin: Bool

    public init(text: String, line: Int, column: Int = 1, isCopyFromStdin: Bool = false) {
        self.text = text; self.line = line; self.column = column; self.isCopyFromStdin = isCopyFromStdin
    }

    /// Whether PostgreSQL refuses this statement inside a transaction block on a server of this version (e.g. 150004).
    ///
    /// Judged from the first few tokens, comments skipped: `CREATE [UNIQUE] INDEX CONCURRENTLY`,
    /// `DROP INDEX CONCURRENTLY`, `CREATE|DROP DATABASE|TABLESPACE`, `DROP SUBSCRIPTION`, `CREATE SUBSCRIPTION`
    /// unless `connect` or `create_slot` is false, `ALTER SYSTEM`,
    /// `ALTER DATABASE … SET TABLESPACE`, `ALTER SUBSCRIPTION … REFRESH PUBLICATION` (and `SET|ADD|DROP
    /// PUBLICATION` unless `refresh = false`), `ALTER TABLE … DETACH PARTITION … CONCURRENTLY`,
    /// `REINDEX … SCHEMA|DATABASE|SYSTEM`, `REINDEX … CONCURRENTLY`, `VACUUM`, `CLUSTER` without a table,
    /// `DISCARD ALL`, `COMMIT|ROLLBACK PREPARED`, and `ALTER TYPE … ADD VALUE` before PostgreSQL 12.
    public func requiresNoTransaction(serverVersion: Int) -> Bool {
        StatementClassifier.requiresNoTransaction(text, serverVersion: serverVersion)
    }
}
