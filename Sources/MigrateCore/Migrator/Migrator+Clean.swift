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
                let created = (history ?? []).flatMap(\.createdSchemas)
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

    /// Drops the objects of one schema (see `SchemaContents`), most dependent first; CASCADE takes care of what is left.
    private func cleanSchema(_ schema: String, _ session: Session) throws -> Int {
        // IF EXISTS skips are expected here; don't report them as notices.
        try session.write("SET LOCAL client_min_messages = warning")
        var count = 0
        for query in SchemaContents.dropQueries {
            let objects = try session.connection.query(query, [schema]).rows
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
