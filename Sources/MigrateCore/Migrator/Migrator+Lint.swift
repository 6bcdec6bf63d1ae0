import PostgresClient

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
        result.findings = try sized(result.findings, session)
        return result
    }

    /// `-lint=warn|error` before `migrate` writes: findings become warnings, or stop the run.
    /// Skipped in `check -drift`'s build, which replays migrations already applied elsewhere.
    func lintBeforeApplying(_ planned: [PlannedMigration], _ session: Session) throws {
        guard configuration.lint != "off", onlyApplying == nil, !planned.isEmpty else { return }
        var result = try lint(planned)
        result.findings = try sized(result.findings, session)
        for note in result.notes { warn("LINT_NOTE", note.summary, path: note.file) }
        if configuration.lint == "error", !result.findings.isEmpty { throw LintFailed(findings: result.findings) }
        for finding in result.findings {
            warn("LINT", "\(finding.summary) (safe: \(finding.safeForm); -lint=off to skip the lint)", path: finding.file)
        }
    }

    /// Findings on tables that exist say how big each is (the planner's row estimate and the size on disk):
    /// what decides whether a lock of seconds or of hours is at stake.
    private func sized(_ findings: [LintFinding], _ session: Session) throws -> [LintFinding] {
        let tables = Array(Set(findings.compactMap(\.table))).sorted()
        guard !tables.isEmpty else { return findings }
        // Names as the parser gives them (unquoted, case kept): quoted here, so no name is misread. One query
        // for every table.
        let parts = tables.map { table -> (schema: String, name: String) in
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        }
        var sizes: [String: String] = [:]
        try session.connection.forEachRow("""
            SELECT t.position::int, greatest(c.reltuples, 0)::bigint::text, pg_size_pretty(pg_relation_size(c.oid))
              FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, position)
              JOIN pg_class c ON c.oid = to_regclass(coalesce(quote_ident(nullif(t.schema, '')) || '.', '') || quote_ident(t.name))
            """, [Connection.arrayLiteral(parts.map(\.schema)), Connection.arrayLiteral(parts.map(\.name))]) { row in
            guard let position = row.string(0).flatMap({ Int($0) }) else { return }
            let table = tables[position - 1]
            sizes[table] = "\(table) has about \(row.string(1) ?? "0") rows, \(row.string(2) ?? "0 bytes") on disk"
        }
        return findings.map { finding in
            guard let table = finding.table, let size = sizes[table] else { return finding }
            var sized = finding
            sized.tableSize = size
            sized.message += " (\(size))"
            return sized
        }
    }

    private func lint(_ planned: [PlannedMigration]) throws -> LintResult {
        var linter = Linter(lockTimeoutFromConfiguration: configuration.lockTimeout != 0)
        // migrate sets lockTimeout itself around every file (SET LOCAL, or SET for a file outside a transaction).
        for migration in planned where migration.mode != .recordOnly {
            let settings = migration.settings
            // The plan's statements where it kept them; the file read again only where it did not.
            var kept = migration.script.keptStatements?.makeIterator()
            var reader = kept == nil ? try settings.reader(migration.file) : nil
            reader?.materializesCopyData = false
            let lines = OriginalLines(try SQLScriptReader(path: migration.file.filepath, displayName: settings.displayPath,
                                                          encoding: settings.encoding))
            do {
                try linter.lint(file: settings.displayPath, filepath: migration.file.filepath, transactional: migration.script.transactional, lines: lines) {
                    if kept != nil { return kept!.next() }
                    while let element = try reader!.next() {
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
