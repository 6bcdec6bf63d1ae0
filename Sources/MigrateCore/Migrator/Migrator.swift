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
    /// Set for `seed`'s steps: every session runs on this connection, so the advisory lock seed holds on it
    /// stays held across them (session locks are re-entrant).
    var sharedConnection: Connection?
    /// A fleet's scan, made once for every target: used instead of scanning the locations again.
    var sharedScan: MigrationScanner.Result?
    /// Which cancellation slot this run's connection is armed in (see `Cancellation.arm`): a fleet's worker's.
    var cancellationSlot = 0

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

    /// The migrations of a scan, once what it found wrong is reported (on the thread that reports events):
    /// missing locations, misnamed files and strays (folders named like migrations, script configurations
    /// without their migration) are warned about, or with failOnMissingLocations / validateMigrationNaming
    /// rejected; link loops and broken links are warned about.
    func resolved(_ result: MigrationScanner.Result) throws -> [MigrationFile] {
        // A fleet's scan was resolved once, for every target: no target's settings change what it finds.
        if sharedScan != nil { return result.migrations }
        try rejectMisnamedCallbacks(result)
        for location in result.missingLocations {
            if configuration.failOnMissingLocations { throw MigrationError.missingLocation(location) }
            warn("LOCATION_MISSING", "location '\(location)' does not exist (resolved against \(configuration.workingDirectory.path))")
        }
        if configuration.validateMigrationNaming, !result.misnamed.isEmpty || !result.strays.isEmpty {
            let files = (result.misnamed + result.strays).sorted { $0.path < $1.path }
            throw MigrationError.misnamedFiles(files.map { MisnamedFile(path: $0.path, reason: $0.reason) })
        }
        for file in result.misnamed {
            warn("MISNAMED_MIGRATION", "\(file.path) is not a valid migration name and was NOT run: \(file.reason)", path: file.path)
        }
        for stray in result.strays {
            warn("STRAY_MIGRATION_FILE", "\(stray.path): \(stray.reason)", path: stray.path)
        }
        for loop in result.linkLoops {
            warn("LINK_LOOP", "\(loop.path) is a symbolic link to '\(loop.target)', a folder that holds it: not followed (its files are read once, from their own folder)",
                 path: loop.path)
        }
        for link in result.brokenLinks {
            warn("BROKEN_LINK", "\(link.path) is a symbolic link to '\(link.target)', which cannot be followed (\(link.reason)): skipped",
                 path: link.path)
        }
        return result.migrations
    }

    /// The codes of the warnings `resolved(_:)` gives: about the files, not about what a command did.
    static let scanWarningCodes: Set<String> = ["LOCATION_MISSING", "MISNAMED_MIGRATION", "STRAY_MIGRATION_FILE", "LINK_LOOP", "BROKEN_LINK"]

    func rejectMisnamedCallbacks(_ result: MigrationScanner.Result) throws {
        if !result.misnamedCallbacks.isEmpty {
            throw MigrationError.misnamedCallbacks(result.misnamedCallbacks.map { MisnamedFile(path: $0.path, reason: $0.reason) })
        }
    }
}
