import FoundationEssentials
import Glibc

/// One reason validation failed, with Flyway's wording.
public struct ValidationProblem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case checksumMismatch, descriptionMismatch, failedMigration, missingLocally, notApplied, pending, outdatedRepeatable
    }
    public var kind: Kind
    public var version: String?
    public var message: String
    /// The migration concerned: its description and, when a file exists, that file's path.
    public var description: String = ""
    public var filepath: String?

    /// Flyway's error code for this kind of problem.
    public var errorCode: String {
        let repeatable = version == nil
        switch kind {
        case .checksumMismatch: return "CHECKSUM_MISMATCH"
        case .descriptionMismatch: return "DESCRIPTION_MISMATCH"
        case .failedMigration: return repeatable ? "FAILED_REPEATABLE_MIGRATION" : "FAILED_VERSIONED_MIGRATION"
        case .missingLocally: return repeatable ? "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED" : "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"
        case .notApplied, .pending: return repeatable ? "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED" : "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"
        case .outdatedRepeatable: return "OUTDATED_REPEATABLE_MIGRATION"
        }
    }
}

extension MigrationStatus {
    /// What validate complains about. `allowPending` is true inside migrate (pending work is what it is for).
    public func validationProblems(allowPending: Bool, ignore: [IgnorePattern]) -> [ValidationProblem] {
        func ignored(_ info: MigrationInfo, _ status: String) -> Bool {
            ignore.contains { $0.matches(repeatable: info.isRepeatable, status: status) }
        }
        var problems: [ValidationProblem] = []
        for index in entries.indices {
            // Most entries are applied and match their file: checked in place, without copying the entry.
            if entries[index].state == .success || entries[index].state == .outOfOrder,
               entries[index].applied?.checksum == entries[index].file?.checksum,
               entries[index].applied?.description == entries[index].file?.description {
                continue
            }
            let info = entries[index]
            let name = info.version ?? info.description
            let firstOfThisEntry = problems.count
            switch info.state {
            case .failed, .failedMissing, .failedFuture:
                if info.state == .failedFuture && ignored(info, "future") { continue }
                let message = info.isRepeatable
                    ? "Detected failed repeatable migration: \(info.description).\nPlease remove any half-completed changes then run repair to fix the schema history."
                    : "Detected failed migration to version \(name) (\(info.description)).\nPlease remove any half-completed changes then run repair to fix the schema history."
                problems.append(ValidationProblem(kind: .failedMigration, version: info.version, message: message))
            case .missing:
                if ignored(info, "missing") { continue }
                problems.append(ValidationProblem(kind: .missingLocally, version: info.version,
                    message: "Detected applied migration not resolved locally: \(name).\nIf you removed this migration intentionally, run repair to mark the migration as deleted."))
            case .future:
                if ignored(info, "future") { continue }
                problems.append(ValidationProblem(kind: .missingLocally, version: info.version,
                    message: "Detected applied migration not resolved locally: \(name) (newer than any local migration).\nIf you removed this migration intentionally, run repair to mark the migration as deleted."))
            case .ignored:
                if ignored(info, "ignored") { continue }
                problems.append(ValidationProblem(kind: .notApplied, version: info.version,
                    message: "Detected resolved migration not applied to database: \(name).\nTo ignore this migration, set ignoreMigrationPatterns to '*:ignored'. To allow executing this migration, set outOfOrder to true."))
            case .pending:
                if allowPending || ignored(info, "pending") { continue }
                problems.append(ValidationProblem(kind: .pending, version: info.version,
                    message: "Detected resolved migration not applied to database: \(name).\nTo fix this error, either run migrate, or set ignoreMigrationPatterns to '*:pending'."))
            case .outdated:
                if !allowPending {
                    problems.append(ValidationProblem(kind: .outdatedRepeatable, version: nil,
                        message: "Detected outdated resolved repeatable migration that should be re-applied to database: \(info.description).\nRun migrate to execute this migration."))
                }
            case .success, .outOfOrder:
                guard let file = info.file, let applied = info.applied, !applied.isBaseline else { continue }
                if let baseline = baselineVersion, let version = file.version, version <= baseline { continue }
                if file.version != nil, applied.checksum != file.checksum {
                    problems.append(ValidationProblem(kind: .checksumMismatch, version: info.version,
                        message: "Migration checksum mismatch for \(applied.isUndo ? "undo " : "")migration version \(name)\n-> Applied to database : \(applied.checksum.map(String.init) ?? "null")\n-> Resolved locally    : \(file.checksum)\nEither revert the changes to the migration, or run repair to update the schema history."))
                }
                if applied.description != file.description {
                    problems.append(ValidationProblem(kind: .descriptionMismatch, version: info.version,
                        message: "Migration description mismatch for migration \(info.version.map { "version \($0)" } ?? info.script)\n-> Applied to database : \(applied.description)\n-> Resolved locally    : \(file.description)\nEither revert the changes to the migration, or run repair to update the schema history."))
                }
            case .baseline:
                // A B file applied: its checksum is checked like a versioned file's (Flyway does not: flyway#4106).
                guard let file = info.file, let applied = info.applied, file.isBaselineMigration, applied.checksum != file.checksum else { continue }
                problems.append(ValidationProblem(kind: .checksumMismatch, version: info.version,
                    message: "Migration checksum mismatch for baseline migration version \(name)\n-> Applied to database : \(applied.checksum.map(String.init) ?? "null")\n-> Resolved locally    : \(file.checksum)\nEither revert the changes to the migration, or run repair to update the schema history."))
            case .aboveTarget, .belowBaseline, .superseded, .deleted, .undone:
                continue
            }
            for index in problems.indices[firstOfThisEntry...] {
                problems[index].description = info.description
                problems[index].filepath = info.file?.filepath
            }
        }
        return problems
    }
}

extension Migrator {
    public func validate() throws -> ValidateResult {
        let (session, resolved) = try openSessionWithMigrations()
        let problems: [ValidationProblem]
        do {
            try runCallbacks(.beforeValidate, session)
            let rows = try readHistory(session) ?? []
            problems = try validationProblems(try status(resolved, rows, session), allowPending: false)
        } catch {
            runErrorCallbacks(.afterValidateError, session)
            throw error
        }
        // Problems found are a failed validation too: its error callbacks run.
        if problems.isEmpty { try runCallbacks(.afterValidate, session) } else { runErrorCallbacks(.afterValidateError, session) }
        let invalid = problems.map {
            ValidateResult.InvalidMigration(version: $0.version, description: $0.description, filepath: $0.filepath,
                                            errorDetails: ErrorDetails(errorCode: $0.errorCode, errorMessage: $0.message))
        }
        let summary = problems.isEmpty ? nil : ErrorDetails(errorCode: "VALIDATE_ERROR",
                                                           errorMessage: MigrationError.validationFailed(problems).description)
        return ValidateResult(database: session.databaseName, schemaName: session.defaultSchema,
                              validationSuccessful: problems.isEmpty, validateCount: resolved.count,
                              errorDetails: summary, invalidMigrations: invalid)
    }

    /// The files and history rows matched up under this configuration's target and outOfOrder.
    func status(_ resolved: [MigrationFile], _ rows: [AppliedMigration], _ session: Session) throws -> MigrationStatus {
        MigrationStatus(resolved: resolved, applied: rows, undoFiles: session.undoFiles, target: try target(),
                        outOfOrder: configuration.outOfOrder, baselineMigrationChoice: onlyApplying?.baselineMigrationChoice ?? .newest)
    }

    /// Refuses a history with a failed row, naming it and `invalidIndexes()`.
    func refuseFailedMigration(_ status: MigrationStatus, invalidIndexes: () throws -> [InvalidIndex]) throws {
        guard let failed = status.entries.first(where: { $0.state.isFailed }) else { return }
        throw MigrationError.failedMigrationInHistory(failed.version.map { "version \($0) (\(failed.description))" } ?? failed.description,
                                                      invalidIndexes: try invalidIndexes())
    }

    /// What must hold before a command writes migrations (migrate, undo): no failed migration in the
    /// history, a version target that exists (unless `target=<version>?`), and, with validateOnMigrate,
    /// applied migrations that match their files.
    /// Returns whether validation ran (validateOnMigrate), for its callbacks.
    @discardableResult
    func checkBeforeWriting(_ status: MigrationStatus, target: MigrationTarget, resolved: [MigrationFile], rows: [AppliedMigration],
                            session: Session) throws -> Bool {
        // What a failed or interrupted concurrent index build left is named with the statement that drops it.
        try refuseFailedMigration(status, invalidIndexes: session.invalidIndexes)
        if case .version(let version) = target, !configuration.targetMayBeMissing,
           !resolved.contains(where: { $0.version == version }), !rows.contains(where: { $0.version == version }) {
            throw MigrationError.targetNotFound(version.text)
        }
        guard configuration.validateOnMigrate else { return false }
        let problems = try validationProblems(status, allowPending: true)
        if !problems.isEmpty {
            // Flyway validates with its callbacks: they run, and the error one, before the failure.
            try runCallbacks(.beforeValidate, session)
            runErrorCallbacks(.afterValidateError, session)
            throw MigrationError.validationFailed(problems)
        }
        return true
    }

    func validationProblems(_ status: MigrationStatus, allowPending: Bool) throws -> [ValidationProblem] {
        status.validationProblems(allowPending: allowPending, ignore: configuration.ignorePatterns)
    }

    func target() throws -> MigrationTarget {
        try configuration.migrationTarget
    }
}
