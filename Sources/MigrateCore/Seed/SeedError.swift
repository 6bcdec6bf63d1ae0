import PostgresClient

/// Why `snapshot` or `seed` stopped. Each case says what is wrong, where (file:line when there is a file),
/// and what to do; nothing was written when it is thrown, unless the message says what was.
public enum SeedError: Error, Sendable, CustomStringConvertible {
    /// A snapshot setting names something that is not there (`setting` is how the message names it).
    case setting(String)
    /// The database has no applied version to tag a snapshot with.
    case noSchemaVersion(table: String)
    case snapshotExists(folder: String)
    case unsafeTableName(String)
    case manifest(path: String, line: Int?, String)
    case missingFile(path: String, table: String)
    case badHeader(path: String, String)
    /// No snapshot under the seed location fits: `limit` is the newest version seed may load.
    case noSnapshot(folder: String, limit: String?, available: [String])
    case snapshotNotFound(String, folder: String)
    case snapshotTooNew(folder: String, version: String, limit: String)
    case databaseNewer(databaseVersion: String, folder: String, snapshotVersion: String)
    case dataPresent(tables: [String])
    case unknownTable(path: String, table: String, version: String)
    case unknownColumn(path: String, table: String, column: String, generated: Bool)
    case loadFailed(path: String, line: Int?, PostgresError, migratedTo: String?)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .setting(let message):
            return message
        case .noSchemaVersion(let table):
            return "snapshot: \(table) has no applied migration, so there is no schema version to tag the data with: run migrate first"
        case .snapshotExists(let folder):
            return "snapshot: \(folder) already exists; -snapshot.replace=true overwrites it"
        case .unsafeTableName(let name):
            return "snapshot: table \"\(name)\" cannot be named in a manifest (it holds white space, '/' or '='); leave it out with -snapshot.exclude"
        case .manifest(let path, let line, let message):
            return "\(path)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .missingFile(let path, let table):
            return "\(path): missing; the manifest lists table \(table), whose data this file holds"
        case .badHeader(let path, let message):
            return "\(path):1: \(message)"
        case .noSnapshot(let folder, let limit, let available):
            let what = limit.map { "no snapshot in \(folder) is for version \($0) or older (the newest migration, or target)" }
                ?? "no snapshot in \(folder)"
            return "seed: " + what + (available.isEmpty ? "; take one with migrate snapshot" : "; found: \(available.joined(separator: ", "))")
        case .snapshotNotFound(let name, let folder):
            return "seed.snapshot: no snapshot '\(name)' (a folder with a manifest, under \(folder) or a path)"
        case .snapshotTooNew(let folder, let version, let limit):
            return "seed: \(folder) is for version \(version), newer than the newest migration to load it under (\(limit)); "
                + "a snapshot loads only into the schema it was taken from"
        case .databaseNewer(let databaseVersion, let folder, let snapshotVersion):
            return "seed: the database is at version \(databaseVersion), newer than \(folder) (version \(snapshotVersion)): its data "
                + "does not fit this schema. Nothing was changed. Start from an empty database "
                + "(-cleanDisabled=false lets seed clean it first)"
                + ", then seed again; or take a snapshot at \(databaseVersion)"
        case .dataPresent(let tables):
            return "seed: \(tables.joined(separator: ", ")) already hold\(tables.count == 1 ? "s" : "") rows; nothing was changed. "
                + "-seed.replace=true empties the snapshot's tables first (TRUNCATE … CASCADE, in the load's transaction); "
                + "-cleanDisabled=false cleans the schemas first"
        case .unknownTable(let path, let table, let version):
            return "\(path): table \(table) does not exist at version \(version)"
        case .unknownColumn(let path, let table, let column, let generated):
            return "\(path):1: column \"\(column)\" " + (generated ? "of table \(table) is generated and cannot be loaded"
                                                          : "does not exist in table \(table)")
        case .loadFailed(let path, let line, let error, let migratedTo):
            var text = "\(path)\(line.map { ":\($0)" } ?? ""): \(error.message)"
            if let detail = error.detail { text += " (\(detail))" }
            text += "; the load was rolled back, no row was loaded"
            if let migratedTo { text += " (the database stays migrated to version \(migratedTo))" }
            return text
        case .writeFailed(let path, let reason):
            return "snapshot: cannot write \(path): \(reason); nothing was kept"
        }
    }

    /// The `errorCode` of the JSON `error` object.
    public var errorCode: String {
        switch self {
        case .setting: return "CONFIGURATION"
        case .manifest, .missingFile, .badHeader, .unknownTable, .unknownColumn: return "SNAPSHOT_INVALID"
        case .noSnapshot, .snapshotNotFound, .snapshotTooNew: return "SNAPSHOT_NOT_FOUND"
        case .dataPresent: return "SEED_DATA_PRESENT"
        case .databaseNewer: return "SEED_VERSION_MISMATCH"
        case .loadFailed: return "SEED_LOAD_FAILED"
        case .noSchemaVersion, .snapshotExists, .unsafeTableName, .writeFailed: return "SNAPSHOT_FAILED"
        }
    }

    /// The file the error concerns, and its line.
    public var location: (path: String, line: Int?)? {
        switch self {
        case .manifest(let path, let line, _): return (path, line)
        case .missingFile(let path, _): return (path, nil)
        case .badHeader(let path, _), .unknownColumn(let path, _, _, _): return (path, 1)
        case .unknownTable(let path, _, _): return (path, nil)
        case .loadFailed(let path, let line, _, _): return (path, line)
        default: return nil
        }
    }
}
