extension Migrator {
    /// `lint`: checks the pending files (every file with lint.all=true) in the order they would run, reading
    /// each once through the same planning as `migrate` (placeholders replaced, transactional or not).
    /// Connects, because what is pending depends on the history; writes nothing.
    public func lint() throws -> LintResult {
        let (session, resolved) = try openSessionWithMigrations()
        let rows = try readHistory(session) ?? []
        let files = configuration.lintAll ? resolved : cherryPicked(try status(resolved, rows, session).pending)
        let planned = try plan(files, session: session)
        var result = try lint(planned)
        result.database = session.databaseName
        return result
    }

    /// `-lint=warn|error` before `migrate` writes: findings become warnings, or stop the run.
    /// Skipped in `check -drift`'s build, which replays migrations already applied elsewhere.
    func lintBeforeApplying(_ planned: [PlannedMigration]) throws {
        guard configuration.lint != "off", onlyApplying == nil, !planned.isEmpty else { return }
        let result = try lint(planned)
        for note in result.notes { warn("LINT_NOTE", note.summary, path: note.file) }
        if configuration.lint == "error", !result.findings.isEmpty { throw LintFailed(findings: result.findings) }
        for finding in result.findings {
            warn("LINT", "\(finding.summary) (safe: \(finding.safeForm); -lint=off to skip the lint)", path: finding.file)
        }
    }

    private func lint(_ planned: [PlannedMigration]) throws -> LintResult {
        var linter = Linter()
        for migration in planned where migration.mode != .recordOnly {
            let settings = migration.settings
            var reader = try settings.reader(migration.file)
            reader.materializesCopyData = false
            let lines = OriginalLines(try SQLScriptReader(path: migration.file.filepath, displayName: settings.displayPath,
                                                          encoding: settings.encoding))
            do {
                try linter.lint(file: settings.displayPath, filepath: migration.file.filepath, transactional: migration.script.transactional, lines: lines) {
                    while let element = try reader.next() {
                        if case .statement(let statement) = element { return statement }
                    }
                    return nil
                }
            } catch let error as SQLScriptError {
                throw MigrationError.script(error)
            }
        }
        return LintResult(database: "", files: planned.map(\.settings.displayPath), findings: linter.findings,
                          notes: linter.notes, ignored: linter.ignored)
    }
}
