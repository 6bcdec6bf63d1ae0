/// What a command returns: typed values with Flyway's JSON field names (`-outputType=json` encodes them
/// as they are), which the text reporter turns into Flyway's sentences.
public protocol CommandResult: Encodable, Sendable {
    /// `migrate`, `info`, … (Flyway's `operation` field).
    var operation: String { get }
    /// Filled in by the reporter with the warnings the command emitted.
    var warnings: [String] { get set }
}

/// One migration as Flyway's JSON lists it after `migrate`, `repair` or `validate`.
public struct MigrationSummary: Sendable, Encodable, Equatable {
    /// `Versioned` or `Repeatable`.
    public var category: String
    public var version: String?
    public var description: String
    public var type: String
    /// The script's path as the history table stores it (relative to its location).
    public var script: String
    /// The file's absolute path.
    public var filepath: String
    /// Milliseconds; 0 when nothing ran (dry run, repair).
    public var executionTime: Int

    init(category: String, version: String?, description: String, type: String = "SQL", script: String, filepath: String,
         executionTime: Int = 0) {
        self.category = category; self.version = version; self.description = description; self.type = type
        self.script = script; self.filepath = filepath; self.executionTime = executionTime
    }

    /// A history row with no file (removed or deleted by repair): its script stands for the path.
    init(_ row: AppliedMigration) {
        self.init(category: row.isRepeatable ? "Repeatable" : "Versioned", version: row.versionText,
                  description: row.description, type: row.type, script: row.script, filepath: row.script)
    }

    init(_ file: MigrationFile, executionTime: Int = 0) {
        self.init(category: file.isUndo ? "Undo" : file.isRepeatable ? "Repeatable" : "Versioned", version: file.version?.text,
                  description: file.description, type: AppliedMigration.RowType(recording: file).rawValue, script: file.script,
                  filepath: file.filepath, executionTime: executionTime)
    }
}

/// What `migrate` did (or, in a dry run, would do).
public struct MigrateResult: CommandResult {
    public var operation = "migrate"
    public var database: String
    public var databaseType = "PostgreSQL"
    public var schemaName: String
    /// Highest applied version before and after the run.
    public var initialSchemaVersion: String?
    public var targetSchemaVersion: String?
    /// Applied in this run (a failed run lists those applied before the failure).
    public var migrations: [MigrationSummary] { didSet { migrationsExecuted = migrations.count } }
    /// Always `migrations.count` (Flyway's field; kept by `migrations`).
    public private(set) var migrationsExecuted = 0
    public var success: Bool
    /// The history table was created with a baseline row (baselineOnMigrate).
    public var baselined: Bool
    public var baselineVersion: String?
    public var dryRun: Bool
    public var warnings: [String] = []
}

/// One line of `info`.
public struct InfoMigration: Sendable, Encodable {
    public var category: String
    public var version: String?
    public var rawVersion: String?
    public var description: String
    public var type: String
    public var script: String
    public var filepath: String?
    public var installedOnUTC: String?
    public var installedBy: String?
    public var installedRank: Int?
    public var executionTime: Int?
    public var state: MigrationState
    /// Flyway's `Undoable` column: `Yes`, `No`, or blank where it does not apply (repeatables, undo rows,
    /// undone rows); see `MigrationStatus.undoability`.
    public var undoable: String
    /// The U file that reverts this migration, when `undoable` is `Yes`.
    public var undoFilepath: String?
}

/// What `info` shows.
public struct InfoResult: CommandResult {
    public var operation = "info"
    public var database: String
    public var schemaName: String
    public var historyTable: String
    public var historyExists: Bool
    public var schemaVersion: String?
    public var allSchemasEmpty: Bool
    public var migrations: [InfoMigration]
    public var warnings: [String] = []
}

/// What `undo` reverted (or, in a dry run, would revert).
public struct UndoResult: CommandResult {
    public var operation = "undo"
    public var database: String
    public var schemaName: String
    /// Highest applied version before and after the run.
    public var initialSchemaVersion: String?
    public var targetSchemaVersion: String?
    /// Reverted in this run, in order, each by its U file (a failed run lists those reverted before the failure).
    public var undoneMigrations: [MigrationSummary] { didSet { migrationsUndone = undoneMigrations.count } }
    /// Always `undoneMigrations.count` (Flyway's field).
    public private(set) var migrationsUndone = 0
    public var dryRun: Bool
    public var warnings: [String] = []
}

/// Flyway's `errorDetails`.
public struct ErrorDetails: Sendable, Encodable, Equatable {
    public var errorCode: String
    public var errorMessage: String
}

/// What `validate` found.
public struct ValidateResult: CommandResult {
    public struct InvalidMigration: Sendable, Encodable, Equatable {
        public var version: String?
        public var description: String
        public var filepath: String?
        public var errorDetails: ErrorDetails
    }
    public var operation = "validate"
    public var database: String
    public var schemaName: String
    public var validationSuccessful: Bool
    public var validateCount: Int
    public var errorDetails: ErrorDetails?
    public var invalidMigrations: [InvalidMigration]
    public var warnings: [String] = []
}

/// What `clean` removed (or would remove).
public struct CleanResult: CommandResult {
    public var operation = "clean"
    public var database: String
    /// Schemas emptied of every object.
    public var schemasCleaned: [String]
    /// Schemas dropped entirely because migrate (or Flyway) created them.
    public var schemasDropped: [String]
    public var objectsDropped: Int
    public var dryRun: Bool
    public var warnings: [String] = []
}

/// What `baseline` did.
public struct BaselineResult: CommandResult {
    public var operation = "baseline"
    public var database: String
    public var schemaName: String
    public var successfullyBaselined: Bool
    public var baselineVersion: String
    public var baselineDescription: String
    /// True when the history already held this same baseline (nothing written).
    public var alreadyBaselined: Bool
    public var dryRun: Bool
    public var warnings: [String] = []
}

/// What `repair` changed (or would change).
public struct RepairResult: CommandResult {
    public var operation = "repair"
    public var database: String
    public var schemaName: String
    /// Flyway's names: REMOVED_FAILED_MIGRATIONS, ALIGNED_APPLIED_MIGRATION_CHECKSUMS, MARKED_APPLIED_MIGRATIONS_AS_DELETED.
    public var repairActions: [String]
    public var migrationsRemoved: [MigrationSummary]
    public var migrationsDeleted: [MigrationSummary]
    public var migrationsAligned: [MigrationSummary]
    public var dryRun: Bool
    public var warnings: [String] = []
}

/// A command that failed after doing part of its work: the result so far and why it stopped.
public struct PartialFailure: Error, Sendable, CustomStringConvertible {
    public var result: any CommandResult
    public var error: any Error
    public var description: String { String(describing: error) }

    public init(result: any CommandResult, error: any Error) {
        self.result = result
        self.error = error
    }
}
