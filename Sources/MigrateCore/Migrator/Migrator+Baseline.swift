extension Migrator {
    /// Records `baselineVersion` so that only later migrations apply to an existing database.
    public func baseline() throws -> BaselineResult {
        let version = try configuration.baselineMigrationVersion
        let session = try openSessionWithCallbacks()
        session.executor.comment("Executing: baseline")
        return try withLock(session) { history in try withCallbacks(.baseline, session) {
            let exists = history != nil
            let rows = (history ?? []).filter { !$0.isSchemaMarker }
            var result = BaselineResult(database: session.databaseName, schemaName: session.defaultSchema,
                                        successfullyBaselined: true, baselineVersion: version.text,
                                        baselineDescription: configuration.baselineDescription, alreadyBaselined: false,
                                        dryRun: session.isDryRun)
            if let existing = rows.first(where: \.isBaseline), rows.count == 1, existing.version == version {
                result.baselineDescription = existing.description
                result.alreadyBaselined = true
                return result
            }
            guard rows.isEmpty else {
                throw MigrationError.baselineOnNonEmptyHistory(schema: session.defaultSchema, table: session.history.table)
            }
            try session.executor.inTransaction {
                if !exists { try createHistory(session) }
                try insertBaseline(version, session)
            }
            return result
        } }
    }
}
