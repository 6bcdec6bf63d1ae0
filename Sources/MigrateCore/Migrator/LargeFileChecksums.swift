/// Checksums of large versioned files, computed on a thread of their own for `migrate`: a pending file's
/// checksum is only needed for its history row, so this reading of the file overlaps the plan's (the
/// server gets the file's first statement that much sooner). An applied one's is needed for validation,
/// and is waited for then.
final class LargeFileChecksums {
    let paths: Set<String>
    private let work: BackgroundWork<[String: Int32]>

    init(paths: [String], scanner: MigrationScanner) {
        self.paths = Set(paths)
        work = BackgroundWork {
            var checksums: [String: Int32] = [:]
            for path in paths { checksums[path] = try scanner.checksum(ofLargeFileAt: path) }
            return checksums
        }
    }

    /// Whether one of these files is already in the history (its checksum is validated).
    func areNeeded(by files: [MigrationFile], applied rows: [AppliedMigration]) -> Bool {
        let applied = Set(rows.compactMap(\.version))
        return files.contains { file in paths.contains(file.filepath) && file.version.map(applied.contains) == true }
    }

    /// `files` with these checksums in place (waiting for them).
    func filled(_ files: [MigrationFile]) throws -> [MigrationFile] {
        let checksums = try work.value()
        return files.map { file in
            var file = file
            if let checksum = checksums[file.filepath] { file.checksum = checksum }
            return file
        }
    }

    func filled(_ planned: [PlannedMigration]) throws -> [PlannedMigration] {
        let files = try filled(planned.map(\.file))
        return zip(planned, files).map { migration, file in
            var migration = migration
            migration.file = file
            return migration
        }
    }
}
