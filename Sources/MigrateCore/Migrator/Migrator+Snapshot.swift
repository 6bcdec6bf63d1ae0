import FoundationEssentials
import Glibc
import PostgresClient

extension Migrator {
    /// `snapshot`: writes the data of the configured schemas to `<seedLocation>/v<version>/`, tagged with
    /// the database's schema version: one CSV file per table, streamed with COPY … TO STDOUT inside one
    /// repeatable-read, read-only transaction (every table seen at the same moment), and a manifest. The
    /// files go to a temporary folder renamed into place at the end, so a failure leaves nothing behind.
    public func snapshot() throws -> SnapshotResult {
        let (session, resolved) = try openSessionWithMigrations()
        let connection = session.connection
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \(Self.snapshotDataFormat)")
        defer { _ = try? connection.execute("ROLLBACK") }
        let created = try connection.query(#"SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#).rows.first?.first ?? nil

        // The version: a failed row means the schema is not at any version a snapshot could name.
        guard let rows = try readHistory(session) else { throw SeedError.noSchemaVersion(table: session.history.quotedName) }
        let status = try status(resolved, rows, session)
        try refuseFailedMigration(status, invalidIndexes: { [] })
        guard let version = status.currentVersion else { throw SeedError.noSchemaVersion(table: session.history.quotedName) }
        let versionText = rows.last { $0.version == version && $0.success }?.versionText ?? version.text
        let pending = status.pending.filter { !$0.isRepeatable }.count
        if pending > 0 {
            warn("SNAPSHOT_PENDING", "\(pending) migration\(pending == 1 ? " is" : "s are") pending: the snapshot is of the database as it is, at version \(versionText)")
        }

        let catalog = try DataTables.read(connection, schemas: session.schemas, defaultSchema: session.defaultSchema)
        let plan = try SnapshotPlan(catalog, history: session.history.table, configuration: configuration)
        if !plan.cycles.isEmpty {
            warn("SNAPSHOT_CYCLE", "foreign keys form a cycle through \(plan.cycles.joined(separator: ", ")): seed loads it in the manifest's order, "
                 + "with deferrable foreign keys checked at commit")
        }
        let shelf = SnapshotShelf(configuration: configuration)
        let (folder, display) = shelf.folder(forVersion: versionText)
        let exists = FileSystem.kind(of: folder) != nil
        if exists && !configuration.snapshotReplace { throw SeedError.snapshotExists(folder: display) }

        var manifest = SnapshotManifest(schemaVersion: version, versionText: versionText, created: created, tables: plan.entries.map(\.table.label))
        manifest.excluded = plan.excluded
        let partial = shelf.path + "/.v\(versionText).partial-\(getpid())"
        var result = SnapshotResult(database: session.databaseName, schemaName: session.defaultSchema, schemaVersion: versionText,
                                    folder: display, created: created ?? "", tables: [], excludedTables: plan.excluded,
                                    pendingMigrations: pending, replaced: exists)
        do {
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        } catch {
            throw SeedError.writeFailed(path: shelf.displayPath, reason: "the folder cannot be created")
        }
        do {
            for entry in plan.entries {
                let rows = try write(entry, to: partial + "/" + entry.table.label + ".csv", connection)
                manifest.rows[entry.table.label] = rows
                if !entry.masked.isEmpty { manifest.masked[entry.table.label] = entry.masked }
                result.tables.append(.init(table: entry.table.label, rows: rows, file: display + "/" + entry.table.label + ".csv", masked: entry.masked))
            }
            try writeFile(partial + "/" + SnapshotManifest.fileName, Array(manifest.text.utf8), display: display + "/" + SnapshotManifest.fileName)
            try moveIntoPlace(partial, folder, display: display, replacing: exists)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return result
    }

    /// How dates and intervals are written and read, whatever the server's defaults: the files of a snapshot
    /// taken on one server load on another (timestamps carry their offset).
    static let snapshotDataFormat = "SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'"

    /// Streams one table into `path`; returns its row count (from COPY's command tag).
    private func write(_ entry: SnapshotPlan.Entry, to path: String, _ connection: Connection) throws -> Int {
        let copy: QueryResult
        do {
            copy = try FileSystem.createNewFile(path) { descriptor in
                try connection.copyOut(SnapshotPlan.copyStatement(entry, connection)) { chunk in
                    try FileSystem.write(chunk, to: descriptor, path: path)
                }
            }
        } catch let error as PostgresError {
            throw MigrationError.database(error, while: "reading table \(entry.table.label)")
        } catch let error as FileSystemError {
            throw SeedError.writeFailed(path: path, reason: error.reason)
        }
        return copy.affectedRows ?? 0
    }

    private func writeFile(_ path: String, _ bytes: [UInt8], display: String) throws {
        do {
            try FileSystem.createNewFile(path, bytes: bytes)
        } catch let error as FileSystemError {
            throw SeedError.writeFailed(path: display, reason: error.reason)
        }
    }

    /// Renames the finished folder to its name; an older one of that version is moved aside first and
    /// removed once the new one is in place.
    private func moveIntoPlace(_ partial: String, _ folder: String, display: String, replacing: Bool) throws {
        let aside = partial.replacing(".partial-", with: ".old-")
        if replacing, rename(folder, aside) != 0 {
            throw SeedError.writeFailed(path: display, reason: "the existing folder cannot be moved aside: \(String(cString: strerror(errno)))")
        }
        guard rename(partial, folder) == 0 else {
            let reason = String(cString: strerror(errno))
            if replacing { _ = rename(aside, folder) }
            throw SeedError.writeFailed(path: display, reason: reason)
        }
        if replacing { try? FileManager.default.removeItem(atPath: aside) }
    }
}
