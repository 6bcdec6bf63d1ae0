import PostgresClient

/// Why a command could not do its job. Every case says what is wrong and where.
public enum MigrationError: Error, Sendable {
    case unreadableFile(path: String, reason: String)
    case duplicateVersion(String, undo: Bool, files: [String])
    case duplicateRepeatable(String, files: [String])
    case unsupportedLocation(String)
    case missingLocation(String)
    /// A location that names a file (or a device…), not a folder.
    case locationNotAFolder(String)
    case misnamedFiles([MisnamedFile])
    /// `retries`: how many times it was tried again (connectRetries); `hint`: the settings to check.
    case connectionFailed(target: String, error: PostgresError, retries: Int, hint: String?)
    case nonEmptySchemaWithoutHistory(schema: String, table: String, otherHistoryTables: [String])
    /// The history holds a failed migration; `invalidIndexes`: what failed concurrent index builds left.
    case failedMigrationInHistory(String, invalidIndexes: [InvalidIndex] = [])
    /// A table with the history table's name but not its columns.
    case notAHistoryTable(table: String, missing: [String], columns: [String])
    /// A history row of a type that neither Flyway nor migrate writes.
    case unknownHistoryRowType(table: String, rank: Int, version: String?, type: String)
    case validationFailed([ValidationProblem])
    case statementFailed(StatementFailure)
    /// One of migrate's own statements around a migration's failed (the session reset, BEGIN, its history
    /// row, COMMIT).
    case migrationStepFailed(MigrationStepFailure)
    case script(SQLScriptError)
    case mixedTransactionality(file: String, line: Int, statement: String)
    case notTransactionalInGroup(file: String, reason: String)
    case cleanDisabled
    case baselineOnNonEmptyHistory(schema: String, table: String)
    case targetNotFound(String)
    case cherryPickNotFound(String)
    /// `undo` would revert this version, but no U file of it was found.
    case undoFileMissing(version: String, description: String, locations: [String])
    case notUndoable(String, reason: String)
    case noDefaultSchema
    case missingSchemas([String])
    case database(PostgresError, while: String)
    /// Two callback files of the same event and description.
    case duplicateCallback(files: [String])
    /// Files named like callbacks that name no event.
    case misnamedCallbacks([MisnamedFile])
    /// A callback failed: the event, and what went wrong in its script.
    indirect case callbackFailed(CallbackEvent, MigrationError)
}

public struct MisnamedFile: Sendable, Equatable {
    public var path: String
    public var reason: String
}

/// A statement of a migration that the server rejected, located in its file.
public struct StatementFailure: Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    /// Line where the failing statement starts, and its first line of text.
    public var statementLine: Int
    public var statementStart: String
    public var error: PostgresError
    /// What the failure left of the migration (or callback).
    public var outcome: MigrationOutcome = .rolledBack
    /// A callback's statement: nothing is recorded in the history for it.
    public var inCallback = false
}

extension MigrationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): \(reason)"
        case .duplicateVersion(let version, let undo, let files):
            return "Found more than one \(undo ? "undo " : "")migration with version \(version):\n" + files.map { "  -> \($0)" }.joined(separator: "\n")
        case .duplicateRepeatable(let description, let files):
            return "Found more than one repeatable migration with description '\(description)':\n" + files.map { "  -> \($0)" }.joined(separator: "\n")
        case .unsupportedLocation(let location):
            return "location '\(location)' is not supported: use a directory, optionally prefixed with 'filesystem:'"
        case .missingLocation(let location):
            return "location '\(location)' does not exist"
        case .locationNotAFolder(let location):
            return "location '\(location)' is a file, not a folder: a location names the folder that holds the migrations"
        case .misnamedFiles(let files):
            return "\(files.count) file(s) are not valid migration names (validateMigrationNaming=true):\n"
                + files.map { "  \($0.path): \($0.reason)" }.joined(separator: "\n")
        case .connectionFailed(let target, let error, let retries, let hint):
            var text = "cannot connect to \(target)"
            if retries > 0 { text += " (gave up after \(retries) \(retries == 1 ? "retry" : "retries"))" }
            text += ": \(error.message)"
            if let sqlState = error.sqlState { text += " (SQLSTATE \(sqlState.rawValue))" }
            if let hint { text += "\n  HINT: \(hint)" }
            return text
        case .nonEmptySchemaWithoutHistory(let schema, let table, let others):
            var text = "Found non-empty schema \"\(schema)\" without schema history table \"\(table)\". "
                + "Run 'baseline' to adopt this database at baselineVersion, or set baselineOnMigrate=true."
            if !others.isEmpty {
                text += "\nA history table exists as \(others.joined(separator: ", ")): is the 'table' (or 'schemas') setting right?"
            }
            return text
        case .notAHistoryTable(let table, let missing, let columns):
            return "\(table) is not a schema history table: it has no column \(missing.joined(separator: ", ")) "
                + "(its columns: \(columns.joined(separator: ", "))). It belongs to something else: set 'table' (or 'schemas') "
                + "to where migrate keeps its history."
        case .unknownHistoryRowType(let table, let rank, let version, let type):
            return "\(table) has a row of type '\(type)' (installed_rank \(rank)\(version.map { ", version \($0)" } ?? "")), "
                + "a type that neither Flyway nor migrate writes: the table was written by another tool or a newer "
                + "version, and migrate will not guess what the row means. Nothing was changed."
        case .failedMigrationInHistory(let what, let invalidIndexes):
            return "Schema history contains a failed migration (\(what)). Remove any half-completed changes, then run 'repair'."
                + (invalidIndexes.isEmpty ? "" : "\n  " + InvalidIndex.advice(invalidIndexes))
        case .validationFailed(let problems):
            return "Validate failed: migrations have failed validation\n" + problems.map { "  " + $0.message.replacing("\n", with: "\n    ") }.joined(separator: "\n")
        case .statementFailed(let failure):
            return failure.description
        case .migrationStepFailed(let failure):
            return failure.description
        case .script(let error):
            return error.description
        case .mixedTransactionality(let file, let line, let statement):
            return "\(file):\(line): detected both transactional and non-transactional statements in the same migration (mixed is false): \(statement)\n"
                + "  Split the file, set mixed=true, or add a \(file.split(separator: "/").last ?? "").conf with executeInTransaction=false."
        case .notTransactionalInGroup(let file, let reason):
            return "\(file) cannot be part of a migration group (group=true): \(reason). Nothing of the group was applied; run it with group=false."
        case .cleanDisabled:
            return "clean is disabled (cleanDisabled=true, the default) so a production database cannot be wiped by mistake. Set cleanDisabled=false for development and CI databases."
        case .baselineOnNonEmptyHistory(let schema, let table):
            return "cannot baseline: \"\(schema)\".\"\(table)\" already contains migrations"
        case .targetNotFound(let target):
            return "target version \(target) does not exist locally or in the history (append '?' to allow this)"
        case .noDefaultSchema:
            return "the connection has no current schema (its search_path is empty): set defaultSchema or schemas"
        case .missingSchemas(let names):
            return "schema\(names.count == 1 ? "" : "s") \(names.map { "\"\($0)\"" }.joined(separator: ", ")) do\(names.count == 1 ? "es" : "") not exist and createSchemas=false"
        case .cherryPickNotFound(let pick):
            return "cherryPick: no migration has version or description '\(pick)'"
        case .undoFileMissing(let version, let description, let locations):
            return "Unable to undo migration to version \(version) (\(description)): no undo migration of version \(version) was found in \(locations.joined(separator: ", ")). Nothing was undone."
        case .notUndoable(let what, let reason):
            return "Unable to undo \(what): \(reason). Nothing was undone."
        case .database(let error, let context):
            return "\(context): \(error)"
        case .duplicateCallback(let files):
            return "Found more than one SQL callback script with the same event and description:\n" + files.map { "  -> \($0)" }.joined(separator: "\n")
        case .misnamedCallbacks(let files):
            return "\(files.count) file(s) look like SQL callbacks but name no callback event (they would never run):\n"
                + files.map { "  \($0.path): \($0.reason)" }.joined(separator: "\n")
        case .callbackFailed(let event, let error):
            return "Error while executing \(event.rawValue) callback: \(error)"
        }
    }
}

extension StatementFailure: CustomStringConvertible {
    public var description: String {
        var text = "\(file):\(line):\(column): \(error.message)"
        if let state = error.sqlState { text += " (SQLSTATE \(state.rawValue))" }
        if let detail = error.detail { text += "\n  DETAIL: \(detail.replacing("\n", with: "\n    "))" }
        if let hint = error.hint { text += "\n  HINT: \(hint.replacing("\n", with: "\n    "))" }
        if let context = error.context, !context.isEmpty { text += "\n  CONTEXT: \(context.replacing("\n", with: "\n    "))" }
        text += "\n  statement starting at line \(statementLine): \(statementStart)"
        return text + "\n  " + outcome.explanation(subject: inCallback ? "callback" : "migration", connectionLost: error.connectionLost)
    }
}

/// One of migrate's own statements sent around a migration's failed: what it was for, and what the failure
/// left of the migration.
public struct MigrationStepFailure: Sendable, CustomStringConvertible {
    public var file: String
    /// "committing sql/V2__x.sql", "recording sql/V2__x.sql in the schema history"…
    public var purpose: String
    public var error: PostgresError
    public var outcome: MigrationOutcome

    public var description: String {
        "\(purpose): \(error)\n  " + outcome.explanation(subject: "migration", connectionLost: false)
    }
}
