import ArgumentParser
import Foundation
import MigrateCore
import PostgresClient

/// The commands, written once: their names on the command line and what each one calls.
enum CommandName: String, CaseIterable, ExpressibleByArgument {
    case migrate, info, validate, clean, baseline, repair

    var abstract: String {
        switch self {
        case .migrate: return "apply pending migrations, each in its own transaction with its history row"
        case .info: return "list every migration with its state"
        case .validate: return "check applied migrations against the files; exit 1 on any drift"
        case .clean: return "drop every object in the configured schemas (refused unless cleanDisabled=false)"
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
            Commands: \(CommandName.allCases.map { "\n  \($0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.abstract)" }.joined())
            Several commands run in order and stop at the first failure: migrate -cleanDisabled=false clean migrate validate

            Settings use Flyway's names and come from, highest first: the command line (-key=value or --key value, \
            before or after the commands), FLYWAY_* environment variables, then .conf files (-configFiles=a.conf,b.conf; \
            by default conf/flyway.conf and ./flyway.conf). Common keys: url, user, password, schemas, defaultSchema, \
            table, locations, target, cherryPick, baselineVersion, baselineOnMigrate, outOfOrder, validateOnMigrate, \
            validateMigrationNaming, cleanDisabled, placeholders.<name>, connectRetries, outputType=json, \
            dryRunOutput=FILE (or - for standard output).
            """,
        version: "0.2.0"
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

    /// The `--setting key=value` pairs, in order.
    var settingPairs: [(key: String, value: String)] {
        settings.map { setting -> (key: String, value: String) in
            guard let equals = setting.firstIndex(of: "=") else { return (setting, "") }
            return (String(setting[..<equals]), String(setting[setting.index(after: equals)...]))
        }
    }

    func loadConfiguration() throws -> Configuration {
        try ConfigurationLoader.load(commandLine: settingPairs, environment: ProcessInfo.processInfo.environment,
                                     workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    func run() throws {
        let pairs = settingPairs
        let environment = ProcessInfo.processInfo.environment
        let configuration: Configuration
        do {
            configuration = try loadConfiguration()
        } catch {
            // Which reporter the user asked for is known even when the rest of the configuration is not.
            let json = ConfigurationLoader.requestsJSON(commandLine: pairs, environment: environment)
            let reporter: Reporter = json ? JSONReporter(masker: SecretMasker(secrets: []), commandCount: commands.count)
                                          : TextReporter(masker: SecretMasker(secrets: []), quiet: quiet)
            try stop(reporter, error)
        }
        try run(configuration)
    }

    private func run(_ configuration: Configuration) throws {
        let masker = SecretMasker(secrets: configuration.secrets)
        let json = configuration.outputType == "json"
        let dryRunTarget = configuration.dryRunOutput
        var reporter: Reporter = json ? JSONReporter(masker: masker, commandCount: commands.count)
                                      : TextReporter(masker: masker, quiet: quiet, dryRunTarget: dryRunTarget)
        if let outputFile = configuration.outputFile {
            let path = URL(fileURLWithPath: outputFile, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
            // Created now, so a path that cannot be written stops the run before it changes anything.
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                try stop(reporter, ToolError("outputFile: cannot create '\(outputFile)' (\(path)): does its directory exist, and may it be written?"))
            }
            reporter = ReporterGroup([reporter, JSONReporter(masker: masker, commandCount: commands.count, file: path)])
        }
        for warning in configuration.warnings { reporter.event(.warning(Diagnostic(code: "CONFIGURATION", message: warning))) }

        var failed = false
        let sink: FileDryRunSink?
        do {
            sink = try dryRunTarget.map { try Self.openDryRunSink($0, commands: commands, json: json) }
        } catch {
            try stop(reporter, error)
        }
        for command in commands {
            reporter.begin(command)
            let migrator = Migrator(configuration: configuration, dryRun: sink, traceStatements: debug,
                                    onEvent: { [reporter] event in reporter.event(event) })
            do {
                let result = try command.run(migrator)
                try migrator.finishDryRun()
                if let validation = result as? ValidateResult, !validation.validationSuccessful {
                    reporter.failure(ValidationFailed(details: validation.errorDetails), partial: result)
                    failed = true
                    break
                }
                reporter.result(result)
            } catch let partial as PartialFailure {
                try? migrator.finishDryRun()
                reporter.failure(partial.error, partial: partial.result)
                failed = true
                break
            } catch {
                try? migrator.finishDryRun()
                reporter.failure(error)
                failed = true
                break
            }
        }
        reporter.finish()
        if failed { throw ExitCode.failure }
    }

    /// Reports an error found before the first command ran, and exits 1.
    private func stop(_ reporter: Reporter, _ error: any Error) throws -> Never {
        reporter.begin(commands[0])
        reporter.failure(error)
        reporter.finish()
        throw ExitCode.failure
    }

    /// Where `-dryRunOutput` goes: standard output for `-`, else a file created (or emptied) now.
    static func openDryRunSink(_ target: String, commands: [CommandName], json: Bool) throws -> FileDryRunSink {
        guard commands.count == 1 else {
            throw ToolError("dryRunOutput: a dry run takes one command at a time (got \(commands.map(\.rawValue).joined(separator: " ")))")
        }
        guard commands[0].writes else {
            throw ToolError("dryRunOutput: \(commands[0].rawValue) writes nothing to the database; a dry run is for \(CommandName.allCases.filter(\.writes).map(\.rawValue).joined(separator: ", "))")
        }
        if target == "-" {
            if json { throw ToolError("dryRunOutput=- writes the script to standard output, where -outputType=json writes its document; give dryRunOutput a file name") }
            return FileDryRunSink(handle: .standardOutput)
        }
        let url = URL(fileURLWithPath: target, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw ToolError("dryRunOutput: cannot create '\(target)' (\(url.path))")
        }
        return FileDryRunSink(handle: handle)
    }
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
    static var commandNames: Set<String> { Set(CommandName.allCases.map(\.rawValue)) }

    /// Flyway's spellings of help: `-?`, `help`, `-h`.
    static func helpAliases(_ arguments: [String]) -> [String] {
        arguments.map { ["-?", "help", "-h"].contains($0) ? "--help" : $0 }
    }
}
