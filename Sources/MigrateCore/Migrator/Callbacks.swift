import FoundationEssentials
import Glibc
import PostgresClient

/// A SQL callback read and checked once, before the command's first write, like a pending migration.
struct PlannedCallback {
    let file: MigrationFile
    let event: CallbackEvent
    let settings: ScriptSettings
    let script: ScriptRunner.Plan

    /// `afterMigrate - grants`, as Flyway logs it.
    var name: String { file.description.isEmpty ? event.rawValue : "\(event.rawValue) - \(file.description)" }
}

/// The callbacks of a session, by event, in the order they run.
struct PlannedCallbacks {
    var byEvent: [CallbackEvent: [PlannedCallback]] = [:]

    func callbacks(_ event: CallbackEvent) -> [PlannedCallback] { byEvent[event] ?? [] }

    var isEmpty: Bool { byEvent.isEmpty }

    /// Whether anything runs for each migration (inside its transaction, or after it failed): such files
    /// are sent on their own, not several to a message.
    var hookIntoMigrations: Bool { byEvent.keys.contains { $0.runsForEachMigration } }
}

extension Migrator {
    /// Reads and checks every callback file in full (lexing, placeholders, `.sql.conf`) before anything runs.
    func planCallbacks(_ files: [MigrationFile], session: Session) throws -> PlannedCallbacks {
        var planned = PlannedCallbacks()
        var budget = ScriptRunner.planCacheBytes
        for file in files {
            guard let event = file.callbackEvent else { continue }
            do {
                let settings = try scriptSettings(for: file, session: session)
                let executeInTransaction = settings.config?.executeInTransaction ?? (configuration.executeInTransaction ? nil : false)
                let script = try ScriptRunner.plan(file, settings: settings, serverVersion: session.connection.serverVersion,
                                                   mixed: configuration.mixed, executeInTransaction: executeInTransaction,
                                                   cacheBudget: &budget)
                planned.byEvent[event, default: []].append(PlannedCallback(file: file, event: event, settings: settings, script: script))
            } catch let error as SQLScriptError {
                throw MigrationError.script(error)
            }
        }
        return planned
    }

    /// Runs the callbacks of a command-level event (beforeMigrate, afterClean, …), each in a transaction of
    /// its own unless its statements forbid one, from the session as it was after connecting (a callback's
    /// SET or SET ROLE is undone after it).
    func runCallbacks(_ event: CallbackEvent, _ session: Session) throws {
        let callbacks = session.callbacks.callbacks(event)
        guard !callbacks.isEmpty else { return }
        // afterConnect sets the session up, like initSql: what it sets stays, and the reset is read after it.
        let reset = event == .afterConnect ? [] : try session.resetStatements(self)
        for callback in callbacks {
            try run(callback, session: session) { runner in
                let resets = reset.map { ScriptRunner.OwnStatement(text: $0, purpose: "resetting the session for \(callback.settings.displayPath)") }
                guard callback.script.transactional else {
                    do {
                        try runner.run(plan: callback.script, prelude: resets, postlude: { resets }, batching: false)
                    } catch MigrationError.statementFailed(var failure) {
                        failure.outcome = .partlyApplied(recordError: nil, invalidIndexes: [])
                        throw MigrationError.statementFailed(failure)
                    }
                    return
                }
                do {
                    try runner.run(plan: callback.script, prelude: resets + [.init(text: "BEGIN", purpose: "starting the transaction for \(callback.settings.displayPath)")],
                                   postlude: {
                                       runner.progress.transactionEndedByScript ? resets
                                           : resets + [.init(text: "COMMIT", purpose: "committing \(callback.settings.displayPath)")]
                                   }, batching: true)
                    if session.executor.transactionStatus != .idle { try session.executor.commit() }
                } catch {
                    session.executor.rollback()
                    throw error
                }
            }
        }
    }

    /// Runs the callbacks of an event inside the work in progress (beforeEachMigrate inside the
    /// migration's transaction, before its statements), on the session as the migration has it.
    func runCallbacksInline(_ event: CallbackEvent, _ session: Session) throws {
        for callback in session.callbacks.callbacks(event) {
            try run(callback, session: session) { runner in
                try runner.run(plan: callback.script, prelude: [], postlude: { [] }, batching: callback.script.transactional)
            }
        }
    }

    /// Runs the callbacks of an error event (afterMigrateError, afterEachMigrateError…) once the failed work
    /// is rolled back, so what they write stays. A failing error callback does not hide the first error:
    /// it becomes a warning.
    func runErrorCallbacks(_ event: CallbackEvent, _ session: Session) {
        guard !session.callbacks.callbacks(event).isEmpty else { return }
        session.executor.rollback()
        do {
            try runCallbacks(event, session)
        } catch {
            warn("CALLBACK_FAILED", "\(error)")
        }
    }

    /// `body` around one callback: its event, its dry-run comment, its failure named after the event.
    private func run(_ callback: PlannedCallback, session: Session, _ body: (ScriptRunner) throws -> Void) throws {
        let runner = ScriptRunner(executor: session.executor, file: callback.file, settings: callback.settings)
        let stopwatch = Stopwatch()
        session.executor.comment("\nSQL callback: \(callback.name)\nSource: \(callback.settings.displayPath)"
                                 + (callback.script.transactional ? "" : " [non-transactional]"))
        onEvent(.callbackRunning(event: callback.event, description: callback.file.description, script: callback.file.script))
        let previousScript = session.currentScript
        session.currentScript = callback.file.script
        defer { session.currentScript = previousScript }
        do {
            try body(runner)
        } catch let error as MigrationError {
            throw MigrationError.callbackFailed(callback.event, Self.inCallback(error))
        } catch let error as SQLScriptError {
            throw MigrationError.callbackFailed(callback.event, .script(error))
        } catch let error as PostgresError {
            throw MigrationError.callbackFailed(callback.event, .database(error, while: "running \(callback.settings.displayPath)"))
        }
        onEvent(.callbackExecuted(event: callback.event, description: callback.file.description, script: callback.file.script,
                                  milliseconds: session.isDryRun ? 0 : Int(stopwatch.milliseconds)))
    }

    private static func inCallback(_ error: MigrationError) -> MigrationError {
        guard case .statementFailed(var failure) = error else { return error }
        failure.inCallback = true
        return .statementFailed(failure)
    }

    /// The hooks a migration's (or undo's) script runner calls around the file and around each statement,
    /// when the session has callbacks for them; nil when it has none (the common case costs nothing).
    func scriptHooks(_ session: Session, undo: Bool = false) -> ScriptRunner.Hooks? {
        guard session.callbacks.hookIntoMigrations else { return nil }
        let (beforeEach, beforeStatement, afterStatement, afterEach): (CallbackEvent, CallbackEvent, CallbackEvent, CallbackEvent) = undo
            ? (.beforeEachUndo, .beforeEachUndoStatement, .afterEachUndoStatement, .afterEachUndo)
            : (.beforeEachMigrate, .beforeEachMigrateStatement, .afterEachMigrateStatement, .afterEachMigrate)
        let callbacks = session.callbacks
        return ScriptRunner.Hooks(
            beforeFile: { try self.runCallbacksInline(beforeEach, session) },
            afterFile: { try self.runCallbacksInline(afterEach, session) },
            beforeStatement: callbacks.callbacks(beforeStatement).isEmpty ? nil : { try self.runCallbacksInline(beforeStatement, session) },
            afterStatement: callbacks.callbacks(afterStatement).isEmpty ? nil : { try self.runCallbacksInline(afterStatement, session) })
    }

    /// `body` between a command's before and after callbacks, with its error callback when it fails.
    func withCallbacks<T>(_ command: CallbackCommand, _ session: Session, _ body: () throws -> T) throws -> T {
        guard !session.callbacks.isEmpty else { return try body() }
        do {
            try runCallbacks(command.before, session)
            let result = try body()
            try runCallbacks(command.after, session)
            return result
        } catch {
            runErrorCallbacks(command.afterError, session)
            throw error
        }
    }
}

extension Session {
    /// The statements that put the session back as it was after connecting (see `Migrator.sessionReset`),
    /// read once, before any callback or migration could change it.
    func resetStatements(_ migrator: Migrator) throws -> [String] {
        if let known = reset { return known }
        let statements = try migrator.sessionReset(self)
        reset = statements
        return statements
    }
}
