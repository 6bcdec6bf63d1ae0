import PostgresClient

extension MigrationRun {
    /// `error` from running this file, told with what it left of the migration: a statement's failure gets
    /// the outcome, one of migrate's own statements (the reset, BEGIN, the history row, COMMIT) is named
    /// after this file. `doing`: what a bare server error interrupted.
    func failed(_ error: Error, _ outcome: MigrationOutcome, doing: String? = nil) -> Error {
        switch error {
        case MigrationError.statementFailed(var failure):
            failure.outcome = outcome
            return MigrationError.statementFailed(failure)
        case MigrationError.database(let server, let purpose):
            return MigrationError.migrationStepFailed(MigrationStepFailure(file: displayPath, purpose: purpose, error: server, outcome: outcome))
        case let server as PostgresError:
            return MigrationError.migrationStepFailed(MigrationStepFailure(
                file: displayPath, purpose: doing ?? "running \(displayPath)", error: server, outcome: outcome))
        case let script as SQLScriptError:
            return MigrationError.script(script)
        default:
            return error
        }
    }

    /// Outside a transaction earlier statements stay applied: the failure is recorded, as Flyway does (the
    /// row written before the file started gets its time; otherwise one is written now), and what failed
    /// concurrent index builds left is named. A connection that is gone can record nothing more: the error
    /// says what the history holds.
    func failedOutsideTransaction(_ error: Error, recordedBeforeRunning: Bool) -> Error {
        var recordError: String?
        do {
            try session.write(reset.joined(separator: ";\n"))
            try session.write(recordedBeforeRunning
                ? session.history.completionStatement(success: false, executionTime: elapsed())
                : recordStatement(success: false, executionTime: .milliseconds(elapsed())))
        } catch {
            // The row written before the file ran stays, failed: only its time is missing.
            if !recordedBeforeRunning { recordError = (error as? PostgresError)?.message ?? "\(error)" }
        }
        let invalidIndexes = session.connection.isConnected ? (try? session.invalidIndexes()) ?? [] : []
        return failed(error, .partlyApplied(recordError: recordError, invalidIndexes: invalidIndexes))
    }
}
