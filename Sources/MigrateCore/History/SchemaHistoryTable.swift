import PostgresClient

/// The `flyway_schema_history` table: Flyway's exact columns, types and index, so a database migrated by
/// Flyway can be adopted by migrate and the other way round.
public struct SchemaHistoryTable {
    public let schema: String
    public let table: String
    let connection: Connection

    public init(connection: Connection, schema: String, table: String) {
        self.connection = connection
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"`, quoted as Flyway prints it (and hashes it for the advisory-lock key).
    public var quotedName: String { "\(connection.escapeIdentifier(schema)).\(connection.escapeIdentifier(table))" }

    public func exists() throws -> Bool {
        let result = try connection.query(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            [schema, table])
        return !result.rows.isEmpty
    }

    /// The statements that create the table as Flyway does (in `tablespace` when given).
    func createStatement(tablespace: String? = nil) -> String {
        let placement = tablespace.map { " TABLESPACE \(connection.escapeIdentifier($0))" } ?? ""
        let name = quotedName
        let index = connection.escapeIdentifier(table + "_s_idx")
        let primaryKey = connection.escapeIdentifier(table + "_pk")
        return """
            CREATE TABLE \(name) (
                "installed_rank" INT NOT NULL,
                "version" VARCHAR(50),
                "description" VARCHAR(200) NOT NULL,
                "type" VARCHAR(20) NOT NULL,
                "script" VARCHAR(1000) NOT NULL,
                "checksum" INTEGER,
                "installed_by" VARCHAR(100) NOT NULL,
                "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
                "execution_time" INTEGER NOT NULL,
                "success" BOOLEAN NOT NULL
            )\(placement);
            ALTER TABLE \(name) ADD CONSTRAINT \(primaryKey) PRIMARY KEY ("installed_rank");
            CREATE INDEX \(index) ON \(name) ("success")
            """
    }

    /// All rows, oldest first.
    public func allRows() throws -> [AppliedMigration] {
        var rows: [AppliedMigration] = []
        do {
            try connection.forEachRow(selectRows) { rows.append(Self.appliedMigration($0)) }
        } catch let error as PostgresError where error.sqlState == .undefinedColumn {
            throw try notAHistoryTable()
        }
        try checkTypes(of: rows)
        return rows
    }

    /// The rows, or nil when there is no table.
    public func read() throws -> [AppliedMigration]? {
        try exists() ? try allRows() : nil
    }

    /// Tries the advisory lock `key` and, in the same message (one round trip), reads the rows: the server
    /// runs the SELECT after the lock is taken. Not `locked`: another session holds it, and the rows are of
    /// no use. `rows` nil: there is no table (the caller expected one; the server has logged an error).
    func tryLockAndRead(key: Int64) throws -> (locked: Bool, rows: [AppliedMigration]?) {
        var locked = false
        var rows: [AppliedMigration] = []
        do {
            try connection.forEachRow("SELECT pg_try_advisory_lock(\(key));\n" + selectRows) { row in
                if row.statement == 0 {
                    locked = row.withBytes(0) { $0.first == UInt8(ascii: "t") } ?? false
                } else if locked {
                    rows.append(Self.appliedMigration(row))
                }
            }
        } catch let error as PostgresError where error.sqlState == .undefinedTable || error.sqlState == .invalidSchemaName {
            return (locked, nil)
        } catch let error as PostgresError where error.sqlState == .undefinedColumn {
            throw try notAHistoryTable()
        }
        try checkTypes(of: rows)
        return (locked, rows)
    }

    // MARK: Tables that are not Flyway's

    /// A table by this name whose columns are not Flyway's: another tool's, or a table of the application.
    private func notAHistoryTable() throws -> MigrationError {
        let columns = try connection.query(
            "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            [quotedName]).rows.compactMap { $0.first ?? nil }
        let expected = ["installed_rank", "version", "description", "type", "script", "checksum", "installed_by",
                        "installed_on", "execution_time", "success"]
        return .notAHistoryTable(table: quotedName, missing: expected.filter { !columns.contains($0) }, columns: columns)
    }

    /// Row types Flyway writes (its core types, baseline migrations' and Teams' undo types): migrate writes
    /// some and lists the others. Any other type comes from another tool or a newer version, and what it
    /// means cannot be guessed.
    static let flywayRowTypes: Set<String> = [
        "SCHEMA", "BASELINE", "DELETE", "SQL", "JDBC", "SPRING_JDBC", "SCRIPT", "CUSTOM", "SQL_BASELINE", "JDBC_BASELINE",
        "SCRIPT_BASELINE", "UNDO_SQL", "UNDO_JDBC", "UNDO_SPRING_JDBC", "UNDO_SCRIPT", "UNDO_CUSTOM",
    ]

    private func checkTypes(of rows: [AppliedMigration]) throws {
        guard let row = rows.first(where: { !Self.flywayRowTypes.contains($0.type) }) else { return }
        throw MigrationError.unknownHistoryRowType(table: quotedName, rank: row.installedRank, version: row.versionText, type: row.type)
    }

    // Row by row from the result: a project's history has thousands of rows, read on every command.
    private var selectRows: String {
        """
        SELECT installed_rank, version, description, type, script, checksum, installed_by,
               to_char(installed_on, 'YYYY-MM-DD HH24:MI:SS'), execution_time, success
        FROM \(quotedName) ORDER BY installed_rank
        """
    }

    private static func appliedMigration(_ row: ResultRow) -> AppliedMigration {
        AppliedMigration(
            installedRank: row.integer(0) ?? 0,
            version: row.withBytes(1) { MigrationVersion(bytes: $0) } ?? nil,
            versionText: row.string(1),
            description: row.string(2) ?? "",
            type: row.string(3) ?? "",
            script: row.string(4) ?? "",
            checksum: row.integer(5).flatMap { Int32(exactly: $0) },
            installedBy: row.string(6) ?? "",
            installedOn: row.string(7) ?? "",
            executionTime: row.integer(8) ?? 0,
            success: row.withBytes(9) { $0.first == UInt8(ascii: "t") } ?? false)
    }

    /// How long a migration took, as its row records it.
    enum Duration {
        case milliseconds(Int)
        /// Worked out by the server as the row is inserted, so the row can travel in the same message as the
        /// script's last statements and its COMMIT, before the client knows how long they take: the time
        /// since the transaction began (`now()`: the start of the message that held its BEGIN), less the
        /// times of the `earlierRowsInMessage` rows that the same message inserted before (several files in
        /// one message share that start; each row keeps its own file's share).
        case measuredByServer(earlierRowsInMessage: Int)
    }

    private func sql(_ duration: Duration) -> String {
        switch duration {
        case .milliseconds(let value):
            return String(value)
        case .measuredByServer(let earlier):
            let sinceStart = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer"
            guard earlier > 0 else { return sinceStart }
            return "\(sinceStart) - COALESCE((SELECT sum(execution_time) FROM (SELECT execution_time FROM \(quotedName) "
                + "ORDER BY installed_rank DESC LIMIT \(earlier)) AS earlier), 0)::integer"
        }
    }

    /// The statement that appends a row with the next installed_rank (0 for a SCHEMA marker that is the
    /// first row, as Flyway). Values are quoted literals, so the same text runs live and in a dry-run script.
    func insertStatement(version: String?, description: String, type: AppliedMigration.RowType, script: String,
                         checksum: Int32?, installedBy: String, executionTime: Duration = .milliseconds(0),
                         success: Bool) -> String {
        let rank = type == .schema
            ? "COALESCE((SELECT MAX(installed_rank) + 1 FROM \(quotedName)), 0)"
            : "COALESCE((SELECT MAX(installed_rank) FROM \(quotedName)), 0) + 1"
        let values = [rank, literal(version), literal(String(description.prefix(200))), literal(type.rawValue),
                      literal(String(script.prefix(1000))), checksum.map(String.init) ?? "NULL",
                      literal(String(installedBy.prefix(100))), sql(executionTime), success ? "true" : "false"]
        return "INSERT INTO \(quotedName) (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)\n"
            + "VALUES (\(values.joined(separator: ", ")))"
    }

    /// Marks the newest row, which a non-transactional migration recorded as failed before it started, with
    /// how the migration ended and its time (the lock keeps other writers out meanwhile).
    func completionStatement(success: Bool, executionTime: Int) -> String {
        "UPDATE \(quotedName) SET success = \(success), execution_time = \(executionTime), installed_on = now() "
            + "WHERE installed_rank = (SELECT max(installed_rank) FROM \(quotedName))"
    }

    func deleteFailedRowsStatement() -> String {
        "DELETE FROM \(quotedName) WHERE success = false"
    }

    /// Realigns a row with its file (what repair does).
    func updateStatement(rank: Int, description: String, type: String, checksum: Int32?) -> String {
        "UPDATE \(quotedName) SET description = \(literal(String(description.prefix(200)))), type = \(literal(type)), "
            + "checksum = \(checksum.map(String.init) ?? "NULL") WHERE installed_rank = \(rank)"
    }

    private func literal(_ value: String?) -> String {
        value.map(connection.escapeLiteral) ?? "NULL"
    }
}
