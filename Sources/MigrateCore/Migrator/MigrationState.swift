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
    case failed = "Failed"
    case outOfOrder = "Out of Order"
    case future = "Future"
    case failedFuture = "Failed (Future)"
    case outdated = "Outdated"
    case superseded = "Superseded"
    case deleted = "Deleted"

    public var isFailed: Bool { self == .failed || self == .failedMissing || self == .failedFuture }
}

/// One line of `info`: a file, a history row, or both.
public struct MigrationInfo: Sendable {
    public var version: String?
    public var description: String
    public var type: String
    public var script: String
    public var installedOn: String?
    public var installedBy: String?
    public var executionTime: Int?
    public var state: MigrationState
    public var installedRank: Int?
    public var file: MigrationFile?
    public var applied: AppliedMigration?
    public var isRepeatable: Bool { version == nil }
}

/// The resolved files and the history rows, matched up. Pure: no database, no disk.
public struct MigrationStatus: Sendable {
    public var entries: [MigrationInfo]
    /// Highest successfully applied version (baseline included).
    public var currentVersion: MigrationVersion?
    public var baselineVersion: MigrationVersion?

    /// Migrations to run now, in order (versioned first, then repeatables).
    public var pending: [MigrationFile] {
        let files = entries.filter { $0.state == .pending || $0.state == .outdated }.compactMap(\.file)
        return files.filter { !$0.isRepeatable }.sorted { $0.version! < $1.version! }
            + files.filter(\.isRepeatable).sorted { $0.description < $1.description }
    }

    public init(resolved: [MigrationFile], applied rows: [AppliedMigration], target: MigrationTarget = .latest, outOfOrder: Bool = false) {
        let rows = rows.filter { !$0.isSchemaMarker }
        // DELETE rows (written by repair) cancel the applied row of the same version / description.
        var deletedVersions = Set<MigrationVersion>()
        var deletedRepeatables = Set<String>()
        for row in rows where row.isDeleted {
            if let version = row.version { deletedVersions.insert(version) } else { deletedRepeatables.insert(row.description) }
        }
        let live = rows.filter { !$0.isDeleted }
        let baseline = live.filter(\.isBaseline).compactMap(\.version).max()
        baselineVersion = baseline
        let successfulVersions = live.filter { $0.success && $0.version != nil && !(deletedVersions.contains($0.version!) && !$0.isBaseline) }.compactMap(\.version)
        let current = successfulVersions.max()
        currentVersion = current
        let resolvedByVersion = Dictionary(resolved.compactMap { file in file.version.map { ($0, file) } }, uniquingKeysWith: { a, _ in a })
        let maxResolved = resolved.compactMap(\.version).max()

        var entries: [MigrationInfo] = []
        var appliedVersions = Set<MigrationVersion>()
        var highestSoFar: MigrationVersion? = nil
        // Applied rows, in rank order.
        let latestRepeatableRank = Dictionary(live.filter(\.isRepeatable).map { ($0.description, $0.installedRank) }, uniquingKeysWith: max)
        let resolvedRepeatables = Dictionary(resolved.filter(\.isRepeatable).map { ($0.description, $0) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            var info = MigrationInfo(version: row.versionText, description: row.description, type: row.type, script: row.script,
                                     installedOn: row.installedOn, installedBy: row.installedBy, executionTime: row.executionTime,
                                     state: .success, installedRank: row.installedRank, file: nil, applied: row)
            if row.isDeleted {
                info.state = .deleted
            } else if let version = row.version {
                appliedVersions.insert(version)
                let file = resolvedByVersion[version]
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
                let file = resolvedRepeatables[row.description]
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
        // Sets, not scans: this runs for every file, and projects have thousands.
        let failedVersions = Set(live.filter { !$0.success }.compactMap(\.version))
        let appliedRepeatables = Set(live.filter(\.isRepeatable).map(\.description))
        for file in resolved {
            if let version = file.version {
                if appliedVersions.contains(version) && !deletedVersions.contains(version) { continue }
                if failedVersions.contains(version) && !deletedVersions.contains(version) { continue }
                var state = MigrationState.pending
                if let baseline, version <= baseline { state = .belowBaseline }
                else if let targetVersion, version > targetVersion { state = .aboveTarget }
                else if let current, version < current { state = outOfOrder ? .pending : .ignored }
                entries.append(MigrationInfo(version: version.text, description: file.description, type: "SQL", script: file.script,
                                             state: state, file: file))
            } else {
                // Applied ones are listed above (Success, Outdated or Failed).
                if appliedRepeatables.contains(file.description) && !deletedRepeatables.contains(file.description) { continue }
                entries.append(MigrationInfo(version: nil, description: file.description, type: "SQL", script: file.script,
                                             state: .pending, file: file))
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
