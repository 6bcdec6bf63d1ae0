import Foundation
import PostgresClient

/// What `migrate` did.
public struct MigrateResult: Sendable {
    public struct Applied: Sendable {
        public var version: String?
        public var description: String
        public var script: String
        public var milliseconds: Int
    }
    public var applied: [Applied]
    public var schema: String
    /// Highest applied version before and after the run.
    public var initialVersion: String?
    public var finalVersion: String?
    public var baselined: Bool
}

extension Migrator {
    public func migrate() throws -> MigrateResult {
        let target = try target()
        let (session, resolved) = try openSessionWithMigrations()
        return try withLock(session) {
            var baselined = false
            if try !session.history.exists() {
                // (A schema that does not exist yet has no objects either.)
                if try !session.schemaObjects(session.defaultSchema).isEmpty {
                    guard configuration.baselineOnMigrate else {
                        throw MigrationError.nonEmptySchemaWithoutHistory(schema: session.defaultSchema, table: session.history.table,
                                                                          otherHistoryTables: try session.otherHistoryTables())
                    }
                    try inTransaction(session) {
                        try createHistory(session)
                        try insertBaseline(session)
                    }
                    baselined = true
                } else {
                    // An empty target but a history table elsewhere: most likely a wrong schemas/table setting.
                    for other in try session.otherHistoryTables() {
                        onEvent(.warning("creating a new schema history table \(session.history.quotedName), but one already exists as \(other): check the schemas, defaultSchema and table settings"))
                    }
                    try inTransaction(session) { try createHistory(session) }
                }
            }
            let rows = try session.history.allRows()
            let status = MigrationStatus(resolved: resolved, applied: rows, target: target, outOfOrder: configuration.outOfOrder)
            let initialVersion = status.currentVersion?.text

            if let failed = status.entries.first(where: { $0.state.isFailed }) {
                throw MigrationError.failedMigrationInHistory(failed.version.map { "version \($0) (\(failed.description))" } ?? failed.description)
            }
            if case .version(let version) = target, !(configuration.target ?? "").hasSuffix("?"),
               !resolved.contains(where: { $0.version == version }), !rows.contains(where: { $0.version == version }) {
                throw MigrationError.targetNotFound(version.text)
            }
            if configuration.validateOnMigrate {
                let problems = try validationProblems(status, allowPending: true)
                if !problems.isEmpty { throw MigrationError.validationFailed(problems) }
            }

            var applied: [MigrateResult.Applied] = []
            let pending = status.pending
            let placeholderValues = placeholderValues(session)
            let reset = pending.isEmpty ? [] : try sessionReset(session)
            func applyPending(inGroup: Bool) throws {
                for file in pending {
                    let milliseconds = try apply(file, session: session, placeholderValues: placeholderValues, reset: reset, inGroup: inGroup)
                    applied.append(.init(version: file.version?.text, description: file.description, script: file.script, milliseconds: milliseconds))
                }
            }
            if configuration.group && pending.count > 1 {
                // group=true: every pending migration in one transaction; any failure undoes them all.
                do {
                    try inTransaction(session) { try applyPending(inGroup: true) }
                } catch {
                    applied.removeAll()
                    throw error
                }
            } else {
                try applyPending(inGroup: false)
            }
            // Every pending file is now applied: the highest version is known without reading the history again.
            let finalVersion = ([status.currentVersion] + pending.map(\.version)).compactMap { $0 }.max()
            return MigrateResult(applied: applied, schema: session.defaultSchema, initialVersion: initialVersion,
                                 finalVersion: finalVersion?.text, baselined: baselined)
        }
    }

    func inTransaction<T>(_ session: Session, _ body: () throws -> T) throws -> T {
        try session.connection.execute("BEGIN")
        do {
            let result = try body()
            try session.connection.execute("COMMIT")
            return result
        } catch {
            _ = try? session.connection.execute("ROLLBACK")
            throw error
        }
    }

    func insertBaseline(_ session: Session) throws {
        let version = try version(setting: "baselineVersion", configuration.baselineVersion)
        try session.history.insert(version: version.text, description: configuration.baselineDescription, type: .baseline,
                                   script: configuration.baselineDescription, checksum: nil, installedBy: session.installedBy,
                                   executionTime: 0, success: true)
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
                      FROM pg_catalog.pg_settings WHERE source = 'session' AND name <> 'search_path')
            """).rows.first ?? []
        var statements = ["RESET ALL"]
        if let user = row.first ?? nil { statements.append("SET SESSION AUTHORIZATION \(connection.escapeIdentifier(user))") }
        if row.count > 2, let settings = row[2] { statements.append("SELECT \(settings)") }
        if row.count > 1, let role = row[1], role != row[0] { statements.append("SET ROLE \(connection.escapeIdentifier(role))") }
        statements.append("SET search_path TO \(session.searchPath)")
        return statements
    }

    /// Applies one file and records it. Returns its execution time in milliseconds.
    /// With `inGroup`, the caller holds one transaction around all files (group=true): no BEGIN/COMMIT here,
    /// and a file that cannot run in a transaction is refused.
    /// With skipExecutingMigrations, the file is only recorded as applied (Flyway's option for databases
    /// changed by other means).
    func apply(_ file: MigrationFile, session: Session, placeholderValues: [String: String], reset: [String], inGroup: Bool = false) throws -> Int {
        let settings = try scriptSettings(for: file, scanner: try scanner, placeholderValues: placeholderValues)
        let displayPath = settings.displayPath
        let runner = ScriptRunner(connection: session.connection, file: file, settings: settings)
        let plan: ScriptRunner.Plan
        do {
            plan = try runner.plan(serverVersion: session.connection.serverVersion, mixed: configuration.mixed,
                                   executeInTransaction: settings.config?.executeInTransaction ?? (configuration.executeInTransaction ? nil : false))
        } catch let error as SQLScriptError {
            throw MigrationError.script(error)
        }

        if inGroup && !plan.transactional {
            throw MigrationError.notTransactionalInGroup(file: displayPath, reason: "it must run outside a transaction")
        }

        onEvent(.applying(script: file.script, version: file.version?.text, description: file.description))
        session.currentScript = file.script
        defer { session.currentScript = nil }
        let start = DispatchTime.now()
        func elapsed() -> Int { Int((DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000) }
        func record(success: Bool) throws {
            try session.history.insert(version: file.version?.text, description: file.description, type: .sql, script: file.script,
                                       checksum: file.checksum, installedBy: session.installedBy, executionTime: elapsed(), success: success)
        }

        /// Outside a transaction earlier statements stay applied: record the failure, as Flyway does.
        func failedOutsideTransaction(_ error: Error) -> Error {
            if (try? session.connection.execute(reset.joined(separator: ";\n"))) != nil { try? record(success: false) }
            if let scriptError = error as? SQLScriptError { return MigrationError.script(scriptError) }
            if case MigrationError.statementFailed(var failure) = error {
                failure.rolledBack = false
                return MigrationError.statementFailed(failure)
            }
            return error
        }

        if configuration.skipExecutingMigrations {
            try record(success: true)
        } else if inGroup {
            try runner.run(plan: plan, prelude: reset, postlude: reset, batching: true)
            if runner.progress.transactionEndedByScript {
                throw MigrationError.notTransactionalInGroup(file: displayPath, reason: "it ends the transaction itself (COMMIT/ROLLBACK)")
            }
            try record(success: true)
        } else if plan.transactional {
            do {
                try runner.run(plan: plan, prelude: reset + ["BEGIN"], postlude: reset, batching: true)
                try record(success: true)
                // Unless the script already committed it (its own COMMIT), commit migrate's transaction.
                if session.connection.transactionStatus != .idle { try session.connection.execute("COMMIT") }
            } catch {
                if session.connection.transactionStatus != .idle { _ = try? session.connection.execute("ROLLBACK") }
                if runner.progress.transactionEndedByScript { throw failedOutsideTransaction(error) }
                if let scriptError = error as? SQLScriptError { throw MigrationError.script(scriptError) }
                throw error
            }
        } else {
            do {
                try runner.run(plan: plan, prelude: reset, postlude: reset, batching: false)
            } catch {
                if session.connection.transactionStatus != .idle { _ = try? session.connection.execute("ROLLBACK") }
                throw failedOutsideTransaction(error)
            }
            try record(success: true)
        }
        let milliseconds = elapsed()
        onEvent(.applied(script: file.script, version: file.version?.text, description: file.description, milliseconds: milliseconds))
        return milliseconds
    }
}
