import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// Flyway's words for a person at a terminal: progress and results on standard output (or standard error,
/// when standard output carries a dry-run script), warnings and errors on standard error.
final class TextReporter: Reporter {
    private let terminal: Terminal
    private let quiet: Bool
    private var announcedTarget: DatabaseTarget?
    /// Where a dry run's script goes (`-` for standard output), to name it in the summary.
    private let dryRunTarget: String?

    /// `lint.format`: "github" writes lint findings as GitHub Actions annotations.
    private let lintFormat: String

    init(masker: SecretMasker, quiet: Bool, dryRunTarget: String? = nil, lintFormat: String = "text") {
        terminal = Terminal(masker: masker)
        self.lintFormat = lintFormat
        self.quiet = quiet
        self.dryRunTarget = dryRunTarget
    }

    private func line(_ text: String) {
        guard !quiet else { return }
        // A dry-run script on standard output keeps it to itself.
        dryRunTarget == "-" ? terminal.err(text) : terminal.out(text)
    }

    /// The command running (a fleet's progress lines word it).
    private var command: CommandName = .migrate

    func begin(_ command: CommandName) { self.command = command }

    func event(_ event: MigrationEvent) {
        switch event {
        case .connected(let target):
            // Once per invocation, on stdout: several commands touch the same database.
            guard announcedTarget != target else { return }
            announcedTarget = target
            if let text = logLine(for: event) { line(text) }
        case .createdSchema(let name):
            line("\(dryRunTarget == nil ? "Created" : "Would create") schema \"\(name)\"")
        case .createdHistoryTable(let name):
            line("\(dryRunTarget == nil ? "Created" : "Would create") schema history table \(name)")
        case .applying, .callbackExecuted, .undoing:
            break
        case .callbackRunning(let event, let description, let script):
            // Statement-level callbacks run for every statement: -X shows them.
            guard event != .beforeEachMigrateStatement, event != .afterEachMigrateStatement,
                  event != .beforeEachUndoStatement, event != .afterEachUndoStatement else { break }
            line("\(dryRunTarget == nil ? "Executing" : "Would execute") SQL callback: \(event.rawValue)\(description.isEmpty ? "" : " - \(description)") (\(script))")
        case .applied(let script, let version, let description, let milliseconds):
            let what = version.map { "version \($0) - \(description)" } ?? "repeatable \(description)"
            line(dryRunTarget == nil ? "Applied \(what) (\(script)) in \(formatDuration(milliseconds))" : "Would apply \(what) (\(script))")
        case .undone(let script, let version, let description, let milliseconds):
            let what = "version \(version) - \(description)"
            line(dryRunTarget == nil ? "Undid \(what) (\(script)) in \(formatDuration(milliseconds))" : "Would undo \(what) (\(script))")
        case .warning, .serverNotice, .waitingForLock, .lockConflict, .connectionRetry, .statementSent:
            if let text = logLine(for: event) { terminal.err(text) }
        }
    }

    /// Every line labelled `[target]`: with -parallel, targets' notices and statements interleave.
    func event(_ event: MigrationEvent, of target: String) {
        guard let text = logLine(for: event) else { return }
        terminal.err(text.split(separator: "\n", omittingEmptySubsequences: false).map { "[\(target)] \($0)" }.joined(separator: "\n"))
    }

    func result(_ result: any CommandResult) {
        switch result {
        case let migrate as MigrateResult: report(migrate)
        case let undo as UndoResult: report(undo)
        case let info as InfoResult: report(info)
        case let validate as ValidateResult:
            line("Successfully validated \(validate.validateCount) migration\(plural(validate.validateCount))")
        case let clean as CleanResult: report(clean)
        case let baseline as BaselineResult: report(baseline)
        case let repair as RepairResult: report(repair)
        case let new as NewMigrationResult: report(new)
        case let check as CheckResult: report(check)
        case let lint as LintResult: report(lint)
        case let snapshot as SnapshotResult: report(snapshot)
        case let seed as SeedResult: report(seed)
        case let fleet as FleetResult: FleetText.summary(fleet).forEach(line)
        default: break
        }
    }

    func targetFinished(_ target: FleetTargetResult) {
        guard target.pendingCount == nil else { return }  // info: the table at the end lists every target
        let text = FleetText.progressLine(target, operation: command.rawValue)
        target.status == .failed ? terminal.err(text) : line(text)
    }

    func failure(_ error: any Error, partial: (any CommandResult)?) {
        // The drift itself is the report; the error only sums it up.
        if let check = partial as? CheckResult { report(check) }
        if let lint = partial as? LintResult { report(lint) }
        if let fleet = partial as? FleetResult { FleetText.summary(fleet).forEach(line) }
        terminal.err("ERROR: \(String(describing: error))")
    }

    func finish() {}

    // MARK: Results

    private func dryRunNote(_ dryRun: Bool) -> String {
        guard dryRun else { return "" }
        let destination = dryRunTarget.map { $0 == "-" ? "standard output" : $0 } ?? "the dry-run output"
        return " [dry run: the database was not changed; the SQL is in \(destination)]"
    }

    private func report(_ result: MigrateResult) {
        let verb = result.dryRun ? "Would apply" : "Successfully applied"
        if result.baselined, let version = result.baselineVersion {
            line("\(result.dryRun ? "Would baseline" : "Baselined") schema \"\(result.schemaName)\" at version \(version) (baselineOnMigrate)")
        }
        if result.migrations.isEmpty {
            line("Schema \"\(result.schemaName)\" is up to date, no migration necessary (current version: \(result.targetSchemaVersion ?? "<< Empty Schema >>"))\(dryRunNote(result.dryRun))")
        } else {
            let total = result.migrations.reduce(0) { $0 + $1.executionTime }
            let time = result.dryRun ? "" : " (\(formatDuration(total)))"
            line("\(verb) \(result.migrationsExecuted) migration\(plural(result.migrationsExecuted)) to schema \"\(result.schemaName)\", now at version \(result.targetSchemaVersion ?? "<none>")\(time)\(dryRunNote(result.dryRun))")
        }
    }

    private func report(_ result: SnapshotResult) {
        for table in result.tables {
            line("  \(table.table): \(table.rows) row\(plural(table.rows))" + (table.masked.isEmpty ? "" : " (masked: \(table.masked.joined(separator: ", ")))"))
        }
        if !result.excludedTables.isEmpty { line("  left out: \(result.excludedTables.joined(separator: ", "))") }
        let rows = result.tables.reduce(0) { $0 + $1.rows }
        line("\(result.replaced ? "Replaced" : "Wrote") snapshot \(result.folder) of schema \"\(result.schemaName)\" at version \(result.schemaVersion): "
             + "\(result.tables.count) table\(plural(result.tables.count)), \(rows) row\(plural(rows))")
    }

    private func report(_ result: SeedResult) {
        let rows = result.tables.reduce(0) { $0 + $1.rows }
        if !result.cleanedSchemas.isEmpty {
            line("Cleaned \(result.cleanedSchemas.map { "\"\($0)\"" }.joined(separator: ", ")) first: the database (at version "
                 + "\(result.initialSchemaVersion ?? "<none>")) did not fit the snapshot, and clean is enabled")
        }
        line("Loaded snapshot \(result.snapshot) (version \(result.snapshotVersion)) into schema \"\(result.schemaName)\": "
             + "\(result.tables.count) table\(plural(result.tables.count)), \(rows) row\(plural(rows))" + (result.replaced ? ", replacing their rows" : "")
             + "; \(result.migrationsBefore.count) migration\(plural(result.migrationsBefore.count)) before the load, "
             + "\(result.migrations.count) after; now at version \(result.targetSchemaVersion ?? "<none>")")
    }

    private func report(_ result: UndoResult) {
        let now = result.targetSchemaVersion ?? "<< Empty Schema >>"
        if result.undoneMigrations.isEmpty {
            line("Schema \"\(result.schemaName)\" has no migration to undo (current version: \(now))\(dryRunNote(result.dryRun))")
        } else {
            let count = result.migrationsUndone
            let total = result.undoneMigrations.reduce(0) { $0 + $1.executionTime }
            line(result.dryRun
                ? "Would undo \(count) migration\(plural(count)) of schema \"\(result.schemaName)\", leaving it at version \(now)\(dryRunNote(true))"
                : "Successfully undid \(count) migration\(plural(count)) of schema \"\(result.schemaName)\", now at version \(now) (\(formatDuration(total)))")
        }
    }

    private func report(_ result: InfoResult) {
        line("Schema version: \(result.schemaVersion ?? "<< Empty Schema >>")")
        if !result.historyExists {
            line("Schema history table \(result.historyTable) does not exist yet")
        }
        let rows = result.migrations.map { entry -> [String] in
            [entry.category, entry.version ?? "", entry.description, entry.type, entry.installedOnUTC ?? "", entry.state.rawValue, entry.undoable]
        }
        line(TextTable.render(header: ["Category", "Version", "Description", "Type", "Installed On", "State", "Undoable"], rows: rows))
    }

    private func report(_ result: CleanResult) {
        for schema in result.schemasDropped { line("\(result.dryRun ? "Would drop" : "Dropped") schema \"\(schema)\" (created by migrate)") }
        if !result.schemasCleaned.isEmpty {
            let names = result.schemasCleaned.map { "\"\($0)\"" }.joined(separator: ", ")
            line("\(result.dryRun ? "Would clean" : "Successfully cleaned") schema\(plural(result.schemasCleaned.count)) \(names) in database \"\(result.database)\" (\(result.objectsDropped) object\(plural(result.objectsDropped)) dropped)\(dryRunNote(result.dryRun))")
        }
    }

    private func report(_ result: BaselineResult) {
        if result.alreadyBaselined {
            line("Schema \"\(result.schemaName)\" is already baselined at version \(result.baselineVersion)")
        } else {
            line("\(result.dryRun ? "Would baseline" : "Successfully baselined") schema \"\(result.schemaName)\" with version \(result.baselineVersion) (\(result.baselineDescription))\(dryRunNote(result.dryRun))")
        }
    }

    private func report(_ result: RepairResult) {
        let removed = result.migrationsRemoved.count
        line("\(result.dryRun ? "Would remove" : "Removed") \(removed) failed migration row\(plural(removed))")
        for item in result.migrationsAligned { line("\(result.dryRun ? "Would realign" : "Realigned") checksum/description of \(item.version ?? item.description)") }
        for item in result.migrationsDeleted { line("\(result.dryRun ? "Would mark" : "Marked") missing migration \(item.version ?? item.description) as deleted") }
        line(result.dryRun ? "Repair dry run complete\(dryRunNote(true))" : "Successfully repaired the schema history table")
    }

    /// `Created <path>` for each file, paths relative to the current directory when below it; with `-q` the
    /// bare paths (as Flyway's `add` does), for scripts: `$(migrate -q new add orders)`.
    private func report(_ result: NewMigrationResult) {
        for path in [result.filepath, result.undoFilepath].compactMap({ $0 }) {
            let shown = relativeToCurrentDirectory(path)
            quiet ? terminal.out(shown) : line("Created \(shown)")
        }
    }

    private func report(_ result: CheckResult) {
        for drift in result.individualResults {
            let schemas = drift.schemas.map { "\"\($0)\"" }.joined(separator: ", ")
            let migrations = "\(drift.appliedMigrations.count) applied migration\(plural(drift.appliedMigrations.count))"
            line("Built the expected schema from \(migrations) in \(drift.buildDatabaseTemporary ? "temporary " : "")database "
                 + "\"\(drift.buildDatabase)\"\(drift.buildDatabaseTemporary ? " (dropped)" : "")")
            guard drift.driftDetected else {
                line("No drift: database \"\(drift.database)\" matches its \(migrations) (\(drift.objectsCompared) objects compared in schema\(plural(drift.schemas.count)) \(schemas))")
                continue
            }
            line("Drift in database \"\(drift.database)\" (schema\(plural(drift.schemas.count)) \(schemas)) against its \(migrations):")
            let listed: [(String, [DriftedObject])] = [("only in the migrations:", drift.onlyInSource), ("only in the database:", drift.onlyInTarget),
                                                       ("differs:", drift.differences)]
            for (heading, objects) in listed {
                for object in objects {
                    line("  \(heading.padded(to: 24))\(object.label)")
                    for detail in DriftDetails.lines(of: object) { line("      \(detail)") }
                }
            }
            line("Drift: \(drift.onlyInSourceCount) object\(plural(drift.onlyInSourceCount)) only in the migrations, "
                 + "\(drift.onlyInTargetCount) only in the database, \(drift.differencesCount) different")
        }
    }

    /// Findings are what lint is for: printed even with -q.
    private func report(_ result: LintResult) {
        let lines = lintFormat == "github" ? LintOutput.annotations(result) : LintOutput.text(result)
        for text in lines { terminal.out(text) }
    }

    private func plural(_ count: Int) -> String { count == 1 ? "" : "s" }
}

func formatDuration(_ milliseconds: Int) -> String {
    milliseconds < 10_000 ? "\(milliseconds) ms" : decimal(Double(milliseconds) / 1000, places: 1) + " s"
}

/// A plain box-drawn table, as Flyway prints `info`.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padded(to: widths[$0]) }.joined(separator: " | ") + " |"
        }
        let rule = "+" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "+") + "+"
        var lines = [rule, line(header), rule]
        if rows.isEmpty {
            let inner = widths.reduce(0, +) + 3 * (widths.count - 1)
            lines.append("| " + "No migrations found".padded(to: inner) + " |")
        } else {
            lines += rows.map(line)
        }
        lines.append(rule)
        return lines.joined(separator: "\n")
    }
}

/// What the text report shows under a drifted object: the lines that changed, or the definition of an object on
/// one side only, cut short (the JSON output has them whole).
enum DriftDetails {
    static let limit = 12

    static func lines(of object: DriftedObject) -> [String] {
        var lines: [String]
        if let before = object.definitionBefore, let after = object.definitionAfter {
            lines = LineDiff.changes(from: before, to: after).map {
                switch $0 {
                case .removed(let text): return "- " + text
                case .added(let text): return "+ " + text
                }
            }
        } else {
            lines = (object.definitionBefore ?? object.definitionAfter ?? "").split(separator: "\n").map(String.init)
        }
        guard lines.count > limit else { return lines }
        return lines.prefix(limit) + ["… \(lines.count - limit) more line\(lines.count - limit == 1 ? "" : "s") (-outputType=json has the definitions)"]
    }
}
