import FoundationEssentials
import Glibc
import PostgresClient

extension Migrator {
    /// Applies what is pending. Everything is read and checked first — history, validation, and every
    /// pending file in full — and only then is anything written: the schema, the history table, each
    /// migration with its history row. In a dry run the writes go to the script instead.
    public func migrate() throws -> MigrateResult {
        let target = try target()
        let (session, scanned, largeFiles) = try openSessionWithMigrations(largeChecksumsLater: true)
        try checkCherryPick(scanned)  // before validating: a wrong pick is the clearer error
        session.executor.comment("Executing: migrate")
        return try withMigrateLock(session) { history in
            // 1. Read: where the history stands.
            var historyExists = history != nil
            var rows = history ?? []
            var resolved = scanned
            if let largeFiles, largeFiles.areNeeded(by: resolved, applied: rows) { resolved = try largeFiles.filled(resolved) }
            var baselineVersion: MigrationVersion?
            if !historyExists {
                // (A schema that does not exist yet has no objects either.)
                let notEmpty = try !session.schemaObjects(session.defaultSchema).isEmpty
                // lockMode=transaction read the history without a lock: objects seen now may be another run's
                // work, whose history table was created (and committed) before them. Read again, after them.
                if notEmpty, transactionLock(session) != nil, let now = try session.history.read() {
                    historyExists = true
                    rows = now
                } else if notEmpty {
                    guard configuration.baselineOnMigrate else {
                        throw MigrationError.nonEmptySchemaWithoutHistory(schema: session.defaultSchema, table: session.history.table,
                                                                          otherHistoryTables: try session.otherHistoryTables())
                    }
                    let version = try configuration.baselineMigrationVersion
                    baselineVersion = version
                    rows = [AppliedMigration(installedRank: 1, version: version, versionText: version.text,
                                             description: configuration.baselineDescription, type: AppliedMigration.RowType.baseline.rawValue,
                                             script: configuration.baselineDescription, checksum: nil, installedBy: session.installedBy,
                                             installedOn: "", executionTime: 0, success: true)]
                } else {
                    // An empty target but a history table elsewhere: most likely a wrong schemas/table setting.
                    for other in try session.otherHistoryTables() {
                        warn("HISTORY_TABLE_ELSEWHERE", "creating a new schema history table \(session.history.quotedName), but one already exists as \(other): check the schemas, defaultSchema and table settings")
                    }
                }
            }
            let status = try status(resolved, rows, session)
            let validated = try checkBeforeWriting(status, target: target, resolved: resolved, rows: rows, session: session)

            // 2. Plan: every pending file read and checked in full before the first write.
            var planned = try plan(cherryPicked(status.pending), session: session)
            if let largeFiles { planned = try largeFiles.filled(planned) }
            try checkRunsUnderTransactionLock(planned)
            try lintBeforeApplying(planned, session)
            if !planned.isEmpty { try warnAboutInvalidIndexes(session) }
            session.blockerWatch = planned.isEmpty ? nil : startBlockerWatch(session)
            defer { session.blockerWatch?.stop() }

            // 3. Write.
            var result = MigrateResult(database: session.databaseName, schemaName: session.defaultSchema,
                                       initialSchemaVersion: status.currentVersion?.text, targetSchemaVersion: status.currentVersion?.text,
                                       migrations: [], success: false, baselined: baselineVersion != nil,
                                       baselineVersion: baselineVersion?.text, dryRun: session.isDryRun)
            var beforeMigrateRan = false
            // Files applied one by one, each committed: a failure later on still reports them. (Not `into:
            // &result.migrations`: a throw inside an inout access skips the property's didSet, and the count.)
            var committed: [MigrationSummary] = []
            do {
                if validated {
                    try runCallbacks(.beforeValidate, session)
                    try runCallbacks(.afterValidate, session)
                }
                if configuration.createSchemas {
                    try runCallbacks(.createSchema, session)
                    try runCallbacks(.beforeCreateSchema, session)
                }
                if !historyExists { try createHistoryIfMissing(session, baseline: baselineVersion) }
                beforeMigrateRan = true
                try runCallbacks(.beforeMigrate, session)
                let reset = planned.isEmpty ? [] : try session.resetStatements(self)
                // afterVersioned and beforeRepeatables run between the versioned files and the repeatables.
                let firstRepeatable = planned.firstIndex { $0.file.isRepeatable } ?? planned.endIndex
                if configuration.group && planned.count > 1 {
                    // group=true: every pending migration in one transaction; any failure undoes them all.
                    var applied: [MigrationSummary] = []
                    try session.executor.inTransaction {
                        for (index, migration) in planned.enumerated() {
                            if index == firstRepeatable {
                                try runCallbacksInline(.afterVersioned, session)
                                try runCallbacksInline(.beforeRepeatables, session)
                            }
                            if let summary = try apply(migration, session: session, reset: reset) { applied.append(summary) }
                        }
                        if firstRepeatable == planned.endIndex { try runCallbacksInline(.afterVersioned, session) }
                    }
                    result.migrations = applied
                } else {
                    try apply(planned[..<firstRepeatable], session: session, reset: reset, into: &committed)
                    try runCallbacks(.afterVersioned, session)
                    if firstRepeatable < planned.endIndex {
                        try runCallbacks(.beforeRepeatables, session)
                        try apply(planned[firstRepeatable...], session: session, reset: reset, into: &committed)
                    }
                    result.migrations = committed
                }
            } catch {
                result.migrations = committed
                if beforeMigrateRan { runErrorCallbacks(.afterMigrateError, session) }
                throw PartialFailure(result: result, error: error)
            }
            do {
                if !result.migrations.isEmpty { try runCallbacks(.afterMigrateApplied, session) }
                try runCallbacks(.afterMigrate, session)
            } catch {
                throw PartialFailure(result: result, error: error)
            }
            result.success = true
            // Every planned file is now applied: the highest version is known without reading the history again.
            result.targetSchemaVersion = ([status.currentVersion] + planned.map(\.file.version)).compactMap { $0 }.max()?.text
            return result
        }
    }

    /// Applies `planned` in order: small files several to a message where they can, others one by one.
    func apply(_ planned: ArraySlice<PlannedMigration>, session: Session, reset: [String],
                       into applied: inout [MigrationSummary]) throws {
        var next = planned.startIndex
        while next < planned.endIndex {
            try stopIfInterrupted(before: planned[next].settings.displayPath)
            let chain = messageChain(planned[next...], session: session)
            if chain.count > 1 {
                try applyChain(chain, session: session, reset: reset, into: &applied)
                next += chain.count
            } else {
                if let summary = try apply(planned[next], session: session, reset: reset) { applied.append(summary) }
                next += 1
            }
        }
    }

    /// What a failed or interrupted concurrent index build left: a migration that builds the index again
    /// would fail on its name, or with IF NOT EXISTS keep the broken one.
    private func warnAboutInvalidIndexes(_ session: Session) throws {
        for index in try session.invalidIndexes() {
            warn("INVALID_INDEX", "index \(index.name) on \(index.table) is INVALID (left by a failed or interrupted concurrent index build): "
                 + "drop it with \(index.dropStatement)")
        }
    }

    func insertBaseline(_ version: MigrationVersion, _ session: Session) throws {
        try session.write(session.history.insertStatement(
            version: version.text, description: configuration.baselineDescription, type: .baseline,
            script: configuration.baselineDescription, checksum: nil, installedBy: session.installedBy, success: true))
    }

    /// Statements that put the session back as it was after connecting and initSql (its settings, session
    /// user and role), with the search_path migrations run with. Sent before every file and before every
    /// history write: a migration's SET, SET ROLE or SET SESSION AUTHORIZATION must neither leak into the
    /// next one (psql would run each file in a session of its own) nor decide who writes the history row.
    /// (RESET ALL alone would drop initSql's settings and keep a SET ROLE.)
    func sessionReset(_ session: Session) throws -> [String] {
        let connection = session.connection
        let row = try connection.query("""
            SELECT session_user, current_user,
                   (SELECT string_agg(format('pg_catalog.set_config(%L, %L, false)', name, setting), ', ' ORDER BY name)
                      FROM pg_catalog.pg_settings WHERE source = 'session' AND name NOT IN ('search_path', 'transaction_read_only', 'transaction_isolation', 'transaction_deferrable'))
            """).rows.first ?? []
        var statements = ["RESET ALL"]
        if let user = row.first ?? nil { statements.append("SET SESSION AUTHORIZATION \(connection.escapeIdentifier(user))") }
        if row.count > 2, let settings = row[2] { statements.append("SELECT \(settings)") }
        if row.count > 1, let role = row[1], role != row[0] { statements.append("SET ROLE \(connection.escapeIdentifier(role))") }
        statements.append("SET search_path TO \(session.searchPath)")
        return statements
    }

    /// Applies one file as its plan says and records it in the history (in the same transaction when it has
    /// one). Returns what ran, with its time; nil when, with lockMode=transaction, another run applied it
    /// since this one read the history. A transactional file that fails on a lock timeout or deadlock is
    /// rolled back and run again (see `retryOrThrow`); `failedAttempts` were made already (in a message with
    /// other files, where its `applying` was reported).
    func apply(_ migration: PlannedMigration, session: Session, reset: [String], failedAttempts: Int = 0) throws -> MigrationSummary? {
        let file = migration.file
        try stopIfInterrupted(before: migration.settings.displayPath)
        var attempt = failedAttempts + 1
        while true {
            var run = MigrationRun(migration: migration, session: session, reset: reset, hooks: scriptHooks(session))
            if let lock = transactionLock(session) {
                // The file's transaction is opened here, to lock and read the history before anything of it runs.
                if migration.mode != .inGroup { try session.executor.begin() }
                guard try lockAndCheckPending(file, lock) else {
                    if migration.mode != .inGroup { session.executor.rollback() }
                    return nil
                }
                run.transactionOpenedByCaller = migration.mode != .inGroup
            }
            if attempt == 1 { onEvent(.applying(script: file.script, version: file.version?.text, description: file.description)) }
            do {
                try run.run(heading: "Migration \(file.version.map { "version \($0.text)" } ?? "repeatable") - \(file.description)")
                if run.transactionOpenedByCaller && session.executor.transactionStatus != .idle { try session.executor.commit() }
                let milliseconds = run.elapsed()
                onEvent(.applied(script: file.script, version: file.version?.text, description: file.description, milliseconds: milliseconds))
                return MigrationSummary(file, executionTime: milliseconds)
            } catch {
                if run.transactionOpenedByCaller { session.executor.rollback() }
                do {
                    try retryOrThrow(error, file: run.displayPath, mode: migration.mode, attempt: attempt, session: session)
                    attempt += 1
                } catch let final {
                    if case MigrationError.statementFailed = error { runErrorCallbacks(.afterEachMigrateStatementError, session) }
                    runErrorCallbacks(.afterEachMigrateError, session)
                    throw final
                }
            }
        }
    }
}

/// One migration being applied: its script runner, its clock, and how it is recorded.
struct MigrationRun {
    let migration: PlannedMigration
    let session: Session
    /// The statements that put the session back as it was (see `sessionReset`).
    let reset: [String]
    let runner: ScriptRunner
    let stopwatch = Stopwatch()
    /// lockMode=transaction: the caller has begun the file's transaction (and locked in it).
    var transactionOpenedByCaller = false

    init(migration: PlannedMigration, session: Session, reset: [String], hooks: ScriptRunner.Hooks? = nil) {
        self.migration = migration
        self.session = session
        self.reset = reset
        runner = ScriptRunner(executor: session.executor, file: migration.file, settings: migration.settings, hooks: hooks)
    }

    var executor: SQLExecutor { session.executor }

    /// Milliseconds since the file started; 0 in a dry run, where nothing ran.
    func elapsed() -> Int {
        session.isDryRun ? 0 : Int(stopwatch.milliseconds)
    }

    var displayPath: String { migration.settings.displayPath }

    /// Runs the file as its plan says and records it in the history (in the same transaction when it has
    /// one); `heading` introduces it in a dry-run script.
    func run(heading: String) throws {
        executor.comment("\n\(heading)\nSource: \(displayPath)" + (migration.mode == .withoutTransaction ? " [non-transactional]" : ""))
        session.currentScript = migration.file.script
        defer { session.currentScript = nil }
        switch migration.mode {
        case .recordOnly:
            try record(success: true)
        case .inGroup:
            try inGroup()
        case .inTransaction:
            try inOwnTransaction()
        case .withoutTransaction:
            try withoutTransaction()
        }
    }

    func recordStatement(success: Bool, executionTime: SchemaHistoryTable.Duration) -> String {
        let file = migration.file
        return session.history.insertStatement(
            version: file.version?.text, description: file.description, type: .init(recording: file), script: file.script,
            checksum: file.checksum, installedBy: session.installedBy, executionTime: executionTime, success: success)
    }

    func record(success: Bool) throws {
        try session.write(recordStatement(success: success, executionTime: .milliseconds(elapsed())))
    }

    /// The session reset, as sent before a file's statements or after them.
    private func reset(_ purpose: String) -> [ScriptRunner.OwnStatement] {
        reset.map { ScriptRunner.OwnStatement(text: $0, purpose: "\(purpose) \(displayPath)") }
    }

    /// What goes before the statements of a file in a transaction of its own: the reset, BEGIN and the
    /// timeouts, set LOCAL so that they end with the file's transaction.
    var transactionPrelude: [ScriptRunner.OwnStatement] {
        reset("preparing to run") + (transactionOpenedByCaller ? [] : [.init(text: "BEGIN", purpose: "starting the transaction for \(displayPath)")])
            + timeouts(local: true)
    }

    /// The lock and statement timeouts for this file (see `MigrationTimeouts`).
    private func timeouts(local: Bool) -> [ScriptRunner.OwnStatement] {
        session.timeouts.statements(local: local).map { .init(text: $0, purpose: "setting the timeouts for \(displayPath)") }
    }

    /// What goes after them, in the same message: the reset, the history row (its time measured by the
    /// server, less that of the `earlierRowsInMessage` rows before it), COMMIT.
    func transactionPostlude(earlierRowsInMessage: Int) -> [ScriptRunner.OwnStatement] {
        reset("resetting the session after") + [
            .init(text: recordStatement(success: true, executionTime: .measuredByServer(earlierRowsInMessage: earlierRowsInMessage)),
                  purpose: "recording \(displayPath) in the schema history"),
            .init(text: "COMMIT", purpose: "committing \(displayPath)"),
        ]
    }

    /// group=true: the caller holds one transaction around every file, so no BEGIN/COMMIT here.
    func inGroup() throws {
        try runner.run(plan: migration.script, prelude: reset("preparing to run") + timeouts(local: true),
                       postlude: { reset("resetting the session after") }, batching: true)
        if runner.progress.transactionEndedByScript {
            throw MigrationError.notTransactionalInGroup(file: displayPath, reason: "it ends the transaction itself (COMMIT/ROLLBACK)")
        }
        try record(success: true)
    }

    /// The file and its history row in one transaction: a failure leaves nothing of either. The row and the
    /// COMMIT go in the script's last message, so a small file costs one round trip.
    func inOwnTransaction() throws {
        do {
            try runner.run(plan: migration.script, prelude: transactionPrelude, postlude: {
                // The script committed migrate's transaction itself: its row is written on its own, below.
                runner.progress.transactionEndedByScript
                    ? reset("resetting the session after") : transactionPostlude(earlierRowsInMessage: 0)
            }, batching: true)
            if runner.progress.transactionEndedByScript {
                try record(success: true)
                // The script may have opened a transaction of its own again and left it open.
                if executor.transactionStatus != .idle { try executor.commit() }
            }
        } catch {
            executor.rollback()
            if runner.progress.transactionEndedByScript { throw failedOutsideTransaction(error, recordedBeforeRunning: false) }
            throw failed(error, runner.progress.commitPerhapsRan ? .unknown(others: []) : .rolledBack)
        }
    }

    /// Statement by statement, as psql would (CREATE INDEX CONCURRENTLY…). Recorded as failed before its
    /// first statement and as succeeded after its last: a run cut short (server stopped, connection lost,
    /// migrate killed) leaves a failed row that stops the next run until someone has looked, where no row
    /// would have the file run again from its first statement.
    func withoutTransaction() throws {
        do {
            try session.write(recordStatement(success: false, executionTime: .milliseconds(0)))
        } catch {
            throw failed(error, .rolledBack, doing: "recording \(displayPath) in the schema history before it runs")
        }
        do {
            // Session-level timeouts here: the reset after the file (or after its failure) undoes them.
            try runner.run(plan: migration.script, prelude: reset("preparing to run") + timeouts(local: false),
                           postlude: { reset("resetting the session after") }, batching: false)
        } catch {
            executor.rollback()
            throw failedOutsideTransaction(error, recordedBeforeRunning: true)
        }
        do {
            try session.write(session.history.completionStatement(success: true, executionTime: elapsed()))
        } catch {
            throw failed(error, .partlyApplied(recordError: nil, invalidIndexes: []), doing: "recording \(displayPath) as succeeded in the schema history")
        }
    }
}
