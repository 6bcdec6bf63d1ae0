extension Migrator {
    /// `check -drift`: builds the schema the target should have — the migrations its history lists as applied,
    /// run by this same migrator code in a build database — then compares the two catalogs.
    public func checkDrift() throws -> CheckResult {
        let (session, files) = try openSessionWithMigrations()
        // Under the migration lock: the history and the catalog read together, not halfway through a migrate.
        let (rows, actual) = try withLock(session) { history -> ([AppliedMigration], CatalogSnapshot) in
            guard let history else {
                throw DriftCheckError.noHistory(database: session.databaseName, table: session.history.quotedName)
            }
            return (history, try CatalogSnapshot(session))
        }
        let applied = try AppliedMigrations(MigrationStatus(resolved: files, applied: rows), database: session.databaseName)
        let setup = try DatabaseSetup(reading: session, history: rows)
        let build = try BuildDatabase(target: session, configuration: configuration)
        let expected: CatalogSnapshot
        do {
            expected = try buildExpectedSchema(in: build, applying: applied, setup: setup)
        } catch {
            if let problem = build.dropTemporary() { warn("CHECK_BUILD_DATABASE_LEFT", problem) }
            throw error
        }
        if let problem = build.dropTemporary() { warn("CHECK_BUILD_DATABASE_LEFT", problem) }

        let report = DriftReport(database: session.databaseName, timestamp: Self.utcTimestamp(), schemas: session.schemas,
                                 buildDatabase: expected.database, buildDatabaseTemporary: build.temporaryName != nil,
                                 appliedMigrations: applied.ids,
                                 comparison: SchemaComparison(source: expected.objects, target: actual.objects))
        return CheckResult(database: session.databaseName, individualResults: [report])
    }

    /// Applies `applied` to the build database through a migrator of its own (same script engine, placeholders
    /// and settings) and reads its catalog. Its sessions are closed on return, so a temporary database can be dropped.
    private func buildExpectedSchema(in build: BuildDatabase, applying applied: AppliedMigrations, setup: DatabaseSetup) throws -> CatalogSnapshot {
        let builder = Migrator(configuration: build.configuration, traceStatements: traceStatements, onEvent: buildEvent)
        builder.onlyApplying = applied
        try build.prepare(builder)
        if !setup.statements.isEmpty, let problem = setup.replay(in: try builder.openSession()) {
            warn("CHECK_BUILD_SETUP", problem)
        }
        do {
            _ = try builder.migrate()
        } catch {
            let database = build.temporaryName ?? build.configuration.redactedURL ?? "check.buildUrl"
            throw DriftCheckError.buildFailed(database: database, error: (error as? PartialFailure)?.error ?? error)
        }
        return try CatalogSnapshot(try builder.openSession())
    }

    /// What the build reports to the user: its warnings (not those of scanning the same files again), its
    /// retries and, with -X, its statements. Its progress, notices and target are the build's business.
    private var buildEvent: (MigrationEvent) -> Void {
        { [onEvent] event in
            switch event {
            case .warning(let diagnostic) where !Migrator.scanWarningCodes.contains(diagnostic.code):
                var diagnostic = diagnostic
                diagnostic.message = "building the expected schema: " + diagnostic.message
                onEvent(.warning(diagnostic))
            case .connectionRetry, .waitingForLock, .statementSent:
                onEvent(event)
            default:
                break
            }
        }
    }
}
