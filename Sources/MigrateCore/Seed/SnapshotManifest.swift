import FoundationEssentials
import PostgresClient

/// A snapshot's `manifest`: `key=value` lines, `#` comments. The schema version the data was taken at,
/// when, the tables in load order (parents first) with their row counts, and what was masked or left out.
/// Never holds a url, a user or a password.
struct SnapshotManifest: Sendable, Equatable {
    var schemaVersion: MigrationVersion
    /// As the history table writes it (`006`): the folder is named `v<versionText>`.
    var versionText: String
    /// UTC, `2026-11-30T12:00:00Z`; nil in a hand-written manifest.
    var created: String?
    var description: String?
    /// Load order: parents before children.
    var tables: [String]
    var rows: [String: Int] = [:]
    /// Columns written as hashes, by table.
    var masked: [String: [String]] = [:]
    var excluded: [String] = []

    static let fileName = "manifest"

    /// The manifest's text.
    var text: String {
        var lines = [
            "# Data snapshot written by migrate snapshot; migrate seed reads it.",
            "# schema_version: the highest applied migration when the data was taken; seed loads it at exactly that",
            "#   version, then migrates the rest. tables: load order (parents before children, from foreign keys);",
            "#   each table's data is <table>.csv, CSV with a header line naming its columns (empty unquoted = NULL).",
            "# rows.<table>: its row count. masked.<table>: columns written as hashes of their values (secrets never",
            "#   leave the database). excluded: tables left out.",
            "schema_version=\(versionText)",
        ]
        if let created { lines.append("created=\(created)") }
        if let description { lines.append("description=\(description)") }
        lines.append("tables=\(tables.joined(separator: " "))")
        for table in tables { if let count = rows[table] { lines.append("rows.\(table)=\(count)") } }
        for table in tables { if let columns = masked[table], !columns.isEmpty { lines.append("masked.\(table)=\(columns.joined(separator: ","))") } }
        if !excluded.isEmpty { lines.append("excluded=\(excluded.joined(separator: " "))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses `text`, the manifest at `path` (for messages). Unknown keys are errors: a typo would otherwise
    /// drop what it meant to say.
    init(parsing text: String, path: String) throws(SeedError) {
        var version: String?
        var tables: [String]?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmed()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw SeedError.manifest(path: path, line: index + 1, "expected key=value, got '\(line)'")
            }
            let key = String(line[..<equals]).trimmed()
            let value = String(line[line.index(after: equals)...]).trimmed()
            switch key {
            case "schema_version": version = value
            case "created": created = value
            case "description": description = value
            case "tables": tables = value.split(separator: " ").map(String.init)
            case "excluded": excluded = value.split(separator: " ").map(String.init)
            case _ where key.hasPrefix("rows."):
                guard let count = Int(value), count >= 0 else {
                    throw SeedError.manifest(path: path, line: index + 1, "\(key) must be a row count, got '\(value)'")
                }
                rows[String(key.dropFirst("rows.".count))] = count
            case _ where key.hasPrefix("masked."):
                masked[String(key.dropFirst("masked.".count))] = value.split(separator: ",").map(String.init)
            default:
                throw SeedError.manifest(path: path, line: index + 1, "unknown key '\(key)' (expected schema_version, created, "
                    + "description, tables, rows.<table>, masked.<table>, excluded)")
            }
        }
        guard let version, let parsed = MigrationVersion(version) else {
            throw SeedError.manifest(path: path, line: nil, "no schema_version=<version> line (the version the data was taken at)")
        }
        guard let tables, !tables.isEmpty else {
            throw SeedError.manifest(path: path, line: nil, "no tables=<table> <table>… line (the tables in load order)")
        }
        schemaVersion = parsed
        versionText = version
        self.tables = tables
    }

    init(schemaVersion: MigrationVersion, versionText: String, created: String?, tables: [String]) {
        self.schemaVersion = schemaVersion
        self.versionText = versionText
        self.created = created
        self.tables = tables
    }
}
