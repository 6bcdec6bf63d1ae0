import PostgresClient

/// What a failed migration left in the database, as far as migrate can know: said with its error, so the
/// operator knows what to check before running again.
public enum MigrationOutcome: Sendable, Equatable {
    /// Its transaction was rolled back, or never committed: nothing of it was applied.
    case rolledBack
    /// The connection was lost after its COMMIT was sent (with the COMMITs of `others`, the files after it in
    /// the same message): each was applied together with its history row, or not at all, and only the
    /// history can tell which.
    case unknown(others: [String])
    /// It ran outside a transaction: the statements before the failing one stay applied. `recordError`: why
    /// the failure could not be recorded (nil: the history holds the migration as failed). `invalidIndexes`:
    /// what failed concurrent index builds left in the database.
    case partlyApplied(recordError: String?, invalidIndexes: [InvalidIndex])

    /// The lines that end the error (indented, after its first), about a migration or a callback
    /// (`subject`). `connectionLost`: the failing statement was cut off, so it may have run in part or in full.
    func explanation(subject: String, connectionLost: Bool) -> String {
        switch self {
        case .rolledBack:
            return subject == "migration" ? "The migration was rolled back; nothing of it was applied." : "The \(subject) was rolled back."
        case .unknown(let others):
            let also = others.isEmpty ? "" : " (and those of \(others.joined(separator: ", ")), sent with it)"
            return "The connection was lost after the \(subject)'s COMMIT was sent\(also), so whether \(others.isEmpty ? "it" : "each") was applied is unknown:\n"
                + "  a transactional \(subject) is committed together with its history row or not at all.\n"
                + "  Run 'info' to see which; the next 'migrate' reads the history again and applies only what is missing."
        case .partlyApplied(let recordError, let invalidIndexes):
            var lines = ["The \(subject) ran outside a transaction: statements before this one stay applied"
                         + (connectionLost ? ", and this one may have run in part or in full." : ".")]
            guard subject == "migration" else { return lines[0] }
            if let recordError {
                lines.append("migrate could not record the failure in the history: \(recordError).")
                lines.append("The next 'migrate' would run the file again from its first statement: undo what it applied first.")
            } else {
                lines.append("It is recorded as failed; fix the database by hand, then run 'repair'.")
            }
            if !invalidIndexes.isEmpty {
                lines.append(InvalidIndex.advice(invalidIndexes))
            } else if connectionLost {
                lines.append("The next 'migrate' names any INVALID index an interrupted CREATE INDEX CONCURRENTLY left.")
            }
            return lines.joined(separator: "\n  ")
        }
    }
}

/// An index PostgreSQL holds as INVALID: what a failed or interrupted `CREATE INDEX CONCURRENTLY` (or
/// `REINDEX CONCURRENTLY`) leaves behind. Queries never use it, every write still maintains it, and running
/// the migration again fails on its name (or, with IF NOT EXISTS, keeps the broken index without a word).
public struct InvalidIndex: Sendable, Equatable, Encodable {
    /// `"schema"."index"` and `"schema"."table"`, quoted for SQL.
    public var name: String
    public var table: String

    /// How to get rid of it without blocking writes to its table.
    public var dropStatement: String { "DROP INDEX CONCURRENTLY \(name);" }

    /// Which indexes are invalid and the statements that drop them, as an error or warning says it.
    static func advice(_ indexes: [InvalidIndex]) -> String {
        "INVALID index\(indexes.count == 1 ? "" : "es") left by a failed or interrupted concurrent index build; drop "
            + (indexes.count == 1 ? "it" : "them") + " before running the migration again:\n"
            + indexes.map { "    \($0.dropStatement)  -- on \($0.table)" }.joined(separator: "\n")
    }
}

extension Session {
    /// The database's invalid indexes outside the system schemas, except those being built right now (a
    /// concurrent build holds its index invalid until it is done).
    func invalidIndexes() throws -> [InvalidIndex] {
        let notBeingBuilt = connection.serverVersion >= 120_000 ? """
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_progress_create_index p
                                WHERE p.index_relid = i.indexrelid AND p.datname = current_database())
            """ : ""
        return try connection.query("""
            SELECT format('%I.%I', n.nspname, c.relname), format('%I.%I', tn.nspname, t.relname)
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
              JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
             WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'\(notBeingBuilt)
             ORDER BY 1
            """).rows.map { InvalidIndex(name: $0[0] ?? "", table: $0[1] ?? "") }
    }
}
