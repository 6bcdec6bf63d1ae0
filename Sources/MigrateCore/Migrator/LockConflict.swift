import Glibc
import PostgresClient

/// One lock timeout (55P03) or deadlock (40P01) a transactional migration file ran into: reported as it
/// happens, and again in the error when the last attempt fails too.
public struct LockConflict: Sendable, Encodable {
    public var script: String
    /// Which attempt failed (1 for the first run) and how many there may be (`lockRetries` + 1).
    public var attempt: Int
    public var attempts: Int
    public var sqlState: String
    public var message: String
    /// Who held the lock, as seen during the wait (see `BlockerWatch`); for a deadlock, also named in `detail`.
    public var blockers: [LockBlocker]
    public var detail: String?
    /// When the file is tried again (it was rolled back in full); nil when this was the last attempt.
    public var retryInMilliseconds: Int?

    /// "canceling statement due to lock timeout (attempt 1 of 3); blocked by pid 42 (…): SELECT …"
    public var summary: String {
        var text = "\(script): \(message) (SQLSTATE \(sqlState), attempt \(attempt) of \(attempts))"
        if let detail { text += "\n  DETAIL: \(detail)" }
        if blockers.isEmpty {
            text += "\n  no blocking session was seen (the wait was shorter than the watch's poll)"
        }
        for blocker in blockers {
            let age = blocker.transactionSeconds.map { ", transaction open \($0) s" } ?? ""
            let application = blocker.application.isEmpty ? "" : ", application \(blocker.application)"
            let query = blocker.query.replacing("\n", with: " ")
            text += "\n  blocked by pid \(blocker.pid) (user \(blocker.user)\(application), \(blocker.state)\(age)): \(query)"
        }
        return text
    }
}

/// A transactional file that kept failing on locks until its last attempt. Nothing of it was applied.
public struct LockConflictFailure: Error, CustomStringConvertible, Sendable {
    public var conflict: LockConflict
    /// The last attempt's error, with its location and outcome.
    public var cause: MigrationError

    public var description: String {
        "\(cause)\n  Gave up after \(conflict.attempts) attempt\(conflict.attempts == 1 ? "" : "s") "
            + "(lockRetries=\(conflict.attempts - 1)); the last one:\n  " + conflict.summary.replacing("\n", with: "\n  ")
            + "\n  Let the blocking sessions finish (or end them), then run migrate again; raise lockTimeout or lockRetries to wait longer."
    }
}

/// SIGINT or SIGTERM stopped the run: the running statement was cancelled on the server.
public struct Interrupted: Error, CustomStringConvertible, Sendable {
    /// "SIGTERM"
    public var signal: String
    /// The file that was running, or (with `cause` nil) the one that was about to start.
    public var file: String
    /// The cancelled statement's error, which says what the file left.
    public var cause: (any Error)?

    public var description: String {
        guard let cause else {
            return "Interrupted by \(signal) before \(file) started: nothing of it ran; the files before it stay applied. "
                + "The migration lock was released."
        }
        return "Interrupted by \(signal) while running \(file): its statement was cancelled on the server and the "
            + "migration lock was released.\n\(cause)"
    }
}

extension Migrator {
    /// The server error of a failed attempt that may pass when the file runs again: a lock timeout or a
    /// deadlock in a file whose transaction was rolled back in full. Never one that ran outside a transaction.
    static func retryableLockError(_ error: Error, mode: PlannedMigration.Mode) -> PostgresError? {
        guard mode == .inTransaction else { return nil }
        let server: PostgresError
        switch error {
        case MigrationError.statementFailed(let failure) where failure.outcome == .rolledBack: server = failure.error
        case MigrationError.migrationStepFailed(let failure) where failure.outcome == .rolledBack: server = failure.error
        default: return nil
        }
        return server.sqlState == .lockNotAvailable || server.sqlState == .deadlockDetected ? server : nil
    }

    /// After attempt `attempt` of `file` failed with `error`: returns when the file is to run again (once the
    /// conflict is reported and the back-off has passed); otherwise throws what the run ends with.
    func retryOrThrow(_ error: Error, file: String, mode: PlannedMigration.Mode, attempt: Int, session: Session) throws {
        if let signal = Cancellation.receivedSignal {
            throw Interrupted(signal: Cancellation.name(of: signal), file: file, cause: error)
        }
        guard let server = Self.retryableLockError(error, mode: mode), let cause = error as? MigrationError else { throw error }
        let attempts = configuration.lockRetries + 1
        var conflict = LockConflict(script: file, attempt: attempt, attempts: attempts, sqlState: server.sqlState?.rawValue ?? "",
                                    message: server.message, blockers: session.blockerWatch?.takeBlockers() ?? [],
                                    detail: server.detail, retryInMilliseconds: nil)
        guard attempt < attempts else { throw LockConflictFailure(conflict: conflict, cause: cause) }
        let wait = Self.backOff(afterAttempt: attempt)
        conflict.retryInMilliseconds = wait
        onEvent(.lockConflict(conflict))
        try pauseUnlessInterrupted(milliseconds: wait, before: file)
    }

    /// 0.5 s after the first failure, doubling up to 10 s, each ±25 % so that runs that collided once do
    /// not collide again in step.
    static func backOff(afterAttempt attempt: Int) -> Int {
        let base = min(500 << min(attempt - 1, 10), 10_000)
        return base * Int.random(in: 75...125) / 100
    }

    /// Sleeps in short steps; a signal meanwhile stops the run before `file` runs again.
    private func pauseUnlessInterrupted(milliseconds: Int, before file: String) throws {
        var left = milliseconds
        while left > 0 {
            try stopIfInterrupted(before: file)
            let step = min(left, 50)
            usleep(UInt32(step * 1_000))
            left -= step
        }
        try stopIfInterrupted(before: file)
    }

    /// Throws when a signal came while no statement was running: the next file does not start.
    func stopIfInterrupted(before file: String) throws {
        if let signal = Cancellation.receivedSignal { throw Interrupted(signal: Cancellation.name(of: signal), file: file, cause: nil) }
    }

    /// Starts watching for sessions that block this one (see `BlockerWatch`); nil in a dry run or when the
    /// watcher cannot connect (the conflicts are then reported without their blockers).
    func startBlockerWatch(_ session: Session) -> BlockerWatch? {
        guard !session.isDryRun, let connection = try? Connection(parameters: configuration.connectionParameters()) else { return nil }
        return BlockerWatch(connection: connection, pid: session.connection.backendPID, lockTimeoutMilliseconds: configuration.lockTimeout)
    }
}
