import FoundationEssentials
import Glibc
import PostgresClient

/// An open connection with everything a command needs to know about the target database.
///
/// Reads go to `connection`; every write goes through `executor`, which either sends it (live) or writes it
/// to a dry-run script. In a dry run the connection sits in a read-only transaction for the whole command,
/// so nothing can change the database even by mistake.
final class Session {
    let connection: Connection
    let executor: SQLExecutor
    /// Schema that holds the history table and comes first on the search_path.
    let defaultSchema: String
    /// Configured schemas (or just the default one): what clean wipes.
    let schemas: [String]
    let history: SchemaHistoryTable
    let installedBy: String
    let databaseName: String
    let userName: String
    let target: DatabaseTarget
    /// The search_path migrations run with: the default schema, then what the connection had.
    let searchPath: String
    /// Whether the history table existed when the session started (read with the session's first query):
    /// where it did, the lock and the rows are one round trip.
    let historyExistedAtConnect: Bool
    /// The server process that answered the session's first query (see `checkNotTransactionPooled`).
    let serverPID: Int
    /// The script currently running, for attributing server notices.
    var currentScript: String?
    /// While one message holds several files: the script of the message's statement at an index.
    var scriptOfStatement: ((Int) -> String)?
    /// The script a server notice comes from.
    var scriptRaisingNotice: String? { scriptOfStatement?(connection.statementsCompleted) ?? currentScript }
    /// Built-in and configured placeholder values, fixed once per run (one `${flyway:timestamp}` for all files).
    var placeholderValues: [String: String] = [:]
    /// How each file is read, by path: resolved once per run (see `Migrator.scriptSettings`).
    var scriptSettings: [String: ScriptSettings] = [:]
    /// The SQL callbacks this run may fire, read and checked when the session opened.
    var callbacks = PlannedCallbacks()
    /// See `resetStatements`.
    var reset: [String]?
    /// The lock and statement timeouts each migration file runs with.
    let timeouts: MigrationTimeouts
    /// Who blocks this session, watched while migrations run (see `BlockerWatch`).
    var blockerWatch: BlockerWatch?
    /// The undo files the scan found (see `MigrationScanner.Result.undoFiles`).
    var undoFiles: [MigrationFile] = []

    var isDryRun: Bool { !executor.isLive }

    init(connection: Connection, executor: SQLExecutor, configuration: Configuration) throws {
        self.connection = connection
        self.executor = executor
        let configuredSchema = configuration.defaultSchema ?? configuration.schemas.first
        let row = try connection.query("""
            SELECT current_schema(), current_user, current_database(), current_setting('search_path'),
                   EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname = coalesce($1, current_schema()) AND c.relname = $2 AND c.relkind IN ('r', 'p')),
                   pg_backend_pid()
            """, [configuredSchema, configuration.table]).rows.first ?? []
        let current = row[0]
        userName = row[1] ?? ""
        databaseName = row[2] ?? ""
        let originalPath = row[3] ?? ""
        historyExistedAtConnect = row[4] == "t"
        timeouts = MigrationTimeouts(configuration)
        serverPID = row[5].flatMap { Int($0) } ?? 0
        guard let schema = configuredSchema ?? current else {
            throw MigrationError.noDefaultSchema
        }
        defaultSchema = schema
        schemas = configuration.schemas.isEmpty ? [schema] : configuration.schemas
        history = SchemaHistoryTable(connection: connection, schema: schema, table: configuration.table)
        installedBy = configuration.installedBy ?? userName
        let quoted = connection.escapeIdentifier(schema)
        searchPath = originalPath.isEmpty ? quoted : "\(quoted), \(originalPath)"
        target = DatabaseTarget(url: Self.displayURL(host: connection.host, port: connection.port, database: databaseName),
                                database: databaseName, user: userName,
                                // `15.18 (Debian 15.18-0+deb12u1)` → `15.18`
                                serverVersion: String((connection.parameterStatus("server_version") ?? "").prefix { $0 != " " }))
    }

    /// `postgresql://host:port/db`; a socket directory goes into `?host=`, as libpq's URIs write it.
    static func displayURL(host: String, port: String, database: String) -> String {
        let encodedDatabase = PercentEncoding.encoded(database)
        if host.hasPrefix("/") || host.isEmpty {
            return "postgresql:///\(encodedDatabase)?host=\(host)&port=\(port)"
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(shownHost):\(port)/\(encodedDatabase)"
    }

    /// Sends (or writes, in a dry run) statements that change the database.
    func write(_ sql: String) throws {
        try executor.run(sql)
    }

    /// Schemas from `names` that do not exist yet.
    func missingSchemas(_ names: [String]) throws -> [String] {
        let existing = Set(try connection.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)", [Connection.arrayLiteral(names)]).rows.compactMap { $0[0] })
        return names.filter { !existing.contains($0) }
    }

    /// Creates `schema` in the open transaction. False: another session created it meanwhile (another
    /// history's migrate, which our lock does not hold off, or anyone else), so it is not ours to record.
    /// A savepoint keeps the transaction usable after the server's duplicate error.
    func createSchema(_ schema: String) throws -> Bool {
        let create = "CREATE SCHEMA \(connection.escapeIdentifier(schema))"
        guard !isDryRun else {
            try write(create)
            return true
        }
        try write("SAVEPOINT migrate_create_schema")
        do {
            try write(create)
        } catch let error as PostgresError where error.sqlState == .duplicateSchema || error.sqlState == .uniqueViolation {
            try write("ROLLBACK TO SAVEPOINT migrate_create_schema")
            return false
        }
        try write("RELEASE SAVEPOINT migrate_create_schema")
        return true
    }

    /// Whether the schema holds anything that migrate did not create (besides the history table).
    func schemaObjects(_ schema: String, limit: Int = 5) throws -> [String] {
        try connection.query("""
            SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname <> $2 AND c.relkind IN ('r','p','v','m','S','f')
            UNION ALL
            SELECT p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $1
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            UNION ALL
            SELECT t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = $1 AND t.typtype IN ('e','d','r','m') 
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
            LIMIT \(limit)
            """, [schema, history.table]).rows.compactMap { $0[0] }
    }

    /// Other tables that look like a Flyway history table, as `"schema"."table"`, to explain a wrong `table` setting.
    func otherHistoryTables() throws -> [String] {
        try connection.query("""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r','p') AND NOT (n.nspname = $1 AND c.relname = $2)
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND (SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname IN ('installed_rank','version','description','type','script','checksum','installed_by','installed_on','execution_time','success')) = 10
             ORDER BY 1
            """, [defaultSchema, history.table]).rows.compactMap { $0[0] }
    }
}

extension Migrator {
    /// Connects (retrying as configured), runs initSql, and describes the target. In a dry run the whole
    /// session is one read-only transaction, and writes go to the dry-run script.
    func openSession() throws -> Session {
        // seed's steps share its connection (and the lock on it); other connections (the pooling check's) are new.
        let connection = try sharedConnection ?? connect()
        if traceStatements {
            connection.traceHandler = { [onEvent] sql, milliseconds in onEvent(.statementSent(sql: sql, milliseconds: milliseconds)) }
        }
        let executor: SQLExecutor = dryRun ?? LiveExecutor(connection: connection)
        Cancellation.arm(connection, slot: cancellationSlot)
        do {
            if dryRun != nil { try connection.execute("BEGIN TRANSACTION READ ONLY") }
            if let initSql = configuration.initSql, !initSql.isEmpty {
                try connection.execute(initSql)
            }
        } catch let error as PostgresError {
            throw MigrationError.database(error, while: "running initSql")
        }
        let session = try Session(connection: connection, executor: executor, configuration: configuration)
        session.placeholderValues = placeholderValues(session)
        connection.noticeHandler = { [weak session, onEvent] notice in
            onEvent(.serverNotice(notice, script: session?.scriptRaisingNotice))
        }
        onEvent(.connected(session.target))
        if let dryRun {
            dryRun.comment("""
                migrate dry run, \(Self.utcTimestamp())
                Database: \(session.target.url) (PostgreSQL \(session.target.serverVersion)) as \(session.userName)
                Nothing below has been run. Apply it with: psql -X -v ON_ERROR_STOP=1 -f <this file>
                """)
            if let initSql = configuration.initSql, !initSql.isEmpty {
                dryRun.comment("initSql (run by migrate on every connection)")
                try dryRun.run(initSql)
            }
        }
        return session
    }

    static func utcTimestamp() -> String {
        formattedNow(utc: true) + " UTC"
    }

    /// The history rows, nil when there is no history table: for commands that take no lock.
    func readHistory(_ session: Session) throws -> [AppliedMigration]? {
        guard session.historyExistedAtConnect else { return nil }
        do {
            return try session.history.allRows()
        } catch let error as PostgresError where error.sqlState == .undefinedTable && !session.isDryRun {
            return nil  // dropped since the session started (a dry run's read-only transaction cannot go on after an error)
        }
    }

    /// Runs `body` while holding the migration lock, with the history rows as they stand under the lock
    /// (nil: no history table). Where the table existed when the session started, the lock and the rows are
    /// one message; otherwise, or when it is gone, it is looked for again once the lock is held.
    /// A dry run takes no lock: it writes nothing, and must leave nothing behind.
    func withLock<T>(_ session: Session, _ body: ([AppliedMigration]?) throws -> T) throws -> T {
        if session.isDryRun { return try body(try readHistory(session)) }
        try checkNotTransactionPooled(session)
        let lock = AdvisoryLock(connection: session.connection, quotedTable: session.history.quotedName)
        var rows: [AppliedMigration]?
        try lock.acquire(retries: configuration.lockRetryCount, waiting: { pid in onEvent(.waitingForLock(holderPID: pid)) }) {
            guard session.historyExistedAtConnect else { return try lock.tryOnce() }
            let attempt = try session.history.tryLockAndRead(key: lock.key)
            if attempt.locked { rows = attempt.rows }
            return attempt.locked
        }
        defer { lock.release() }
        return try body(try rows ?? session.history.read())
    }

    /// Creates missing configured schemas (when createSchemas) and the history table, unless it exists;
    /// schemas it creates are recorded in a SCHEMA row, as Flyway does.
    func createHistory(_ session: Session) throws {
        var created: [String] = []
        let missing = try session.missingSchemas(session.schemas)
        if !missing.isEmpty {
            guard configuration.createSchemas else {
                throw MigrationError.missingSchemas(missing)
            }
            for schema in missing where try session.createSchema(schema) {
                onEvent(.createdSchema(schema))
                created.append(schema)
            }
        }
        try session.write(session.history.createStatement(tablespace: configuration.tablespace))
        onEvent(.createdHistoryTable(session.history.quotedName))
        if !created.isEmpty {
            try session.write(session.history.insertStatement(
                version: nil, description: "<< Flyway Schema Creation >>", type: .schema,
                script: created.map { session.connection.escapeIdentifier($0) }.joined(separator: ","),
                checksum: nil, installedBy: session.installedBy, success: true))
        }
    }
}
