import FoundationEssentials
import Glibc

/// One row of the schema history table.
public struct AppliedMigration: Sendable, Equatable {
    /// Row types Flyway writes; migrate writes SQL, BASELINE, SCHEMA and DELETE.
    public enum RowType: String, Sendable {
        case sql = "SQL", baseline = "BASELINE", schema = "SCHEMA", delete = "DELETE"
        /// A `B` file applied to an empty database (Flyway Teams' name).
        case sqlBaseline = "SQL_BASELINE"
    }

    public var installedRank: Int
    /// nil for repeatable migrations and SCHEMA rows.
    public var version: MigrationVersion?
    public var versionText: String?
    public var description: String
    public var type: String
    public var script: String
    public var checksum: Int32?
    public var installedBy: String
    public var installedOn: String
    public var executionTime: Int
    public var success: Bool

    public var isBaseline: Bool { type == RowType.baseline.rawValue || type == RowType.sqlBaseline.rawValue }
    public var isSchemaMarker: Bool { type == RowType.schema.rawValue }
    public var isDeleted: Bool { type == RowType.delete.rawValue }
    public var isRepeatable: Bool { versionText == nil && !isSchemaMarker }
}
