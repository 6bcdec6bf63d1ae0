extension Migrator {
    public func info() throws -> InfoResult {
        let (session, resolved) = try openSessionWithMigrations()
        return try withCallbacks(.info, session) { try info(session, resolved) }
    }

    private func info(_ session: Session, _ resolved: [MigrationFile]) throws -> InfoResult {
        let history = try readHistory(session)
        let exists = history != nil
        let rows = history ?? []
        let status = try status(resolved, rows, session)
        // (MigrationStatus has no entries for SCHEMA marker rows.)
        let migrations = status.entries.map { entry in
            let undo = status.undoability(of: entry)
            return InfoMigration(category: entry.category, version: entry.version,
                                 rawVersion: entry.version, description: entry.description,
                                 type: entry.type, script: entry.script, filepath: entry.file?.filepath,
                                 installedOnUTC: entry.installedOn, installedBy: entry.installedBy,
                                 installedRank: entry.installedRank, executionTime: entry.executionTime, state: entry.state,
                                 undoable: undo == .notApplicable ? "" : undo.file == nil ? "No" : "Yes", undoFilepath: undo.file?.filepath)
        }
        // Only asked when there is no history: a schema with a history table is not empty.
        let empty = try !exists && session.schemas.allSatisfy { try session.schemaObjects($0, limit: 1).isEmpty }
        return InfoResult(database: session.databaseName, schemaName: session.defaultSchema,
                          historyTable: session.history.quotedName, historyExists: exists,
                          schemaVersion: status.currentVersion?.text, allSchemasEmpty: empty, migrations: migrations)
    }
}
