import ArgumentParser
import MigrateCore
import PostgresClient

/// A run over many targets (`-targets=FILE` or `-targetsQuery=SQL`): one command, on each target, with a line
/// per target as it finishes and a summary at the end.
extension Invocation {
    /// The commands a fleet runs on each of its targets (`lint` runs once, on the first target).
    static let fleetCommands: [CommandName] = [.migrate, .info, .validate, .undo, .repair, .baseline, .clean, .lint]

    /// Reports whatever happens, and exits 1 when a target failed or the fleet could not start.
    func runFleet(_ fleet: Fleet, _ configuration: Configuration, reporter: Reporter) throws {
        reporter.begin(commands[0])
        defer { reporter.finish() }
        do {
            try runFleetCommand(fleet, configuration, reporter: reporter)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            reporter.failure(error)
            throw ExitCode.failure
        }
    }

    private func runFleetCommand(_ fleet: Fleet, _ configuration: Configuration, reporter: Reporter) throws {
        guard commands.count == 1, let command = commands.first, Self.fleetCommands.contains(command) else {
            let given = commands.map(\.rawValue).joined(separator: " ")
            throw ToolError("targets: a fleet runs one command at a time, one of \(Self.fleetCommands.map(\.rawValue).joined(separator: ", ")) (got \(given))")
        }
        if configuration.dryRunOutput != nil {
            throw ToolError("dryRunOutput: a dry run takes one target; run it without targets/targetsQuery, with -url of one target")
        }
        if command == .clean, !fleet.cleanDisabledTargets.isEmpty {
            throw ToolError("clean is disabled for \(fleet.cleanDisabledTargets.count) of \(fleet.targets.count) targets "
                + "(first: \(fleet.cleanDisabledTargets[0])): set cleanDisabled=false to clean the whole fleet")
        }
        for warning in fleet.warnings { reporter.event(.warning(Diagnostic(code: "FLEET", message: warning))) }
        if command == .lint { return try lintOnce(fleet, configuration, reporter: reporter) }

        let invocation = self
        // The runner calls onEvent on one thread at a time (under its lock), so the reporter needs no lock of its own.
        nonisolated(unsafe) let reporter = reporter
        let runner = FleetRunner(fleet: fleet, configuration: configuration, traceStatements: debug)
        let result = try runner.run(operation: command.rawValue, { migrator in
            let result = try command.run(migrator, invocation)
            if let findings = Self.findings(in: result, configuration) { throw PartialFailure(result: result, error: findings) }
            return result
        }, onEvent: { event in
            switch event {
            case .finished(let target): reporter.targetFinished(target)
            case .target(let name, let event): Self.forward(event, of: name, to: reporter)
            }
        })
        guard result.success else {
            reporter.failure(FleetFailed(result: result), partial: result)
            throw ExitCode.failure
        }
        reporter.result(result)
    }

    /// A target's events that are not progress (a line per target says that): warnings, named by target.
    private static func forward(_ event: MigrationEvent, of target: String?, to reporter: Reporter) {
        switch event {
        case .connected, .createdSchema, .createdHistoryTable, .applying, .applied, .callbackRunning, .callbackExecuted, .undoing, .undone:
            return
        case .warning(var diagnostic):
            if let target { diagnostic.message = "\(target): \(diagnostic.message)" }
            reporter.event(.warning(diagnostic))
        case .serverNotice, .waitingForLock, .lockConflict, .connectionRetry, .statementSent:
            if let target { reporter.event(event, of: target) } else { reporter.event(event) }
        }
    }

    /// `lint` reads files, not targets: once for the fleet, with the first target's pending files (all of them
    /// with lint.all=true).
    private func lintOnce(_ fleet: Fleet, _ configuration: Configuration, reporter: Reporter) throws {
        guard let first = fleet.targets.first else { return }
        let migrator = Migrator(configuration: try first.configuration(over: configuration), traceStatements: debug,
                                onEvent: { [reporter] event in reporter.event(event) })
        guard Self.report(try migrator.lint(), configuration, to: reporter) else { throw ExitCode.failure }
    }
}

/// Some targets failed, or were left untouched: the summary says which.
struct FleetFailed: FindingsFailure {
    var result: FleetResult
    var errorCode: String { "FLEET_FAILED" }
    var description: String {
        let failed = result.targets.filter { $0.status == .failed }.map(\.target)
        var text = "\(result.failed) of \(result.targets.count) target\(result.targets.count == 1 ? "" : "s") failed"
        if !failed.isEmpty { text += ": " + failed.prefix(5).joined(separator: ", ") + (failed.count > 5 ? ", …" : "") }
        switch result.stoppedBy {
        case "canary": text += "; a canary failed, so the other \(result.untouched) were not started"
        case "onError": text += "; \(result.untouched) not started (onError=stop; -onError=continue tries every target)"
        case let signal?: text += "; interrupted by \(signal): \(result.untouched) not started"
        case nil: break
        }
        return text + ". Run again to resume: each target's history table says what is left to do"
    }
}
