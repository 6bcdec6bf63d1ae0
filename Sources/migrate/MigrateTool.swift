import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// The commands, written once: their names on the command line and what each one calls.
enum CommandName: String, CaseIterable, ExpressibleByArgument {
    case migrate, info, validate, clean, baseline, repair

    var abstract: String {
        switch self {
        case .migrate: return "apply pending migrations, each file with its history row"
        case .info: return "list every migration with its state"
        case .validate: return "check applied migrations against the files (exit 1 on drift)"
        case .clean: return "drop every object in the schemas (needs cleanDisabled=false)"
        case .baseline: return "mark an existing database as being at baselineVersion"
        case .repair: return "remove failed rows and realign the history with the files"
        }
    }

    /// Whether the command changes the database (and so has a dry run).
    var writes: Bool { self != .info && self != .validate }

    /// Runs the command. `validate` finding problems is a failure too (after its result is reported).
    func run(_ migrator: Migrator) throws -> any CommandResult {
        switch self {
        case .migrate: return try migrator.migrate()
        case .info: return try migrator.info()
        case .validate: return try migrator.validate()
        case .clean: return try migrator.clean()
        case .baseline: return try migrator.baseline()
        case .repair: return try migrator.repair()
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

            Settings use Flyway's names and come from, highest first: the command line (-key=value or --key value, \
            before or after the commands), FLYWAY_* environment variables, then configuration files \
            (-configFiles=a.toml,b.toml; by default flyway.toml and flyway.user.toml in conf/, ~ and ., or, when there \
            is none, conf/flyway.conf, ~/flyway.conf and ./flyway.conf). Common keys: url, user, password, schemas, \
            defaultSchema, table, locations, target, cherryPick, baselineVersion, baselineOnMigrate, outOfOrder, \
            validateOnMigrate, validateMigrationNaming, cleanDisabled, placeholders.<name>, connectRetries, \
            outputType=json, dryRunOutput=FILE (or - for standard output).

            TOML files hold [flyway] settings and one [environments.<name>] per database (url, user, password, \
            schemas…), whose [environments.<name>.flyway] table replaces top-level settings for it; ${env.NAME} is \
            an environment variable. Pick one with -environment=<name> or FLYWAY_ENVIRONMENT (default: "default", \
            which -url/-user/-password make up), or define one with -environments.<name>.url=….
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

    mutating func validate() throws {
        if commands.isEmpty {
            throw ValidationError("no command given; expected one or more of: \(CommandName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// What to do, as parsed.
    var invocation: Invocation { Invocation(commands: commands, settings: settings, quiet: quiet, debug: debug) }

    func loadConfiguration() throws -> Configuration { try invocation.loadConfiguration() }

    func run() throws { try invocation.run() }
}

/// A problem found by the tool itself (not the core): one sentence.
struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `validate` ran but found problems: reported with its result, and the run exits 1.
struct ValidationFailed: Error, CustomStringConvertible {
    var details: ErrorDetails?
    var description: String { details?.errorMessage ?? "Validate failed" }
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
