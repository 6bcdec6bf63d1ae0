/// What `snapshot` wrote.
public struct SnapshotResult: CommandResult {
    /// One table's file.
    public struct Table: Sendable, Encodable, Equatable {
        /// As the manifest names it: bare in the default schema, `schema.table` elsewhere.
        public var table: String
        public var rows: Int
        /// The file, relative to the working directory when below it.
        public var file: String
        /// Columns written as hashes.
        public var masked: [String]
    }
    public var operation = "snapshot"
    public var database: String
    public var schemaName: String
    /// The version the data was taken at (the folder is `v<version>`).
    public var schemaVersion: String
    public var folder: String
    /// UTC time the snapshot was taken, as the manifest writes it.
    public var created: String
    /// In load order.
    public var tables: [Table]
    public var excludedTables: [String]
    /// Migrations not applied to the database: the snapshot is of the applied ones only.
    public var pendingMigrations: Int
    /// An older snapshot of the same version was replaced (snapshot.replace).
    public var replaced: Bool
    public var warnings: [String] = []
}

/// What `seed` did: the migrations up to the snapshot's version, the load, the migrations after it.
public struct SeedResult: CommandResult {
    /// One table loaded.
    public struct Table: Sendable, Encodable, Equatable {
        public var table: String
        public var rows: Int
    }
    public var operation = "seed"
    public var database: String
    public var schemaName: String
    /// The snapshot folder loaded, relative to the working directory when below it.
    public var snapshot: String
    public var snapshotVersion: String
    /// The database's version before seed ran (nil: nothing applied).
    public var initialSchemaVersion: String?
    /// Applied to bring the database to `snapshotVersion` before the load.
    public var migrationsBefore: [MigrationSummary] = [] { didSet { migrationsExecuted = migrationsBefore.count + migrations.count } }
    /// Loaded, in load order; empty until the load committed.
    public var tables: [Table] = []
    /// Schemas cleaned first (the database did not fit the snapshot and cleanDisabled=false).
    public var cleanedSchemas: [String]
    /// The snapshot's tables were emptied first (seed.replace).
    public var replaced: Bool
    /// Applied after the load, over the loaded rows.
    public var migrations: [MigrationSummary] = [] { didSet { migrationsExecuted = migrationsBefore.count + migrations.count } }
    /// Every migration applied by this run, before and after the load.
    public private(set) var migrationsExecuted = 0
    public var targetSchemaVersion: String?
    public var success = false
    public var warnings: [String] = []
}
