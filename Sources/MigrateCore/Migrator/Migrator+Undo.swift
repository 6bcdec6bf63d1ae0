extension Migrator {
    /// Reverts the most recently applied versioned migration with its U file, or, with `target=<version>`,
    /// every applied one above that version, newest first (with `cherryPick`, the listed versions in
    /// reverse order). Each undo runs like a migration — same script engine, plan and transaction handling —
    /// and is recorded in a new UNDO_SQL row, as Flyway Teams writes it: the original row stays, shown as
    /// Undone, and the version is pending again. Everything is read and checked before the first write: a
    /// migration without its U file stops the run before anything is undone.
    public func undo() throws -> UndoResult {
        let target = try self.target()
        if case .version = target, !configuration.cherryPick.isEmpty {
            throw MigrationError.notUndoable("with both cherryPick and target",
                                             reason: "give either cherryPick (the versions to undo) or target (the version to undo down to)")
        }
        let (session, resolved) = try openSessionWithMigrations()
        session.executor.comment("Executing: undo")
        return try withLock(session) { history in
            // 1. Read and check, as migrate does.
            let rows = history ?? []
            let status = try status(resolved, rows, session)
            try checkBeforeWriting(status, target: target, resolved: resolved, rows: rows, session: session)
            var version: MigrationVersion?
            if case .version(let given) = target { version = given }
            let reverting = try status.undoPlan(target: version, cherryPick: configuration.cherryPick, locations: configuration.locations)

            // 2. Plan: every U file read and checked in full before the first write.
            let planned = try plan(reverting.map(\.file), session: session)

            // 3. Write.
            var result = UndoResult(database: session.databaseName, schemaName: session.defaultSchema,
                                    initialSchemaVersion: status.currentVersion?.text, targetSchemaVersion: status.currentVersion?.text,
                                    undoneMigrations: [], dryRun: session.isDryRun)
            var beforeUndoRan = false
            do {
                beforeUndoRan = true
                try runCallbacks(.beforeUndo, session)
                let reset = planned.isEmpty ? [] : try session.resetStatements(self)
                if configuration.group && planned.count > 1 {
                    // group=true: every undo in one transaction; any failure leaves them all in place.
                    result.undoneMigrations = try session.executor.inTransaction { try planned.map { try undo($0, session: session, reset: reset) } }
                } else {
                    for migration in planned { result.undoneMigrations.append(try undo(migration, session: session, reset: reset)) }
                }
            } catch {
                if beforeUndoRan { runErrorCallbacks(.afterUndoError, session) }
                result.targetSchemaVersion = schemaVersion(after: result.undoneMigrations, resolved: resolved, rows: rows)
                throw PartialFailure(result: result, error: error)
            }
            result.targetSchemaVersion = schemaVersion(after: result.undoneMigrations, resolved: resolved, rows: rows)
            do {
                try runCallbacks(.afterUndo, session)
            } catch {
                throw PartialFailure(result: result, error: error)
            }
            return result
        }
    }

    /// Reverts one migration with its planned U file and records the UNDO_SQL row (in the same transaction
    /// when it has one). Where each undo starts and ends.
    func undo(_ migration: PlannedMigration, session: Session, reset: [String]) throws -> MigrationSummary {
        let file = migration.file
        let run = MigrationRun(migration: migration, session: session, reset: reset, hooks: scriptHooks(session, undo: true))
        onEvent(.undoing(script: file.script, version: file.version?.text ?? "", description: file.description))
        do {
            try run.run(heading: "Undo of version \(file.version?.text ?? "") - \(file.description)")
        } catch {
            if case MigrationError.statementFailed = error { runErrorCallbacks(.afterEachUndoStatementError, session) }
            runErrorCallbacks(.afterEachUndoError, session)
            throw error
        }
        let milliseconds = run.elapsed()
        onEvent(.undone(script: file.script, version: file.version?.text ?? "", description: file.description, milliseconds: milliseconds))
        return MigrationSummary(file, executionTime: milliseconds)
    }

    /// The schema version once `undone` are reverted: the history as it would read with their rows added
    /// (also right in a dry run, where no row was written).
    private func schemaVersion(after undone: [MigrationSummary], resolved: [MigrationFile], rows: [AppliedMigration]) -> String? {
        var rows = rows
        for summary in undone {
            let rank = (rows.last?.installedRank ?? 0) + 1
            rows.append(AppliedMigration(installedRank: rank, version: summary.version.flatMap(MigrationVersion.init),
                                         versionText: summary.version, description: summary.description,
                                         type: AppliedMigration.RowType.undoSQL.rawValue, script: summary.script, checksum: nil,
                                         installedBy: "", installedOn: "", executionTime: 0, success: true))
        }
        return MigrationStatus(resolved: resolved, applied: rows).currentVersion?.text
    }
}
