import Foundation
import PostgresClient

/// An open connection with everything a command needs to know about the target database.
final class Session {
    let connection: Connection
    /// Schema that holds the history table and comes first on the search_path.
    let defaultSchema: String
    /// Configured schemas (or just the default one): what clean wipes.
    let schemas: [String]
    let history: SchemaHistoryTable
    let installedBy: String
    let databaseName: String
    let userName: String
    /// The search_path migrations run with: the default schema, then what the connection had.
    let searchPath: String
    /// The script currently running, for attributing server notices.
    var currentScript: String?

    init(connection: Connection, configuration: Configuration) throws {
        self.connection = connection
        let row = try connection.query("SELECT current_schema(), current_user, current_database(), current_setting('search_path')").rows.first ?? []
        let current = row[0]
        userName = row[1] ?? ""
        databaseName = row[2] ?? ""
        let originalPath = row[3] ?? ""
        guard let schema = configuration.defaultSchema ?? configuration.schemas.first ?? current else {
            throw MigrationError.database(PostgresError(message: "the connection has no current schema (empty search_path); set defaultSchema or schemas"), while: "finding the default schema")
        }
        defaultSchema = schema
        schemas = configuration.schemas.isEmpty ? [schema] : configuration.schemas
        history = SchemaHistoryTable(connection: connection, schema: schema, table: configuration.table)
        installedBy = configuration.installedBy ?? userName
        let quoted = connection.escapeIdentifier(schema)
        searchPath = originalPath.isEmpty ? quoted : "\(quoted), \(originalPath)"
    }

    /// Schemas from `names` that do not exist yet.
    func missingSchemas(_ names: [String]) throws -> [String] {
        let existing = Set(try connection.query("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)", [arrayLiteral(names)]).rows.compactMap { $0[0] })
        return names.filter { !existing.contains($0) }
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

    func arrayLiteral(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}

extension Migrator {
    /// Connects (retrying as configured), runs initSql, and describes the target.
    func openSession() throws -> Session {
        let parameters = try configuration.connectionParameters()
        var attempt = 0
        let connection: Connection
        while true {
            do {
                connection = try Connection(parameters: parameters)
                break
            } catch let error as PostgresError {
                if attempt >= configuration.connectRetries {
                    throw MigrationError.connectionFailed(target: configuration.redactedURL ?? "the database from PG* environment variables", error: error)
                }
                attempt += 1
                let wait = min(1 << min(attempt, 10), max(configuration.connectRetriesInterval, 1))
                onEvent(.connectionRetry(attempt: attempt, of: configuration.connectRetries, waitSeconds: wait, error: error.message))
                sleep(UInt32(wait))
            }
        }
        if let initSql = configuration.initSql, !initSql.isEmpty {
            do { try connection.execute(initSql) } catch let error as PostgresError {
                throw MigrationError.database(error, while: "running initSql")
            }
        }
        let session = try Session(connection: connection, configuration: configuration)
        connection.noticeHandler = { [weak session, onEvent] notice in
            onEvent(.serverNotice(notice, script: session?.currentScript))
        }
        return session
    }

    /// Runs `body` while holding the migration lock.
    func withLock<T>(_ session: Session, _ body: () throws -> T) throws -> T {
        let lock = AdvisoryLock(connection: session.connection, quotedTable: session.history.quotedName)
        try lock.acquire(retries: configuration.lockRetryCount) { pid in onEvent(.waitingForLock(holderPID: pid)) }
        defer { lock.release() }
        return try body()
    }

    /// Creates missing configured schemas (when createSchemas) and the history table, unless it exists;
    /// schemas it creates are recorded in a SCHEMA row, as Flyway does.
    func createHistory(_ session: Session) throws {
        if try session.history.exists() { return }
        var created: [String] = []
        let missing = try session.missingSchemas(session.schemas)
        if !missing.isEmpty {
            guard configuration.createSchemas else {
                throw MigrationError.database(PostgresError(message: "schema(s) \(missing.joined(separator: ", ")) do not exist and createSchemas=false"), while: "preparing schemas")
            }
            for schema in missing {
                try session.connection.execute("CREATE SCHEMA \(session.connection.escapeIdentifier(schema))")
                onEvent(.createdSchema(schema))
                created.append(schema)
            }
        }
        try session.history.create(tablespace: configuration.tablespace)
        onEvent(.createdHistoryTable(session.history.quotedName))
        if !created.isEmpty {
            try session.history.insert(version: nil, description: "<< Flyway Schema Creation >>", type: .schema,
                                       script: created.map { session.connection.escapeIdentifier($0) }.joined(separator: ","),
                                       checksum: nil, installedBy: session.installedBy, executionTime: 0, success: true)
        }
    }
}
