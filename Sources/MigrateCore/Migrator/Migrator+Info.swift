/// What `info` shows.
public struct InfoReport: Sendable {
    public var schema: String
    public var table: String
    public var historyExists: Bool
    public var currentVersion: String?
    public var entries: [MigrationInfo]
}

extension Migrator {
    public func info() throws -> InfoReport {
        let (session, resolved) = try openSessionWithMigrations()
        let exists = try session.history.exists()
        let rows = exists ? try session.history.allRows() : []
        let status = try status(resolved, rows)
        return InfoReport(schema: session.defaultSchema, table: session.history.table, historyExists: exists,
                          currentVersion: status.currentVersion?.text, entries: status.entries.filter { !($0.applied?.isSchemaMarker ?? false) })
    }
}
