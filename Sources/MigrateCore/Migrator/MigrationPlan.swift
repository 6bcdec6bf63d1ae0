import PostgresClient

/// A pending migration resolved once: how its file is read (settings, placeholders fixed for the run) and
/// how it runs (in a transaction or not), after its whole text was read and checked.
struct PlannedMigration {
    /// How the file runs, decided once when it is planned.
    enum Mode: Equatable {
        /// skipExecutingMigrations: only the history row is written.
        case recordOnly
        /// group=true: inside the one transaction around every pending file.
        case inGroup
        /// In a transaction of its own, with its history row.
        case inTransaction
        /// Statement by statement, then its history row (CREATE INDEX CONCURRENTLY…).
        case withoutTransaction
    }

    var file: MigrationFile
    let settings: ScriptSettings
    let script: ScriptRunner.Plan
    let mode: Mode
}

extension Migrator {
    /// Reads and checks every pending file completely — lexing, placeholders, encoding, NUL bytes, `.sql.conf`,
    /// transactional or not — before the first write, so a broken V3 stops the run before V1 is applied.
    func plan(_ pending: [MigrationFile], session: Session) throws -> [PlannedMigration] {
        var cacheBudget = ScriptRunner.planCacheBytes
        let grouped = configuration.group && pending.count > 1
        return try pending.map { file in
            do {
                let settings = try scriptSettings(for: file, session: session)
                let executeInTransaction = settings.config?.executeInTransaction ?? (configuration.executeInTransaction ? nil : false)
                // Recorded without running: nothing of the file is sent, so nothing needs checking.
                if configuration.skipExecutingMigrations {
                    return PlannedMigration(file: file, settings: settings, script: .init(transactional: true, cached: []), mode: .recordOnly)
                }
                let script = try ScriptRunner.plan(file, settings: settings, serverVersion: session.connection.serverVersion,
                                                   mixed: configuration.mixed, executeInTransaction: executeInTransaction,
                                                   cacheBudget: &cacheBudget)
                if grouped && !script.transactional {
                    throw MigrationError.notTransactionalInGroup(file: settings.displayPath, reason: "it must run outside a transaction")
                }
                let mode: PlannedMigration.Mode = grouped ? .inGroup : script.transactional ? .inTransaction : .withoutTransaction
                return PlannedMigration(file: file, settings: settings, script: script, mode: mode)
            } catch let error as SQLScriptError {
                throw MigrationError.script(error)
            }
        }
    }

    /// `cherryPick`: every listed version (or repeatable's description) must name a migration.
    func checkCherryPick(_ resolved: [MigrationFile]) throws {
        for pick in configuration.cherryPick where !resolved.contains(where: { Self.file($0, isPicked: pick) }) {
            throw MigrationError.cherryPickNotFound(pick)
        }
    }

    /// `cherryPick`: only the listed migrations run (all of them when none are listed); in `check -drift`'s
    /// build, only those the target has applied.
    func cherryPicked(_ pending: [MigrationFile]) -> [MigrationFile] {
        if let onlyApplying { return pending.filter(onlyApplying.contains) }
        let picks = configuration.cherryPick
        guard !picks.isEmpty else { return pending }
        return pending.filter { file in picks.contains { Self.file(file, isPicked: $0) } }
    }

    private static func file(_ file: MigrationFile, isPicked pick: String) -> Bool {
        if let version = file.version { return MigrationVersion(pick) == version }
        return file.description == pick || file.description == pick.replacing("_", with: " ")
    }
}
