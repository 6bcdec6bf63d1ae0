/// What `check` found, in Flyway's shape: one report per mode in `individualResults` (migrate has `-drift`).
public struct CheckResult: CommandResult {
    public var operation = "check"
    public var database: String
    public var individualResults: [DriftReport]
    public var warnings: [String] = []

    /// Whether any report found drift.
    public var driftDetected: Bool { individualResults.contains(where: \.driftDetected) }
}

/// `check -drift`: the target database compared with a database built from the migrations it has applied.
/// "Source" is that build (what the migrations give), "target" the database itself, as in Flyway.
public struct DriftReport: Sendable, Encodable {
    public var operation = "drift"
    /// The target database.
    public var database: String
    /// When the comparison was made, UTC.
    public var timestamp: String
    /// The schemas compared (extensions are compared database-wide).
    public var schemas: [String]
    /// Where the expected schema was built, and whether migrate created that database for the check (and dropped it).
    public var buildDatabase: String
    public var buildDatabaseTemporary: Bool
    /// The migrations applied to the build database: versions, and repeatables' descriptions (Flyway's migration ids).
    public var appliedMigrations: [String]
    /// Objects the migrations create that the database lacks.
    public var onlyInSource: [DriftedObject]
    /// Objects in the database that the migrations do not create.
    public var onlyInTarget: [DriftedObject]
    /// Objects on both sides whose definitions differ.
    public var differences: [DriftedObject]
    public var driftDetected: Bool
    public var objectsCompared: Int
    public var onlyInSourceCount: Int
    public var onlyInTargetCount: Int
    public var differencesCount: Int

    init(database: String, timestamp: String, schemas: [String], buildDatabase: String, buildDatabaseTemporary: Bool,
         appliedMigrations: [String], comparison: SchemaComparison) {
        self.database = database; self.timestamp = timestamp; self.schemas = schemas
        self.buildDatabase = buildDatabase; self.buildDatabaseTemporary = buildDatabaseTemporary
        self.appliedMigrations = appliedMigrations
        onlyInSource = comparison.onlyInSource
        onlyInTarget = comparison.onlyInTarget
        differences = comparison.differences
        objectsCompared = comparison.objectsCompared
        onlyInSourceCount = onlyInSource.count
        onlyInTargetCount = onlyInTarget.count
        differencesCount = differences.count
        driftDetected = !(onlyInSource.isEmpty && onlyInTarget.isEmpty && differences.isEmpty)
    }
}

/// One object that drifted, with Flyway's fields. `definitionBefore` is what the migrations create (absent for
/// an object only in the database), `definitionAfter` what the database has (absent for one it lacks).
public struct DriftedObject: Sendable, Encodable, Equatable {
    public var name: String
    /// nil for what belongs to the whole database (extensions).
    public var schema: String?
    public var objectType: String
    public var definitionBefore: String?
    public var definitionAfter: String?

    /// `table public.orders`, `extension pgcrypto`, `grant TABLE public.orders TO app_reader`.
    public var label: String {
        objectType == "Grant" ? "grant \(name)" : "\(objectType.lowercased()) \(schema.map { "\($0)." } ?? "")\(name)"
    }
}
