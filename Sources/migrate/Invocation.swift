import ArgumentParser
import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// One run of the tool: the commands in order, the settings given on the command line, `-q`, `-X`,
/// `new`'s description and `-undo`, and check's mode.
/// Built by swift-argument-parser (`MigrateTool`), or directly from the arguments on the common path
/// (`fastParse`), which then skips the parser's reflection over the command's properties.
struct Invocation {
    var commands: [CommandName]
    var settings: [String]
    var quiet: Bool
    var debug: Bool
    /// `new`'s description (one; more is a usage problem).
    var descriptions: [String] = []
    /// `new -undo`: write the U file too.
    var undo = false
    var checkModes: [CheckMode] = []

    /// Parses the normalized arguments (see FlywayArguments) when they hold only commands, settings, `-q`,
    /// `-X` and check's mode; nil for anything else (help, version, a mistake), which the full parser then handles.
    static func fastParse(_ arguments: [String]) -> Invocation? {
        var invocation = Invocation(commands: [], settings: [], quiet: false, debug: false)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--setting":
                guard index < arguments.count else { return nil }
                invocation.settings.append(arguments[index])
                index += 1
            case "-q", "--quiet": invocation.quiet = true
            case "-X", "--debug": invocation.debug = true
            case "--undo": invocation.undo = true
            case "--description":
                guard index < arguments.count else { return nil }
                invocation.descriptions.append(arguments[index])
                index += 1
            case _ where argument.hasPrefix("--"):
                guard let mode = CheckMode(rawValue: String(argument.dropFirst(2))) else { return nil }
                invocation.checkModes.append(mode)
            default:
                guard let command = CommandName(rawValue: argument) else { return nil }
                invocation.commands.append(command)
            }
        }
        return invocation.commands.isEmpty || invocation.usageProblem != nil ? nil : invocation
    }

    /// What is wrong with how `new`, `check` and their options were combined, for the argument parser to
    /// report (with the usage line); nil when nothing is.
    var usageProblem: String? {
        newUsageProblem ?? checkUsageProblem
    }

    private var newUsageProblem: String? {
        guard commands.contains(.new) else {
            return descriptions.isEmpty && !undo ? nil : "a description and -undo are options of the new command (migrate new <description> [-undo])"
        }
        if commands.count > 1 {
            return "new runs on its own (got \(commands.map(\.rawValue).joined(separator: " "))): it writes a file, the other commands read them"
        }
        if descriptions.count > 1 { return "new takes one description (got \(descriptions.map { "\"\($0)\"" }.joined(separator: " and ")))" }
        if descriptions.first?.trimmed().isEmpty ?? true {
            return NewMigrationError.noDescription.description
        }
        return nil
    }

    /// check without its mode, a mode migrate lacks, or a mode without check.
    private var checkUsageProblem: String? {
        let checks = commands.contains(.check)
        if let missing = checkModes.first(where: { !$0.isSupported }) {
            return "check -\(missing.rawValue) is a Flyway mode migrate does not have; migrate's check has one mode: check -drift"
        }
        if checks && checkModes.isEmpty {
            return "check needs a mode: migrate check -drift (compare the database with one built from its applied migrations)"
        }
        if !checks && !checkModes.isEmpty {
            return "-\(checkModes[0].rawValue) is a mode of the check command: migrate check -\(checkModes[0].rawValue)"
        }
        return nil
    }

    /// `--version` with nothing else but settings (which do not change the answer).
    static func asksOnlyForVersion(_ arguments: [String]) -> Bool {
        var index = 0
        var version = false
        while index < arguments.count {
            switch arguments[index] {
            case "--setting": index += 2
            case "--version": version = true; index += 1
            default: return false
            }
        }
        return version
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
        let configuration: Configuration
        do {
            configuration = try loadConfiguration()
        } catch {
            // Which reporter the user asked for is known even when the rest of the configuration is not.
            let json = ConfigurationLoader.requestsJSON(commandLine: settingPairs, environment: ProcessInfo.processInfo.environment)
            try stop(reporter(json: json, masker: SecretMasker(secrets: []), dryRunTarget: nil), error)
        }
        try run(configuration)
    }

    private func reporter(json: Bool, masker: SecretMasker, dryRunTarget: String?, lintFormat: String = "text") -> Reporter {
        json ? JSONReporter(masker: masker, commandCount: commands.count)
             : TextReporter(masker: masker, quiet: quiet, dryRunTarget: dryRunTarget, lintFormat: lintFormat)
    }

    private func run(_ configuration: Configuration) throws {
        let json = configuration.outputType == "json"
        let fleet: Fleet?
        do {
            // new writes a file and never connects: a project's targets are not its business.
            fleet = commands.contains(.new) ? nil : try Fleet.load(configuration)
        } catch {
            try stop(reporter(json: json, masker: SecretMasker(secrets: configuration.secrets), dryRunTarget: nil), error)
        }
        let masker = SecretMasker(secrets: configuration.secrets + (fleet?.secrets ?? []))
        let dryRunTarget = configuration.dryRunOutput
        var reporter = reporter(json: json, masker: masker, dryRunTarget: dryRunTarget, lintFormat: configuration.lintFormat)
        if let outputFile = configuration.outputFile {
            let path = URL(fileURLWithPath: outputFile, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
            // Created now, so a path that cannot be written stops the run before it changes anything.
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                try stop(reporter, ToolError("outputFile: cannot create '\(outputFile)' (\(path)): does its directory exist, and may it be written?"))
            }
            reporter = ReporterGroup([reporter, JSONReporter(masker: masker, commandCount: commands.count, file: path)])
        }
        for warning in configuration.warnings { reporter.event(.warning(Diagnostic(code: "CONFIGURATION", message: warning))) }
        if let fleet { return try runFleet(fleet, configuration, reporter: reporter) }

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
                let result = try command.run(migrator, self)
                try migrator.finishDryRun()
                guard Self.report(result, configuration, to: reporter) else {
                    failed = true
                    break
                }
            } catch {
                try? migrator.finishDryRun()
                let partial = error as? PartialFailure
                reporter.failure(partial?.error ?? error, partial: partial?.result)
                failed = true
                break
            }
        }
        reporter.finish()
        if failed { throw ExitCode.failure }
    }

    /// Reports a command's result, or its findings as its failure; false when it failed.
    static func report(_ result: any CommandResult, _ configuration: Configuration, to reporter: Reporter) -> Bool {
        if let findings = findings(in: result, configuration) {
            reporter.failure(findings, partial: result)
            return false
        }
        reporter.result(result)
        return true
    }

    /// What makes a command that ran fail: validate's problems, check's drift (unless check.failOnDrift=false).
    static func findings(in result: any CommandResult, _ configuration: Configuration) -> (any FindingsFailure)? {
        if let validation = result as? ValidateResult, !validation.validationSuccessful {
            return ValidationFailed(details: validation.errorDetails)
        }
        if let check = result as? CheckResult, check.driftDetected, configuration.checkFailOnDrift {
            return DriftDetected(result: check)
        }
        if let lint = result as? LintResult, !lint.success { return LintFindings(result: lint) }
        return nil
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
        guard commands[0].hasDryRun else {
            let what = commands[0].writes ? "loads data files, which a dry-run script cannot hold" : "writes nothing to the database"
            throw ToolError("dryRunOutput: \(commands[0].rawValue) \(what); a dry run is for \(CommandName.allCases.filter(\.hasDryRun).map(\.rawValue).joined(separator: ", "))")
        }
        if target == "-" {
            if json { throw ToolError("dryRunOutput=- writes the script to standard output, where -outputType=json writes its document; give dryRunOutput a file name") }
            return FileDryRunSink.standardOutput
        }
        do {
            return try FileDryRunSink(creating: target)
        } catch {
            throw ToolError("dryRunOutput: cannot create '\(target)': \(error)")
        }
    }
}
