extension Migrator {
    /// Removes failed rows, realigns checksums/descriptions with the files, marks missing migrations deleted.
    public func repair() throws -> RepairResult {
        let (session, resolved) = try openSessionWithMigrations()
        session.executor.comment("Executing: repair")
        return try withLock(session) { history in try withCallbacks(.repair, session) {
            var result = RepairResult(database: session.databaseName, schemaName: session.defaultSchema, repairActions: [],
                                      migrationsRemoved: [], migrationsDeleted: [], migrationsAligned: [], dryRun: session.isDryRun)
            guard let allRows = history else { return result }
            // Decided from what was read, not re-read after the DELETE: a dry run never deletes.
            let failed = allRows.filter { !$0.success }
            let rows = allRows.filter(\.success)
            let status = try status(resolved, rows, session)
            var statements: [String] = []
            if !failed.isEmpty {
                statements.append(session.history.deleteFailedRowsStatement())
                result.migrationsRemoved = failed.map(MigrationSummary.init)
                result.repairActions.append("REMOVED_FAILED_MIGRATIONS")
            }
            for info in status.entries {
                guard let row = info.applied, row.success else { continue }
                switch info.state {
                case .success, .outOfOrder:
                    guard let file = info.file, !row.isBaseline, !row.isRepeatable else { continue }
                    // (An UNDO_SQL row stays one: realigned with its U file.)
                    let type = AppliedMigration.RowType(recording: file).rawValue
                    if row.checksum != file.checksum || row.description != file.description || row.type != type {
                        statements.append(session.history.updateStatement(rank: row.installedRank, description: file.description,
                                                                           type: type, checksum: file.checksum))
                        result.migrationsAligned.append(MigrationSummary(file))
                    }
                case .missing:
                    statements.append(session.history.insertStatement(
                        version: row.versionText, description: row.description, type: .delete, script: row.script,
                        checksum: row.checksum, installedBy: session.installedBy, success: true))
                    result.migrationsDeleted.append(MigrationSummary(row))
                default:
                    continue
                }
            }
            if !result.migrationsAligned.isEmpty { result.repairActions.append("ALIGNED_APPLIED_MIGRATION_CHECKSUMS") }
            if !result.migrationsDeleted.isEmpty { result.repairActions.append("MARKED_APPLIED_MIGRATIONS_AS_DELETED") }
            if !statements.isEmpty {
                // One message: the server runs them in order, so each DELETE-marker insert still takes its
                // rank from the rows before it.
                try session.executor.inTransaction { try session.write(statements.joined(separator: StatementBatch.separator)) }
            }
            return result
        } }
    }
}
