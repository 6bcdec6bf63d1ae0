import Glibc
import PostgresClient

/// What a fleet run reports as it goes: a target's own events (warnings, notices, lock waits, `-X`), tagged
/// with its name (nil: the fleet's, such as the scan's warnings), and each target's result as it finishes.
public enum FleetEvent: Sendable {
    case target(String?, MigrationEvent)
    case finished(FleetTargetResult)
}

/// Runs one command on every target of a fleet: the canaries first, then the rest, up to `parallel` at once,
/// each target on its own connection (and so its own migration lock) on a worker thread. The files are
/// scanned and checksummed once for all; each target resumes from its own history table.
public struct FleetRunner: Sendable {
    public let fleet: Fleet
    public let configuration: Configuration
    public let traceStatements: Bool

    public init(fleet: Fleet, configuration: Configuration, traceStatements: Bool = false) {
        self.fleet = fleet
        self.configuration = configuration
        self.traceStatements = traceStatements
    }

    /// Runs `command` on each target. `onEvent` is called on one thread at a time, in the order things happen.
    /// Throws only for what stops the run before any target starts (the files cannot be read).
    public func run(operation: String, _ command: @escaping @Sendable (Migrator) throws -> any CommandResult,
                    onEvent: @escaping @Sendable (FleetEvent) -> Void) throws -> FleetResult {
        let progress = Progress(count: fleet.targets.count, onEvent: onEvent)
        let scan = try sharedScan(progress)
        let settings = configuration.fleet
        let canaries = min(settings.canary, fleet.targets.count)
        var stoppedBy: String?
        if canaries > 0 {
            run(0..<canaries, parallel: settings.parallel, stopOnError: true, scan: scan, progress: progress, command)
            if progress.anyFailed { stoppedBy = "canary" }
        }
        if stoppedBy == nil {
            run(canaries..<fleet.targets.count, parallel: settings.parallel, stopOnError: settings.onError == "stop",
                scan: scan, progress: progress, command)
            if progress.anyFailed && settings.onError == "stop" { stoppedBy = "onError" }
        }
        let results = fleet.targets.indices.map { progress.results[$0] ?? .untouched(fleet.targets[$0]) }
        if !results.contains(where: { $0.status == .untouched }) { stoppedBy = nil }
        if let signal = Cancellation.receivedSignal { stoppedBy = Cancellation.name(of: signal) }
        return FleetResult(operation: operation, targets: results, canary: canaries, stoppedBy: stoppedBy)
    }

    /// The locations scanned once, every checksum computed, with what is wrong in them reported once.
    private func sharedScan(_ progress: Progress) throws -> MigrationScanner.Result {
        try Migrator(configuration: configuration, onEvent: { event in progress.report(.target(nil, event)) }).resolvedScan()
    }

    /// Runs the targets in `range` on up to `parallel` worker threads; with `stopOnError`, a failure starts no more.
    private func run(_ range: Range<Int>, parallel: Int, stopOnError: Bool, scan: MigrationScanner.Result, progress: Progress,
                     _ command: @escaping @Sendable (Migrator) throws -> any CommandResult) {
        guard !range.isEmpty else { return }
        progress.start(range, stopOnError: stopOnError)
        let workers = (0..<min(parallel, range.count)).map { worker in
            BackgroundWork { [self] in
                while let index = progress.next() {
                    progress.finish(index, runTarget(fleet.targets[index], slot: worker + 1, scan: scan, progress: progress, command))
                }
            }
        }
        for worker in workers { try? worker.value() }
    }

    /// One target, start to end: its configuration, its own connection, the command; nothing of it is kept but the result.
    private func runTarget(_ target: FleetTarget, slot: Int, scan: MigrationScanner.Result, progress: Progress,
                           _ command: (Migrator) throws -> any CommandResult) -> FleetTargetResult {
        let stopwatch = Stopwatch()
        func elapsed() -> Int { Int(stopwatch.milliseconds) }
        do {
            let migrator = Migrator(configuration: try target.configuration(over: configuration), traceStatements: traceStatements,
                                    onEvent: { event in progress.report(.target(target.name, event)) })
            migrator.sharedScan = scan
            migrator.cancellationSlot = slot
            return FleetTargetResult(target: target.name, result: try command(migrator), milliseconds: elapsed())
        } catch {
            return FleetTargetResult(target: target.name, error: error, milliseconds: elapsed())
        }
    }
}

/// The run's shared state, behind one mutex: which target is next, the results so far, whether to stop.
/// Events go out under the same mutex, so the reporter sees one at a time.
private final class Progress: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private let onEvent: @Sendable (FleetEvent) -> Void
    private(set) var results: [FleetTargetResult?]
    private var pending: Range<Int> = 0..<0
    private var stopOnError = false
    private var stopped = false
    private(set) var anyFailed = false

    init(count: Int, onEvent: @escaping @Sendable (FleetEvent) -> Void) {
        results = Array(repeating: nil, count: count)
        self.onEvent = onEvent
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    func start(_ range: Range<Int>, stopOnError: Bool) {
        locked { pending = range; self.stopOnError = stopOnError }
    }

    /// The next target to start; nil once all have started, a failure stopped the run or a signal came.
    func next() -> Int? {
        locked {
            guard !stopped, Cancellation.receivedSignal == nil, let index = pending.first else { return nil }
            pending = pending.dropFirst()
            return index
        }
    }

    func finish(_ index: Int, _ result: FleetTargetResult) {
        locked {
            results[index] = result
            if result.status == .failed {
                anyFailed = true
                if stopOnError { stopped = true }
            }
            onEvent(.finished(result))
        }
    }

    /// The lint's warnings about the files are the same on every target: said once, as the fleet's. (The
    /// scan's are said once anyway: only the fleet's scan reports them.)
    func report(_ event: FleetEvent) {
        locked {
            guard case .target(_, .warning(let diagnostic)) = event, Self.fleetWarningCodes.contains(diagnostic.code) else {
                return onEvent(event)
            }
            if saidOnce.insert(diagnostic.message).inserted { onEvent(.target(nil, .warning(diagnostic))) }
        }
    }

    private var saidOnce: Set<String> = []
    private static let fleetWarningCodes: Set<String> = ["LINT", "LINT_NOTE"]
}
