import ArgumentParser
import Foundation
import MigrateCore

struct MigrateTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Versioned SQL migrations for PostgreSQL, compatible with Flyway's files, configuration and history table.",
        discussion: """
            Settings use Flyway's names and come from, highest first: the command line (-key=value or --key value, \
            before or after the command), FLYWAY_* environment variables, then .conf files (-configFiles=a.conf,b.conf; \
            by default conf/flyway.conf and ./flyway.conf). Common keys: url, user, password, schemas, defaultSchema, \
            table, locations, target, baselineVersion, baselineOnMigrate, outOfOrder, validateOnMigrate, \
            validateMigrationNaming, cleanDisabled, placeholders.<name>, connectRetries.
            """,
        version: "0.1.0",
        subcommands: [Migrate.self, Info.self, Validate.self, Clean.self, Baseline.self, Repair.self]
    )

    static var commandNames: Set<String> { ["migrate", "info", "validate", "clean", "baseline", "repair", "help"] }
}

/// Options every command takes. Settings arrive as `--setting key=value` (see FlywayArguments).
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("setting"), help: ArgumentHelp("A configuration setting, key=value (same as -key=value).", valueName: "key=value"))
    var settings: [String] = []

    @Flag(name: [.customShort("q"), .long], help: "Print only warnings and errors.")
    var quiet = false

    func loadConfiguration() throws -> Configuration {
        let pairs = settings.map { setting -> (key: String, value: String) in
            guard let equals = setting.firstIndex(of: "=") else { return (setting, "") }
            return (String(setting[..<equals]), String(setting[setting.index(after: equals)...]))
        }
        return try ConfigurationLoader.load(commandLine: pairs, environment: ProcessInfo.processInfo.environment,
                                            workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }
}

/// The shared shape of every command: load configuration, build a Migrator, report errors in one place.
protocol MigratorCommand: ParsableCommand {
    var options: GlobalOptions { get }
    func run(_ migrator: Migrator, _ output: Output) throws
}

extension MigratorCommand {
    func run() throws {
        var output = Output(secrets: [], quiet: options.quiet)
        do {
            let configuration = try options.loadConfiguration()
            output.secrets = configuration.secrets
            for warning in configuration.warnings { output.warning(warning) }
            let migrator = Migrator(configuration: configuration, onEvent: { [output] event in output.show(event) })
            try run(migrator, output)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            output.error(error)
            throw ExitCode.failure
        }
    }
}
