/// The history rows that a later UNDO_SQL row reverted. An undo reverts the latest successful SQL row of
/// its version that is not reverted yet, as Flyway Teams reads its history: V2, UNDO_SQL 2, V2 again is
/// applied, undone, applied.
struct UndoneRows {
    /// installed_rank of each reverted row → installed_rank of the UNDO_SQL row that reverted it.
    private var undoneBy: [Int: Int] = [:]

    init(_ rows: [AppliedMigration]) {
        // Most histories hold no undo: one pass of type comparisons, nothing more.
        guard rows.contains(where: { $0.isUndo }) else { return }
        var latest: [MigrationVersion: Int] = [:]  // version → rank of its row an undo would revert
        for row in rows where row.success {
            guard let version = row.version else { continue }
            if row.isUndo {
                if let rank = latest.removeValue(forKey: version) { undoneBy[rank] = row.installedRank }
            } else if row.type == AppliedMigration.RowType.sql.rawValue {
                latest[version] = row.installedRank
            }
        }
    }

    func contains(_ row: AppliedMigration) -> Bool {
        !undoneBy.isEmpty && undoneBy[row.installedRank] != nil
    }

    /// The highest version in effect just after `undo` ran: what later rows are in order against.
    func highestEffectiveVersion(in rows: [AppliedMigration], atUndo undo: AppliedMigration) -> MigrationVersion? {
        var highest: MigrationVersion?
        for row in rows where row.installedRank < undo.installedRank && row.success && !row.isUndo && !row.isDeleted {
            guard let version = row.version, !row.isSchemaMarker else { continue }
            if let by = undoneBy[row.installedRank], by <= undo.installedRank { continue }
            if highest.map({ version > $0 }) ?? true { highest = version }
        }
        return highest
    }
}

/// Whether `info` can offer to revert a migration (Flyway's `Undoable` column).
public enum Undoability: Sendable, Equatable {
    /// Repeatables, undo rows, undone rows: the question does not arise (a blank column).
    case notApplicable
    case no
    /// This U file reverts it.
    case yes(MigrationFile)

    public var file: MigrationFile? {
        if case .yes(let file) = self { return file }
        return nil
    }
}

extension MigrationStatus {
    /// Flyway's rule: a versioned migration, applied or not, is undoable when a U file of its version exists
    /// and it has not failed; a baseline row is never undoable (there is nothing of it to revert).
    public func undoability(of info: MigrationInfo) -> Undoability {
        guard let version = info.applied?.version ?? info.file?.version, !info.isUndo, info.state != .undone else {
            return .notApplicable
        }
        if info.state.isFailed || info.state == .deleted || info.applied?.isBaseline == true { return .no }
        return undoFiles[version].map(Undoability.yes) ?? .no
    }

    /// Applied migrations that `undo` could revert, the most recently applied first: successful SQL rows
    /// in effect (not undone, not marked deleted).
    var undoCandidates: [MigrationInfo] {
        entries.reversed().filter { info in
            guard let row = info.applied, row.type == AppliedMigration.RowType.sql.rawValue, row.version != nil else { return false }
            return [.success, .outOfOrder, .missing, .future].contains(info.state)
        }
    }

    /// What `undo` reverts, in order, each with its U file. `target`: nil reverts the most recently applied
    /// migration; a version, every applied one above it (newest first). `cherryPick`: exactly those
    /// versions, in reverse of the listed order. Everything is checked before anything runs: a migration
    /// without its U file, a baseline in the way, or a pick that is not applied stops it all.
    func undoPlan(target: MigrationVersion?, cherryPick: [String], locations: [String]) throws -> [(reverts: MigrationInfo, file: MigrationFile)] {
        let candidates = undoCandidates
        var chosen: [MigrationInfo]
        if !cherryPick.isEmpty {
            chosen = try cherryPick.reversed().map { pick in
                guard let version = MigrationVersion(pick) else {
                    throw MigrationError.notUndoable("'\(pick)'", reason: "cherryPick names a repeatable migration; repeatables have no undo (change the repeatable and run migrate instead)")
                }
                guard let info = candidates.first(where: { $0.applied?.version == version }) else {
                    throw MigrationError.notUndoable("version \(version.text)", reason: "cherryPick names a version that is not applied")
                }
                return info
            }
        } else if let target {
            chosen = candidates.filter { $0.applied!.version! > target }
            // A baseline above the target cannot be reverted, so neither can what lies below it.
            if let baseline = baselineVersion, baseline > target {
                throw MigrationError.notUndoable("version \(baseline.text)", reason: "it is the baseline (nothing of it can be reverted); use a target of \(baseline.text) or higher")
            }
        } else {
            chosen = Array(candidates.prefix(1))
        }
        return try chosen.map { info in
            let version = info.applied!.version!
            guard let file = undoFiles[version] else {
                throw MigrationError.undoFileMissing(version: version.text, description: info.description, locations: locations)
            }
            return (info, file)
        }
    }
}
