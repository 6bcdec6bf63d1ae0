/// The migrations a database has applied: what `check -drift` applies to the build database. Refuses a
/// history the files cannot reproduce — a baseline, a failed or deleted row, a file missing or changed since it
/// ran — because a build from them would differ from the database for reasons that are not drift.
struct AppliedMigrations: Sendable {
    private var versions: Set<MigrationVersion> = []
    private var repeatables: Set<String> = []
    /// Versions and repeatables' descriptions, in the order the database applied them (Flyway's migration ids).
    private(set) var ids: [String] = []
    /// The B file the database started from, if it did: the build starts from the same one (or from none).
    private(set) var baselineMigrationChoice = MigrationStatus.BaselineMigrationChoice.none

    /// `database` names the target in the error.
    init(_ status: MigrationStatus, database: String) throws(DriftCheckError) {
        var reasons: [String] = []
        for entry in status.entries {
            guard let row = entry.applied else { continue }
            let name = entry.version.map { "version \($0) (\(entry.description))" } ?? "repeatable '\(entry.description)'"
            switch entry.state {
            case .success, .outOfOrder:
                guard let file = entry.file else { continue }
                if let version = file.version {
                    if row.checksum != file.checksum {
                        reasons.append("\(name): \(file.script) changed since it was applied (checksum \(row.checksum.map(String.init) ?? "null") in the history, \(file.checksum) now)")
                        continue
                    }
                    versions.insert(version)
                    ids.append(version.text)
                } else {
                    repeatables.insert(file.description)
                    ids.append(file.description)
                }
            case .outdated:
                reasons.append("\(name): \(entry.file?.script ?? entry.script) changed since it was last applied; run migrate first, then check")
            case .baseline:
                // A B file applied (SQL_BASELINE) is rebuilt from that file; a baseline marker cannot be.
                if let file = entry.file, file.isBaselineMigration, let version = file.version {
                    guard row.checksum == file.checksum else {
                        reasons.append("\(name): \(file.script) changed since it was applied (checksum \(row.checksum.map(String.init) ?? "null") in the history, \(file.checksum) now)")
                        continue
                    }
                    baselineMigrationChoice = .version(version)
                    ids.append(version.text)
                } else if row.type == AppliedMigration.RowType.sqlBaseline.rawValue {
                    reasons.append("\(name) was applied from a baseline migration (\(row.script)) that is not in the locations")
                } else {
                    reasons.append("\(name) is a baseline: the migrations up to it never ran in this database")
                }
            case .missing, .future:
                reasons.append("\(name) was applied but \(row.script) is not in the locations")
            case .failed, .failedMissing, .failedFuture:
                reasons.append("\(name) failed: remove its half-completed changes, then run repair")
            case .deleted where row.isDeleted:
                reasons.append("\(name) was applied, then marked as deleted by repair: its file is gone")
            default:
                continue
            }
        }
        if !reasons.isEmpty { throw .cannotRebuild(database: database, reasons: reasons) }
    }

    func contains(_ file: MigrationFile) -> Bool {
        if file.isBaselineMigration { return file.version.map { baselineMigrationChoice == .version($0) } ?? false }
        return file.version.map(versions.contains) ?? repeatables.contains(file.description)
    }
}
