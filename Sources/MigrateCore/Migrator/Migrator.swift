import FoundationEssentials
import Glibc
import PostgresClient

/// The façade the CLI calls: one method per command, each returning a report.
public final class Migrator {
    public let configuration: Configuration
    let onEvent: (MigrationEvent) -> Void
    /// Set for a dry run: every write goes to this script instead of the database.
    let dryRun: DryRunExecutor?
    /// Report every statement sent, with its time (`-X`).
    let traceStatements: Bool
    /// Set for `check -drift`'s build database: only these migrations run (those its target has applied).
    var onlyApplying: AppliedMigrations?

    /// `dryRun`: where a dry run writes its script; nil runs for real.
    public init(configuration: Configuration, dryRun: DryRunSink? = nil, traceStatements: Bool = false,
                onEvent: @escaping (MigrationEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.dryRun = dryRun.map(DryRunExecutor.init(sink:))
        self.traceStatements = traceStatements
        self.onEvent = onEvent
    }

    /// Writes out what a dry run still holds; call once the command is done (or failed).
    public func finishDryRun() throws {
        try dryRun?.finish()
    }

    func warn(_ code: String, _ message: String, path: String? = nil) {
        onEvent(.warning(Diagnostic(code: code, message: message, path: path)))
    }

    var naming: MigrationNaming {
        MigrationNaming(versionedPrefix: configuration.sqlMigrationPrefix,
                        repeatablePrefix: configuration.repeatableSqlMigrationPrefix,
                        baselinePrefix: configuration.baselineMigrationPrefix,
                        undoPrefix: configuration.undoSqlMigrationPrefix,
                        separator: configuration.sqlMigrationSeparator,
                        suffixes: configuration.sqlMigrationSuffixes)
    }

    var scanner: MigrationScanner {
        get throws {
            var scanner = MigrationScanner(locations: configuration.locations, naming: naming, encoding: try configuration.fileEncoding,
                                           workingDirectory: configuration.workingDirectory)
            scanner.callbackLocations = configuration.callbackLocations
            scanner.skipsCallbacksInLocations = configuration.skipDefaultCallbacks
            return scanner
        }
    }

    /// The migrations of a scan, once its missing locations and misnamed files are reported (on the thread
    /// that reports events): warned about, or with validateMigrationNaming / failOnMissingLocations, rejected.
    func resolved(_ result: MigrationScanner.Result) throws -> [MigrationFile] {
        try rejectMisnamedCallbacks(result)
        for location in result.missingLocations {
            if configuration.failOnMissingLocations { throw MigrationError.missingLocation(location) }
            warn("LOCATION_MISSING", "location '\(location)' does not exist (resolved against \(configuration.workingDirectory.path))")
        }
        if !result.misnamed.isEmpty {
            if configuration.validateMigrationNaming {
                throw MigrationError.misnamedFiles(result.misnamed.map { MisnamedFile(path: $0.path, reason: $0.reason) })
            }
            for file in result.misnamed {
                warn("MISNAMED_MIGRATION", "\(file.path) is not a valid migration name and was NOT run: \(file.reason)", path: file.path)
            }
        }
        return result.migrations
    }

    func rejectMisnamedCallbacks(_ result: MigrationScanner.Result) throws {
        if !result.misnamedCallbacks.isEmpty {
            throw MigrationError.misnamedCallbacks(result.misnamedCallbacks.map { MisnamedFile(path: $0.path, reason: $0.reason) })
        }
    }
}
