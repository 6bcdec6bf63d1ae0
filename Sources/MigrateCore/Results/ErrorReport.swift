import PostgresClient

/// Any error a command throws, as Flyway's JSON `error` object: a code from Flyway's `ErrorCode` names where
/// one fits, the server's SQLSTATE, the message, and the file and line it concerns.
public struct ErrorReport: Sendable, Encodable {
    public var errorCode: String
    public var sqlState: String?
    public var message: String
    public var path: String?
    public var lineNumber: Int?
    public var column: Int?

    public init(errorCode: String, message: String) {
        self.errorCode = errorCode
        self.message = message
    }

    public init(_ error: any Error) {
        message = String(describing: error)
        errorCode = "ERROR"
        switch error {
        case let failure as PartialFailure:
            self = ErrorReport(failure.error)
        case let error as MigrationError:
            errorCode = error.errorCode
            var error = error
            while case .callbackFailed(_, let inner) = error { error = inner }
            switch error {
            case .statementFailed(let failure):
                sqlState = failure.error.sqlState?.rawValue
                path = failure.file; lineNumber = failure.line; column = failure.column
            case .migrationStepFailed(let failure):
                sqlState = failure.error.sqlState?.rawValue
                path = failure.file
            case .script(let script):
                path = script.file; lineNumber = script.line > 0 ? script.line : nil; column = script.column
            case .mixedTransactionality(let file, let line, _):
                path = file; lineNumber = line
            case .notTransactionalInGroup(let file, _), .unreadableFile(let file, _):
                path = file
            case .connectionFailed(_, let server, _, _), .database(let server, _):
                sqlState = server.sqlState?.rawValue
            default:
                break
            }
        case let conflict as LockConflictFailure:
            self = ErrorReport(conflict.cause)
            errorCode = "LOCK_CONFLICT"; message = conflict.description
        case let interrupted as Interrupted:
            if let cause = interrupted.cause { self = ErrorReport(cause) }
            errorCode = "INTERRUPTED"; message = interrupted.description; path = interrupted.file
        case let drift as DriftCheckError:
            if case .buildFailed(_, let cause) = drift { self = ErrorReport(cause); message = drift.description }
            errorCode = drift.errorCode
        case let script as SQLScriptError:
            path = script.file; lineNumber = script.line > 0 ? script.line : nil; column = script.column
        case is ConfigurationError:
            errorCode = "CONFIGURATION"
        case let error as NewMigrationError:
            errorCode = error.errorCode
            path = error.path
        case let lint as LintFailed:
            errorCode = "LINT_FAILED"
            path = lint.findings.first?.file; lineNumber = lint.findings.first?.line; column = lint.findings.first?.column
        case let seed as SeedError:
            errorCode = seed.errorCode
            path = seed.location?.path; lineNumber = seed.location?.line
            if case .loadFailed(_, _, let server, _) = seed { sqlState = server.sqlState?.rawValue }
        case is LockTimeout:
            errorCode = "LOCK_TIMEOUT"
        case let pooling as PoolingError:
            errorCode = pooling.errorCode
            path = pooling.file
        case let server as PostgresError:
            sqlState = server.sqlState?.rawValue
        default:
            break
        }
    }
}

extension MigrationError {
    /// Flyway's `ErrorCode` name for this failure (ours where Flyway has none).
    var errorCode: String {
        switch self {
        case .duplicateVersion(_, let undo, _): return undo ? "DUPLICATE_UNDO_MIGRATION" : "DUPLICATE_VERSIONED_MIGRATION"
        case .duplicateRepeatable: return "DUPLICATE_REPEATABLE_MIGRATION"
        case .connectionFailed: return "DB_CONNECTION"
        case .validationFailed: return "VALIDATE_ERROR"
        case .failedMigrationInHistory: return "FAILED_VERSIONED_MIGRATION"
        case .notAHistoryTable, .unknownHistoryRowType: return "INVALID_SCHEMA_HISTORY"
        case .unsupportedLocation, .missingLocation, .locationNotAFolder, .misnamedFiles, .cherryPickNotFound:
            return "CONFIGURATION"
        case .cleanDisabled: return "CLEAN_DISABLED"
        case .script, .unreadableFile, .mixedTransactionality, .notTransactionalInGroup: return "SCRIPT_ERROR"
        case .nonEmptySchemaWithoutHistory: return "NON_EMPTY_SCHEMA_WITHOUT_HISTORY"
        case .noDefaultSchema, .missingSchemas: return "SCHEMA_DOES_NOT_EXIST"
        case .baselineOnNonEmptyHistory: return "BASELINE_ON_NON_EMPTY_HISTORY"
        case .targetNotFound: return "TARGET_NOT_FOUND"
        case .undoFileMissing: return "UNDO_MIGRATION_NOT_FOUND"
        case .notUndoable: return "NOT_UNDOABLE"
        case .statementFailed, .migrationStepFailed, .database: return "ERROR"
        case .duplicateCallback: return "DUPLICATE_CALLBACK"
        case .misnamedCallbacks: return "INVALID_CALLBACK_NAME"
        case .callbackFailed(_, let inner): return inner.errorCode == "ERROR" ? "CALLBACK_ERROR" : inner.errorCode
        }
    }
}
