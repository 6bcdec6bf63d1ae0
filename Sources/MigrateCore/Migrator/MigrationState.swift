/// Where a migration stands, with Flyway's names for the states.
public enum MigrationState: String, Sendable, Encodable {
    case pending = "Pending"
    case aboveTarget = "Above Target"
    case belowBaseline = "Below Baseline"
    case baseline = "Baseline"
    case ignored = "Ignored"
    case missing = "Missing"
    case failedMissing = "Failed (Missing)"
    case success = "Success"
    /// Applied, then reverted by an undo (its UNDO_SQL row follows); the file is listed again as pending.
    case undone = "Undone"
    case failed = "Failed"
    case outOfOrder = "Out of Order"
    case future = "Future"
    case failedFuture = "Failed (Future)"
    case outdated = "Outdated"
    case superseded = "Superseded"
    case deleted = "Deleted"

    public var isFailed: Bool { self == .failed || self == .failedMissing || self == .failedFuture }
}

/// One line of `info`: a file, a history row, or both. What it shows comes from the row when there is one,
/// else from the file; nothing is copied twice.
public struct MigrationInfo: Sendable {
    public var state: MigrationState
    public var file: MigrationFile?
    public var applied: AppliedMigration?

    public var version: String? { applied.map(\.versionText) ?? file?.version?.text }
    public var description: String { applied?.description ?? file?.description ?? "" }
    public var type: String { applied?.type ?? (file?.isBaselineMigration == true ? AppliedMigration.RowType.sqlBaseline.rawValue : "SQL") }
    public var script: String { applied?.script ?? file?.script ?? "" }
    public var installedOn: String? { applied?.installedOn }
    public var installedBy: String? { applied?.installedBy }
    public var executionTime: Int? { applied?.executionTime }
    public var installedRank: Int? { applied?.installedRank }
    public var isRepeatable: Bool { applied.map { $0.versionText == nil } ?? file?.isRepeatable ?? true }
    /// An UNDO_SQL row (its file, when there is one, is the U file).
    public var isUndo: Bool { applied?.isUndo ?? false }
    /// Flyway's category: `Versioned`, `Repeatable` or `Undo`.
    public var category: String { isUndo ? "Undo" : isRepeatable ? "Repeatable" : "Versioned" }
}

/// The resolved files and the history rows, matched up. Pure: no database, no disk.
public struct MigrationStatus: Sendable {
    public var entries: [MigrationInfo]
    /// Highest successfully applied version (baseline included).
    public var currentVersion: MigrationVersion?
    public var baselineVersion: MigrationVersion?
    /// The undo files (`U<version>__…`) by version: never pending, only run by `undo`.
    public var undoFiles: [MigrationVersion: MigrationFile] = [:]

    /// Migrations to run now, in order (versioned first, then repeatables).
    public var pending: [MigrationFile] {
        let files = entries.filter { $0.state == .pending || $0.state == .outdated }.compactMap(\.file)
        return files.filter { !$0.isRepeatable }.sorted { $0.version! < $1.version! }
            + files.filter(\.isRepeatable).sorted { $0.description < $1.description }
    }

    /// Which B file an empty database starts from.
    public enum BaselineMigrationChoice: Sendable, Equatable {
        /// The newest at or below the target (Flyway's rule).
        case newest
        /// None: the versioned files from the first (`check -drift` rebuilding a database that never had one).
        case none
        /// That version's (`check -drift` rebuilding a database that started from it).
        case version(MigrationVersion)
    }

    public init(resolved: [MigrationFile], applied rows: [AppliedMigration], undoFiles: [MigrationFile] = [],
                target: MigrationTarget = .latest, outOfOrder: Bool = false, baselineMigrationChoice: BaselineMigrationChoice = .newest) {
        let undone = UndoneRows(rows)
        for file in undoFiles { if let version = file.version { self.undoFiles[version] = file } }
        // B files stand apart from the versioned files that share their versions.
        var resolved = resolved
        var baselineFiles: [MigrationFile] = []
        if resolved.contains { $0.isBaselineMigration } {
            baselineFiles = resolved.filter(\.isBaselineMigration)
            resolved.removeAll { $0.isBaselineMigration }
        }
        // One pass over the rows for every fact the states depend on (this runs on every command, for every
        // row: no filtered copies of the rows).
        var deletedVersions = Set<MigrationVersion>()
        var deletedRepeatables = Set<String>()
        for row in rows where row.isDeleted {
            if let version = row.version { deletedVersions.insert(version) } else { deletedRepeatables.insert(row.description) }
        }
        var baseline: MigrationVersion?
        var current: MigrationVersion?
        var latestRepeatableRank: [String: Int] = [:]
        for row in rows where !row.isSchemaMarker && !row.isDeleted && !row.isUndo {
            if let version = row.version {
                if undone.contains(row) { continue }
                if row.isBaseline, baseline.map({ version > $0 }) ?? true { baseline = version }
                if row.success, row.isBaseline || !deletedVersions.contains(version), current.map({ version > $0 }) ?? true { current = version }
            } else if row.isRepeatable {
                latestRepeatableRank[row.description] = max(latestRepeatableRank[row.description] ?? row.installedRank, row.installedRank)
            }
        }
        // On a database where nothing was applied yet, the newest B file at or below the target stands for the
        // versioned files up to its version, which are then below its baseline; elsewhere B files are ignored.
        var baselineMigration: MigrationFile?
        if !baselineFiles.isEmpty, !rows.contains(where: { !$0.isSchemaMarker }) {
            switch (baselineMigrationChoice, target) {
            case (.none, _), (.newest, .current): baselineMigration = nil
            case (.version(let version), _): baselineMigration = baselineFiles.first { $0.version == version }
            case (.newest, .latest): baselineMigration = baselineFiles.max { $0.version! < $1.version! }
            case (.newest, .version(let limit)): baselineMigration = baselineFiles.filter { $0.version! <= limit }.max { $0.version! < $1.version! }
            }
        }
        let baselineFileByVersion = Dictionary(baselineFiles.map { ($0.version!, $0) }, uniquingKeysWith: { first, _ in first })
        baselineVersion = baseline
        currentVersion = current
        var resolvedByVersion: [MigrationVersion: Int] = [:]
        resolvedByVersion.reserveCapacity(resolved.count)
        var resolvedRepeatables: [String: Int] = [:]
        var maxResolved: MigrationVersion?
        for (index, file) in resolved.enumerated() {
            if let version = file.version {
                if resolvedByVersion[version] == nil { resolvedByVersion[version] = index }
                if maxResolved.map({ version > $0 }) ?? true { maxResolved = version }
            } else if resolvedRepeatables[file.description] == nil {
                resolvedRepeatables[file.description] = index
            }
        }

        var entries: [MigrationInfo] = []
        entries.reserveCapacity(rows.count + resolved.count)
        var appliedVersions = Set<MigrationVersion>()
        var highestSoFar: MigrationVersion? = nil
        // Applied rows, in rank order.
        for row in rows where !row.isSchemaMarker {
            var info = MigrationInfo(state: .success, file: nil, applied: row)
            if row.isDeleted {
                info.state = .deleted
            } else if row.isUndo, let version = row.version {
                // An undo: what it reverted is effective no more, so later rows are in order against the rest.
                info.file = self.undoFiles[version]
                info.state = row.success ? .success : .failed
                if row.success { highestSoFar = undone.highestEffectiveVersion(in: rows, atUndo: row) }
            } else if let version = row.version, undone.contains(row) {
                info.file = resolvedByVersion[version].map { resolved[$0] }
                info.state = .undone
                if highestSoFar.map({ version > $0 }) ?? true { highestSoFar = version }
            } else if let version = row.version {
                appliedVersions.insert(version)
                let file = row.type == AppliedMigration.RowType.sqlBaseline.rawValue
                    ? baselineFileByVersion[version] : resolvedByVersion[version].map { resolved[$0] }
                info.file = file
                if row.isBaseline {
                    info.state = .baseline
                } else if deletedVersions.contains(version) {
                    info.state = .deleted
                } else if file == nil {
                    let isFuture = maxResolved.map { version > $0 } ?? true
                    info.state = row.success ? (isFuture ? .future : .missing) : (isFuture ? .failedFuture : .failedMissing)
                } else if !row.success {
                    info.state = .failed
                } else if let highest = highestSoFar, version < highest {
                    info.state = .outOfOrder
                } else {
                    info.state = .success
                }
                if row.success, highestSoFar.map({ version > $0 }) ?? true { highestSoFar = version }
            } else {
                let file = resolvedRepeatables[row.description].map { resolved[$0] }
                info.file = file
                if deletedRepeatables.contains(row.description) { info.state = .deleted }
                else if !row.success { info.state = file == nil ? .failedMissing : .failed }
                else if latestRepeatableRank[row.description] != row.installedRank { info.state = .superseded }
                else if file == nil { info.state = .missing }
                else if file!.checksum != row.checksum { info.state = .outdated }
                else { info.state = .success }
            }
            entries.append(info)
        }
        // Files not applied yet, in execution order.
        let targetVersion: MigrationVersion? = {
            switch target {
            case .latest: return nil
            case .current: return current ?? baseline
            case .version(let version): return version
            }
        }()
        if let baselineMigration { entries.append(MigrationInfo(state: .pending, file: baselineMigration)) }
        let effectiveBaseline = baseline ?? baselineMigration?.version
        for file in resolved {
            if let version = file.version {
                if appliedVersions.contains(version) && !deletedVersions.contains(version) { continue }
                var state = MigrationState.pending
                if let effectiveBaseline, version <= effectiveBaseline { state = .belowBaseline }
                else if let targetVersion, version > targetVersion { state = .aboveTarget }
                else if let current, version < current { state = outOfOrder ? .pending : .ignored }
                entries.append(MigrationInfo(state: state, file: file))
            } else {
                // Applied ones are listed above (Success, Outdated or Failed).
                if latestRepeatableRank[file.description] != nil && !deletedRepeatables.contains(file.description) { continue }
                entries.append(MigrationInfo(state: .pending, file: file))
            }
        }
        self.entries = entries
    }
}

/// How far `migrate` goes.
public enum MigrationTarget: Sendable, Equatable {
    case latest
    case current
    case version(MigrationVersion)
}
