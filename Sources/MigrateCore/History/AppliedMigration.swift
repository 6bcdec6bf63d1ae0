import PostgresClient
import FoundationEssentials
import Glibc

/// One row of the schema history table.
public struct AppliedMigration: Sendable, Equatable {
    /// Row types Flyway writes; migrate writes SQL, BASELINE, SCHEMA, DELETE and UNDO_SQL (Flyway Teams'
    /// row for an undo: the U file's description, script and checksum, at the version it reverted).
    public enum RowType: String, Sendable {
        case sql = "SQL", baseline = "BASELINE", schema = "SCHEMA", delete = "DELETE", undoSQL = "UNDO_SQL"
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
    public var isUndo: Bool { type == RowType.undoSQL.rawValue }
    public var isRepeatable: Bool { versionText == nil && !isSchemaMarker }

    /// The schemas a SCHEMA row says migrate (or Flyway) created: its script, `"a","B c"`, read as names.
    var createdSchemas: [String] {
        guard isSchemaMarker else { return [] }
        var names: [String] = [], current = "", quoted = false
        for character in script {
            if character == "\"" { quoted.toggle() }
            if character == ",", !quoted {
                names.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { names.append(current) }
        return names.map(Self.unquotedIdentifier)
    }

    private static func unquotedIdentifier(_ text: String) -> String {
        var value = text.trimmingBlanks()
        if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
            value = String(value.dropFirst().dropLast()).replacing("\"\"", with: "\"")
        }
        return value
    }
}

extension AppliedMigration.RowType {
    /// The type of the row that records a run of `file`.
    init(recording file: MigrationFile) {
        self = file.isUndo ? .undoSQL : file.isBaselineMigration ? .sqlBaseline : .sql
    }
}
