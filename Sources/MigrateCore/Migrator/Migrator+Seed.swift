import FoundationEssentials
import Glibc
import PostgresClient

extension Migrator {
    /// `seed`: loads the newest snapshot whose version is not newer than the newest migration (or `target`),
    /// or `seed.snapshot`, so that data always meets the schema it was taken from: migrates to exactly the
    /// snapshot's version, loads it (one transaction), then migrates the rest over the loaded rows. The
    /// migration lock is held across the three steps. Everything that can be checked without the schema at
    /// the snapshot's version (manifest, files, headers, the database's version and rows) is checked first.
    public func seed() throws -> SeedResult {
        if dryRun != nil {
            throw SeedError.setting("dryRunOutput: seed loads data files, which a dry-run script cannot hold; "
                + "migrate -target=<version> -dryRunOutput=… shows the migrations it would run")
        }
        let shelf = SnapshotShelf(configuration: configuration)
        let named = try configuration.seedSnapshot.map { name throws(SeedError) in try shelf.named(name, configuration) }
        // The files are read once for seed's session and its steps (migrate before and after the load, clean).
        sharedScan = try resolvedScan()
        defer { sharedScan = nil }
        let (session, resolved) = try openSessionWithMigrations()
        sharedConnection = session.connection
        defer { sharedConnection = nil }
        return try withMigrateLock(session) { history in
            var status = try status(resolved, history ?? [], session)
            try refuseFailedMigration(status, invalidIndexes: session.invalidIndexes)
            let limit = try seedLimit(resolved, current: status.currentVersion)
            let snapshot = try named ?? newestSnapshot(shelf, limit: limit)
            let manifest = snapshot.manifest
            if let limit, manifest.schemaVersion > limit {
                throw SeedError.snapshotTooNew(folder: snapshot.displayPath, version: manifest.versionText, limit: limit.text)
            }
            let headers = try snapshot.checkedHeaders()
            let initialVersion = status.currentVersion?.text
            // A database the snapshot cannot go into as it is — newer than the snapshot, or holding rows that are
            // someone's data (rows the migrations below insert are in the snapshot too) — is refused, unless clean
            // is allowed: then its schemas are cleaned first, as `clean seed` would.
            var refusal: SeedError?
            if let current = status.currentVersion, current > manifest.schemaVersion {
                refusal = .databaseNewer(databaseVersion: current.text, folder: snapshot.displayPath, snapshotVersion: manifest.versionText)
            } else if !configuration.seedReplace {
                let filled = try tablesWithRows(manifest.tables, session)
                if !filled.isEmpty { refusal = .dataPresent(tables: filled) }
            }
            var cleaned: CleanResult?
            if let refusal {
                guard !configuration.cleanDisabled else { throw refusal }
                cleaned = try step(target: nil).clean()
                status = try self.status(resolved, [], session)
            }

            var result = SeedResult(database: session.databaseName, schemaName: session.defaultSchema, snapshot: snapshot.displayPath,
                                    snapshotVersion: manifest.versionText, initialSchemaVersion: initialVersion,
                                    cleanedSchemas: cleaned.map { $0.schemasCleaned + $0.schemasDropped } ?? [],
                                    replaced: configuration.seedReplace && cleaned == nil, targetSchemaVersion: status.currentVersion?.text)
            var loaded = false
            do {
                if status.currentVersion != manifest.schemaVersion {
                    let before = try step(target: manifest.versionText).migrate()
                    result.migrationsBefore = before.migrations
                }
                result.targetSchemaVersion = manifest.versionText
                result.tables = try load(snapshot, headers: headers, session,
                                         migratedTo: result.migrationsBefore.isEmpty ? nil : manifest.versionText)
                loaded = true
                let after = try step(target: configuration.target).migrate()
                result.migrations = after.migrations
                result.targetSchemaVersion = after.targetSchemaVersion
            } catch let failure as PartialFailure {
                if let migrate = failure.result as? MigrateResult {
                    if loaded { result.migrations = migrate.migrations } else { result.migrationsBefore = migrate.migrations }
                }
                throw PartialFailure(result: result, error: failure.error)
            } catch {
                throw PartialFailure(result: result, error: error)
            }
            result.success = true
            return result
        }
    }

    /// The newest version a snapshot may have: `target`'s, else the newest migration's (or the database's,
    /// when it is ahead of the files).
    private func seedLimit(_ resolved: [MigrationFile], current: MigrationVersion?) throws -> MigrationVersion? {
        switch try target() {
        case .version(let version): return version
        case .current: return current
        case .latest:
            return (resolved.filter { !$0.isRepeatable }.compactMap(\.version) + [current].compactMap { $0 }).max()
        }
    }

    private func newestSnapshot(_ shelf: SnapshotShelf, limit: MigrationVersion?) throws -> SnapshotFolder {
        var readable: [SnapshotFolder] = []
        for snapshot in shelf.snapshots() {
            switch snapshot {
            case .success(let folder): readable.append(folder)
            case .failure(let error): warn("SNAPSHOT_UNREADABLE", "skipped: \(error)")
            }
        }
        let fitting = readable.filter { folder in limit.map { folder.manifest.schemaVersion <= $0 } ?? false }
        guard let newest = fitting.max(by: { $0.manifest.schemaVersion < $1.manifest.schemaVersion }) else {
            throw SeedError.noSnapshot(folder: shelf.displayPath, limit: limit?.text,
                                       available: readable.map { "\($0.displayPath) (version \($0.manifest.versionText))" })
        }
        return newest
    }

    /// `seed`'s steps before and after the load: `migrate` with another target, on seed's connection.
    private func step(target: String?) -> Migrator {
        var configuration = self.configuration
        configuration.target = target
        let step = Migrator(configuration: configuration, traceStatements: traceStatements, onEvent: onEvent)
        step.sharedConnection = sharedConnection
        step.sharedScan = sharedScan
        return step
    }

    /// A manifest's table label as a schema and a name (a bare label is in the default schema).
    private func qualified(_ label: String, _ session: Session) -> (schema: String, name: String) {
        guard let dot = label.firstIndex(of: ".") else { return (session.defaultSchema, label) }
        return (String(label[..<dot]), String(label[label.index(after: dot)...]))
    }

    /// Those of `labels` that exist and hold at least one row: which exist in one query, which hold rows in another.
    private func tablesWithRows(_ labels: [String], _ session: Session) throws -> [String] {
        let connection = session.connection
        let quoted = labels.map { label in
            let (schema, name) = qualified(label, session)
            return connection.escapeIdentifier(schema) + "." + connection.escapeIdentifier(name)
        }
        let exists = try connection.query("SELECT to_regclass(t) IS NOT NULL FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
                                          [Connection.arrayLiteral(quoted)]).rows.map { $0.first == "t" }
        let present = labels.indices.filter { exists[$0] }
        guard !present.isEmpty else { return [] }
        let filled = try connection.query("SELECT " + present.map { "EXISTS (SELECT 1 FROM \(quoted[$0]))" }.joined(separator: ", "))
            .rows.first ?? []
        return present.enumerated().filter { filled[$0.offset] == "t" }.map { labels[$0.element] }
    }

    /// Loads every table of the snapshot in one transaction: foreign keys that can wait are checked at
    /// commit, user triggers are off (the snapshot holds what they wrote when the rows were made), the
    /// tables are emptied (TRUNCATE … CASCADE), each file goes in with COPY, then every identity or serial
    /// sequence of the tables is moved past the loaded ids.
    private func load(_ snapshot: SnapshotFolder, headers: [String: [String]], _ session: Session, migratedTo: String?) throws -> [SeedResult.Table] {
        let connection = session.connection
        let manifest = snapshot.manifest
        let manifestPath = snapshot.displayPath + "/" + SnapshotManifest.fileName
        let schemas = Array(Set(session.schemas + manifest.tables.map { qualified($0, session).schema })).sorted()
        let catalog = try DataTables.read(connection, schemas: schemas, defaultSchema: session.defaultSchema)
        var tables: [(table: DataTable, columns: [String])] = []
        for label in manifest.tables {
            guard let table = catalog.table(label) else {
                throw SeedError.unknownTable(path: manifestPath, table: label, version: manifest.versionText)
            }
            let columns = headers[label] ?? []
            for name in columns {
                let column = table.column(named: name)
                if column == nil || column!.isGenerated {
                    throw SeedError.unknownColumn(path: snapshot.displayFile(of: label), table: label, column: name, generated: column != nil)
                }
            }
            tables.append((table, columns))
        }
        let quoted = tables.map { $0.table.quotedName(connection) }
        var loaded: [SeedResult.Table] = []
        var loading: String?
        do {
            try connection.execute("BEGIN")
            if let lock = transactionLock(session) {
                try lock.acquire(retries: configuration.lockRetryCount) { pid in onEvent(.waitingForLock(holderPID: pid)) }
            }
            // The load's locks wait no longer than a migration's (lockTimeout).
            try connection.execute(([Self.snapshotDataFormat, "SET CONSTRAINTS ALL DEFERRED"] + session.timeouts.statements(local: true) + quoted.map { "ALTER TABLE \($0) DISABLE TRIGGER USER" }
                + ["TRUNCATE \(quoted.joined(separator: ", ")) CASCADE"]).joined(separator: ";\n"))
            for (table, columns) in tables {
                loading = table.label
                let copy = try connection.copyIn("COPY \(table.quotedName(connection)) (\(columns.map(connection.escapeIdentifier).joined(separator: ", "))) "
                    + "FROM STDIN (FORMAT csv, HEADER true)", fromFileAt: snapshot.file(of: table.label))
                loaded.append(.init(table: table.label, rows: copy.affectedRows ?? 0))
            }
            loading = nil
            // The deferred foreign-key checks run now, with every row in: ALTER TABLE refuses a table with pending ones.
            var finish = ["SET CONSTRAINTS ALL IMMEDIATE"] + quoted.map { "ALTER TABLE \($0) ENABLE TRIGGER USER" }
            for (table, _) in tables {
                for column in table.columns {
                    guard let sequence = column.sequence else { continue }
                    let literal = connection.escapeLiteral(sequence)
                    finish.append("SELECT pg_catalog.setval(\(literal), greatest(coalesce((SELECT max(\(connection.escapeIdentifier(column.name))) "
                        + "FROM \(table.quotedName(connection))), 0) + 1, (SELECT seqmin FROM pg_catalog.pg_sequence WHERE seqrelid = \(literal)::regclass)), false)")
                }
            }
            finish.append("COMMIT")
            try connection.execute(finish.joined(separator: ";\n"))
        } catch let error as PostgresError {
            _ = try? connection.execute("ROLLBACK")
            let path = loading.map(snapshot.displayFile(of:)) ?? manifestPath
            throw SeedError.loadFailed(path: path, line: loading == nil ? nil : Self.copyLine(error), error, migratedTo: migratedTo)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        return loaded
    }

    /// The input line a COPY error names in its context (`COPY parts, line 3, column sku: "x"`).
    static func copyLine(_ error: PostgresError) -> Int? {
        guard let context = error.context, let range = context.firstRange(of: ", line ") else { return nil }
        return Int(context[range.upperBound...].prefix { $0.isNumber })
    }
}
