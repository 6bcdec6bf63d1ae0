/// How one target of a fleet came out: a few values, kept until the summary (its plan and connection are gone).
public struct FleetTargetResult: Sendable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// The command changed the target (migrations applied or undone, a baseline, a repair…) or read it.
        case succeeded
        /// Nothing was pending: the target was left as it was.
        case upToDate
        case failed
        /// Never started: an earlier failure stopped the run (onError=stop, a canary), or it was interrupted.
        case untouched
    }

    public var target: String
    public var status: Status
    /// Highest applied version before and after.
    public var initialSchemaVersion: String?
    public var targetSchemaVersion: String?
    /// Migrations applied (undo: reverted) on this target in this run.
    public var migrationsExecuted: Int = 0
    /// `info`: migrations waiting to run (pending, and outdated repeatables).
    public var pendingCount: Int?
    public var success: Bool
    public var error: ErrorReport?
    /// Milliseconds the target took, connecting included.
    public var executionTime: Int = 0

    static func untouched(_ target: FleetTarget) -> Self {
        Self(target: target.name, status: .untouched, success: false)
    }

    init(target: String, status: Status, success: Bool) {
        self.target = target
        self.status = status
        self.success = success
    }

    /// What the command returned, summed up.
    init(target: String, result: any CommandResult, milliseconds: Int) {
        self.init(target: target, status: .succeeded, success: true)
        executionTime = milliseconds
        summarize(result)
    }

    /// The command failed; what it did before (migrations applied before the failing one) is kept.
    init(target: String, error: any Error, milliseconds: Int) {
        self.init(target: target, status: .failed, success: false)
        executionTime = milliseconds
        if let partial = error as? PartialFailure { summarize(partial.result) }
        self.error = ErrorReport(error)
    }

    /// Counts and versions from `result`; a succeeded target that changed nothing is up to date.
    private mutating func summarize(_ result: any CommandResult) {
        var changedNothing = false
        defer { if changedNothing, status == .succeeded { status = .upToDate } }
        switch result {
        case let migrate as MigrateResult:
            // A failed run's result lists what it applied, but still holds the version it started from.
            let reached = ([migrate.targetSchemaVersion] + migrate.migrations.map(\.version)).compactMap { $0.flatMap(MigrationVersion.init) }.max()
            (initialSchemaVersion, targetSchemaVersion) = (migrate.initialSchemaVersion, reached?.text ?? migrate.targetSchemaVersion)
            migrationsExecuted = migrate.migrations.count
            changedNothing = migrationsExecuted == 0 && !migrate.baselined
        case let undo as UndoResult:
            (initialSchemaVersion, targetSchemaVersion) = (undo.initialSchemaVersion, undo.targetSchemaVersion)
            migrationsExecuted = undo.migrationsUndone
            changedNothing = undo.migrationsUndone == 0
        case let info as InfoResult:
            (initialSchemaVersion, targetSchemaVersion) = (info.schemaVersion, info.schemaVersion)
            let pending = info.migrations.filter { $0.state == .pending || $0.state == .outdated }.count
            pendingCount = pending
            changedNothing = pending == 0
        default:
            break
        }
    }
}

/// What a command did across a fleet: one result per target, in the order they were listed, and the counts.
public struct FleetResult: CommandResult {
    public var operation: String
    public var targets: [FleetTargetResult]
    public var succeeded = 0
    public var upToDate = 0
    public var failed = 0
    public var untouched = 0
    /// How many targets ran first as canaries (0: none).
    public var canary: Int
    /// Why targets were left untouched: `canary` (a canary failed), `onError` (a failure with onError=stop),
    /// or the signal that interrupted the run (`SIGINT`).
    public var stoppedBy: String?
    public var success: Bool
    public var warnings: [String] = []

    init(operation: String, targets: [FleetTargetResult], canary: Int, stoppedBy: String?) {
        self.operation = operation
        self.targets = targets
        self.canary = canary
        self.stoppedBy = stoppedBy
        for target in targets {
            switch target.status {
            case .succeeded: succeeded += 1
            case .upToDate: upToDate += 1
            case .failed: failed += 1
            case .untouched: untouched += 1
            }
        }
        success = failed == 0 && untouched == 0
    }
}
