import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// The commands, written once: their names on the command line and what each one calls.
enum CommandName: String, CaseIterable, ExpressibleByArgument {
    case migrate, info, validate, clean, baseline, repair, check

    var abstract: String {
        switch self {
        case .migrate: return "apply pending migrations, each file with its history row"
        case .info: return "list every migration with its state"
        case .validate: return "check applied migrations against the files (exit 1 on drift)"
        case .clean: return "drop every object in the schemas (needs cleanDisabled=false)"
        case .baseline: return "mark an existing database as being at baselineVersion"
        case .repair: return "remove failed rows and realign the history with the files"
        case .check: return "-drift: compare the database with a build of its applied migrations"
        }
    }

    /// Whether the command changes the database (and so has a dry run).
    var writes: Bool { self != .info && self != .validate && self != .check }

    /// Runs the command. `validate` finding problems, or `check` finding drift, is a failure too (after its result
    /// is reported; see `Invocation.findings`).
    func run(_ migrator: Migrator) throws -> any CommandResult {
        switch self {
        case .migrate: return try migrator.migrate()
        case .info: return try migrator.info()
        case .validate: return try migrator.validate()
        case .clean: return try migrator.clean()
        case .baseline: return try migrator.baseline()
        case .repair: return try migrator.repair()
        case .check: return try migrator.checkDrift()  // -drift, the only mode (see Invocation.usageProblem)
        }
    }
}

struct MigrateTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Versioned SQL migrations for PostgreSQL, compatible with Flyway's files, configuration and history table.",
        discussion: """
            Commands: \(CommandName.allCases.map { "\n  \($0.rawValue.padded(to: 9)) \($0.abstract)" }.joined())
            Several commands run in order and stop at the first failure: migrate -cleanDisabled=false clean migrate validate

            check -drift builds the schema the database should have in a scratch database (a temporary one on the same \
            server, created and dropped, or -check.buildUrl=… with check.buildUser and check.buildPassword) by applying the \
            migrations its history lists, compares the two catalogs and lists what is only in the migrations, only in the \
            database, or different. It exits 1 on drift (check.failOnDrift=false: 0).

            Settings use Flyway's names and come from, highest first: the command line (-key=value or --key value, \
            before or after the commands), FLYWAY_* environment variables, then .conf files (-configFiles=a.conf,b.conf; \
            by default conf/flyway.conf and ./flyway.conf). Common keys: url, user, password, schemas, defaultSchema, \
            table, locations, target, cherryPick, baselineVersion, baselineOnMigrate, outOfOrder, validateOnMigrate, \
            validateMigrationNaming, cleanDisabled, placeholders.<name>, connectRetries, outputType=json, \
            dryRunOutput=FILE (or - for standard output).
            """,
        version: version
    )

    @Argument(help: ArgumentHelp("The commands to run, in order.", valueName: "command"))
    var commands: [CommandName] = []

    /// Settings arrive as `--setting key=value` (see FlywayArguments).
    @Option(name: .customLong("setting"), help: ArgumentHelp("A configuration setting, key=value (same as -key=value).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(name: [.customShort("q"), .long], help: "Print only warnings and errors.")
    var quiet = false

    @Flag(name: [.customShort("X"), .long], help: "Debug: show every statement migrate sends, with its time.")
    var debug = false

    /// Flyway's `check -drift` (also written --drift).
    @Flag var checkModes: [CheckMode] = []

    mutating func validate() throws {
        if commands.isEmpty {
            throw ValidationError("no command given; expected one or more of: \(CommandName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let problem = invocation.usageProblem { throw ValidationError(problem) }
    }

    /// What to do, as parsed.
    var invocation: Invocation {
        Invocation(commands: commands, settings: settings, quiet: quiet, debug: debug, checkModes: checkModes)
    }

    func loadConfiguration() throws -> Configuration { try invocation.loadConfiguration() }

    func run() throws { try invocation.run() }
}

/// A problem found by the tool itself (not the core): one sentence.
struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What `check` does: Flyway's modes, of which migrate has `-drift`.
enum CheckMode: String, EnumerableFlag {
    case drift, changes, dryrun, code

    var isSupported: Bool { self == .drift }

    static func help(for value: CheckMode) -> ArgumentHelp? {
        value.isSupported ? "With check: compare the database with a scratch database built from the migrations it has applied." : .hidden
    }
}

/// A command ran but found problems (validate's invalid migrations, check's drift): reported with its result,
/// and the run exits 1.
protocol FindingsFailure: Error, CustomStringConvertible {
    /// Flyway's error code for the document's `error`.
    var errorCode: String { get }
}

/// `validate` found problems.
struct ValidationFailed: FindingsFailure {
    var details: ErrorDetails?
    var description: String { details?.errorMessage ?? "Validate failed" }
    var errorCode: String { details?.errorCode ?? "VALIDATE_ERROR" }
}

/// `check -drift` found drift, and check.failOnDrift is true.
struct DriftDetected: FindingsFailure {
    var result: CheckResult
    var errorCode: String { "CHECK_DRIFT_DETECTED" }
    var description: String {
        let counts = result.individualResults.reduce(into: (0, 0, 0)) {
            $0.0 += $1.onlyInSourceCount; $0.1 += $1.onlyInTargetCount; $0.2 += $1.differencesCount
        }
        return "Drift detected in database \"\(result.database)\": \(counts.0) object\(counts.0 == 1 ? "" : "s") only in the migrations, "
            + "\(counts.1) only in the database, \(counts.2) different (check.failOnDrift=false reports drift without failing)"
    }
}

extension MigrateTool {
    static let commandNames = Set(CommandName.allCases.map(\.rawValue))

    /// What `--version` prints.
    static let version = "0.2.0"

    /// Flyway's spellings of help: `-?`, `help`, `-h`.
    static func helpAliases(_ arguments: [String]) -> [String] {
        arguments.map { ["-?", "help", "-h"].contains($0) ? "--help" : $0 }
    }
}
