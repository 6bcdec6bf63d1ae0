import PostgresClient

extension Migrator {
    /// How much one message of several files may hold: the same bounds as one file's batch.
    static let chainBytes = ScriptRunner.batchBytes
    static let chainStatements = 2_000

    /// The small files at the start of `pending` that can go to the server in one message (one round trip
    /// for all of them), within the bounds above. Live runs only: a dry run writes each file on its own.
    /// Not before PostgreSQL 13, which applied statement_timeout to a whole message rather than to each of
    /// its statements.
    func messageChain(_ pending: ArraySlice<PlannedMigration>, session: Session) -> ArraySlice<PlannedMigration> {
        guard !session.isDryRun, !locksPerTransaction, session.connection.serverVersion >= 130_000, !session.callbacks.hookIntoMigrations else { return pending.prefix(0) }
        var bytes = 0
        var statements = 0
        var end = pending.startIndex
        for migration in pending {
            guard migration.mode == .inTransaction, migration.script.canShareMessage, let elements = migration.script.cached else { break }
            // A file that can share a message holds statements only (no COPY data): counted by the plan.
            bytes += migration.script.keptBytes
            statements += elements.count
            if end > pending.startIndex && (bytes > Self.chainBytes || statements > Self.chainStatements) { break }
            end += 1
        }
        return pending[..<end]
    }

    /// Applies several small files in one message: each still in a transaction of its own with its history
    /// row (`BEGIN`, its statements, the row, `COMMIT`), exactly what `apply` sends one file at a time, but
    /// without waiting for the server between files. The server runs the message in order and stops at the
    /// first error: the files before it are committed (reported as applied, with the time the server
    /// recorded for each), the failing one is rolled back, the ones after it never ran. A syntax error
    /// stops the whole message before anything runs; the files before the broken one are then sent again.
    func applyChain(_ chain: ArraySlice<PlannedMigration>, session: Session, reset: [String],
                    into applied: inout [MigrationSummary]) throws {
        let executor = session.executor
        let runs = chain.map { MigrationRun(migration: $0, session: session, reset: reset) }
        var batch = StatementBatch(runners: runs.map(\.runner))
        var commits: [Int] = []  // the entry index of each file's COMMIT
        for (index, run) in runs.enumerated() {
            // Exactly what `apply` sends for the file on its own, around the same statements.
            for own in run.transactionPrelude { batch.add(own.text, purpose: own.purpose, runner: index) }
            for case .statement(let statement) in run.migration.script.cached ?? [] {
                batch.add(statement.text, statement: statement, runner: index)
            }
            for own in run.transactionPostlude(earlierRowsInMessage: index) { batch.add(own.text, purpose: own.purpose, runner: index) }
            commits.append(batch.count - 1)
        }
        // Notices name the file of the statement that raised them.
        let entries = batch.entries
        session.scriptOfStatement = { statement in chain[chain.startIndex + entries[min(statement, entries.count - 1)].runner].file.script }
        defer { session.scriptOfStatement = nil }

        var failure: Error?
        var failing = 0  // the file the error belongs to
        var committed = chain.count
        var nothingRan = false
        do {
            try executor.run(batch)
        } catch let error as PostgresError {
            // Statements before the failing one completed: so did the COMMITs among them.
            let completed = error.failedStatementIndex ?? 0
            committed = commits.prefix { $0 < completed }.count
            // Known to have run nothing (not merely unanswered, as when the connection is lost).
            nothingRan = error.failedStatementIndex == 0 && !error.connectionLost
            executor.rollback()
            failing = batch.entry(for: error).map { entries[$0.index].runner } ?? min(committed, chain.count - 1)
            // A lost connection libpq noticed: the files whose COMMIT went unanswered may all have been applied.
            let perhaps = batch.filesCommittedPerhaps(despite: error)
            let outcome: MigrationOutcome = perhaps.isEmpty ? .rolledBack
                : .unknown(others: perhaps.filter { $0 > failing }.map { runs[$0].displayPath })
            failure = runs[failing].failed(batch.locate(error), outcome)
        }
        if committed > 0 {
            let done = chain.prefix(committed)
            let times = (try? recordedTimes(of: done.count, session: session)) ?? []
            for (offset, migration) in done.enumerated() {
                let file = migration.file
                let milliseconds = offset < times.count ? times[offset] : 0
                onEvent(.applying(script: file.script, version: file.version?.text, description: file.description))
                onEvent(.applied(script: file.script, version: file.version?.text, description: file.description, milliseconds: milliseconds))
                applied.append(MigrationSummary(file, executionTime: milliseconds))
            }
        }
        if let failure {
            // A syntax error: the server parses the whole message before running any of it, so the files
            // before the broken one never ran. They are applied now, as they would have been one by one.
            if nothingRan && failing > 0 {
                try applyChain(chain[(chain.startIndex + committed)..<(chain.startIndex + failing)], session: session, reset: reset, into: &applied)
            }
            let failed = chain[chain.startIndex + failing]
            let file = failed.file
            onEvent(.applying(script: file.script, version: file.version?.text, description: file.description))
            // A lock conflict: the files before it are committed; it runs again on its own, then the rest.
            try retryOrThrow(failure, file: runs[failing].displayPath, mode: failed.mode, attempt: 1, session: session)
            if let summary = try apply(failed, session: session, reset: reset, failedAttempts: 1) { applied.append(summary) }
            try apply(chain[(chain.startIndex + failing + 1)...], session: session, reset: reset, into: &applied)
        }
    }

    /// The execution times the server recorded in the last `count` history rows, oldest first.
    private func recordedTimes(of count: Int, session: Session) throws -> [Int] {
        var times: [Int] = []
        try session.connection.forEachRow(
            "SELECT execution_time FROM \(session.history.quotedName) ORDER BY installed_rank DESC LIMIT \(count)") { row in
            times.append(row.integer(0) ?? 0)
        }
        return times.reversed()
    }
}
