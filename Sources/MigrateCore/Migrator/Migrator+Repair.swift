/// What `repair` changed.
public struct RepairResult: Sendable {
    public var removedFailedRows: Int
    /// Versions (or descriptions of repeatables) whose checksum/description/type were realigned.
    public var realigned: [String]
    /// Applied migrations with no file, now marked deleted.
    public var markedDeleted: [String]
}

extension Migrator {
    /// Removes failed rows, realigns checksums/descriptions with the files, marks missing migrations deleted.
    public func repair() throws -> RepairResult {
        let (session, resolved) = try openSessionWithMigrations()
        return try withLock(session) {
            guard try session.history.exists() else { return RepairResult(removedFailedRows: 0, realigned: [], markedDeleted: []) }
            return try inTransaction(session) {
                let removed = try session.history.deleteFailedRows()
                let rows = try session.history.allRows()
                let status = try status(resolved, rows)
                var realigned: [String] = []
                var deleted: [String] = []
                for info in status.entries {
                    guard let row = info.applied, row.success else { continue }
                    switch info.state {
                    case .success, .outOfOrder:
                        guard let file = info.file, !row.isBaseline, !row.isRepeatable else { continue }
                        if row.checksum != file.checksum || row.description != file.description || row.type != "SQL" {
                            try session.history.update(rank: row.installedRank, description: file.description, type: "SQL", checksum: file.checksum)
                            realigned.append(info.version ?? info.description)
                        }
                    case .missing:
                        try session.history.insert(version: row.versionText, description: row.description, type: .delete, script: row.script,
                                                   checksum: row.checksum, installedBy: session.installedBy, executionTime: 0, success: true)
                        deleted.append(info.version ?? info.description)
                    default:
                        continue
                    }
                }
                return RepairResult(removedFailedRows: removed, realigned: realigned, markedDeleted: deleted)
            }
        }
    }
}
