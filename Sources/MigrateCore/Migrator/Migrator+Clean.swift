import PostgresClient

extension Migrator {
    /// Drops every object in the configured schemas, the history table included. Refused unless cleanDisabled=false.
    public func clean() throws -> CleanResult {
        guard !configuration.cleanDisabled else { throw MigrationError.cleanDisabled }
        let session = try openSessionWithCallbacks()
        session.executor.comment("Executing: clean")
        return try withLock(session) { history in
            try withCallbacks(.clean, session) { try session.executor.inTransaction {
                // Schemas the history says we created are dropped whole, as Flyway does.
                var created: [String] = []
                for row in history ?? [] where row.isSchemaMarker {
                    created += row.script.split(separator: ",").map { unquoteIdentifier(String($0)) }
                }
                let existing = Set(session.schemas).subtracting(try session.missingSchemas(session.schemas))
                var count = 0
                var dropped: [String] = []
                var cleaned: [String] = []
                for schema in session.schemas where existing.contains(schema) {
                    if created.contains(schema) {
                        try session.write("DROP SCHEMA \(session.connection.escapeIdentifier(schema)) CASCADE")
                        dropped.append(schema)
                        continue
                    }
                    count += try cleanSchema(schema, session)
                    cleaned.append(schema)
                }
                return CleanResult(database: session.databaseName, schemasCleaned: cleaned, schemasDropped: dropped,
                                   objectsDropped: count, dryRun: session.isDryRun)
            } }
        }
    }

    private func unquoteIdentifier(_ text: String) -> String {
        var value = text.trimmingBlanks()
        if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
            value = String(value.dropFirst().dropLast()).replacing("\"\"", with: "\"")
        }
        return value
    }

    /// Drops the objects of one schema, most dependent first; CASCADE takes care of what is left.
    private func cleanSchema(_ schema: String, _ session: Session) throws -> Int {
        let connection = session.connection
        let notFromExtension = { (catalog: String, column: String) in
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '\(catalog)'::regclass AND d.objid = \(column) AND d.deptype = 'e')"
        }
        // Each query returns (kind, already-quoted name or signature).
        let queries: [String] = [
            "SELECT 'EXTENSION', quote_ident(e.extname) FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1",
            """
            SELECT CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                   quote_ident(n.nspname) || '.' || quote_ident(c.relname)
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relkind IN ('m','v','r','p','f','S') AND NOT c.relispartition AND \(notFromExtension("pg_catalog.pg_class", "c.oid"))
             ORDER BY CASE c.relkind WHEN 'm' THEN 0 WHEN 'v' THEN 1 WHEN 'S' THEN 3 ELSE 2 END, c.relname
            """,
            """
            SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure::text
              FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $1 AND \(notFromExtension("pg_catalog.pg_proc", "p.oid"))
               -- Functions a type made for itself (range constructors) go with the type.
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
             ORDER BY p.prokind = 'a' DESC
            """,
            """
            SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, quote_ident(n.nspname) || '.' || quote_ident(t.typname)
              FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = $1 AND t.typtype IN ('d','e','r','b','c')
               AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
               AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
               AND \(notFromExtension("pg_catalog.pg_type", "t.oid"))
             ORDER BY t.typtype = 'd' DESC
            """,
            "SELECT 'COLLATION', quote_ident(n.nspname) || '.' || quote_ident(c.collname) FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE n.nspname = $1 AND \(notFromExtension("pg_catalog.pg_collation", "c.oid"))",
            "SELECT 'TEXT SEARCH CONFIGURATION', quote_ident(n.nspname) || '.' || quote_ident(c.cfgname) FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace WHERE n.nspname = $1",
            "SELECT 'TEXT SEARCH DICTIONARY', quote_ident(n.nspname) || '.' || quote_ident(d.dictname) FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace WHERE n.nspname = $1",
            "SELECT 'CONVERSION', quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1",
        ]
        // IF EXISTS skips are expected here; don't report them as notices.
        try session.write("SET LOCAL client_min_messages = warning")
        var count = 0
        for query in queries {
            let objects = try connection.query(query, [schema]).rows
            guard !objects.isEmpty else { continue }
            // IF EXISTS: an earlier CASCADE may already have taken an object with it.
            let statements = objects.map { "DROP \($0[0] ?? "") IF EXISTS \($0[1] ?? "") CASCADE" }
            do {
                try session.write(statements.joined(separator: ";\n"))
            } catch let error as PostgresError {
                throw MigrationError.database(error, while: "cleaning schema \"\(schema)\"")
            }
            count += objects.count
        }
        return count
    }
}
