/// What `baseline` did.
public struct BaselineResult: Sendable {
    public var version: String
    public var description: String
    public var schema: String
    /// False when the history already held this same baseline.
    public var created: Bool
}

extension Migrator {
    /// Records `baselineVersion` so that only later migrations apply to an existing database.
    public func baseline() throws -> BaselineResult {
        let version = try version(setting: "baselineVersion", configuration.baselineVersion)
        let session = try openSession()
        return try withLock(session) {
            try inTransaction(session) {
                try createHistory(session)
                let rows = try session.history.allRows().filter { !$0.isSchemaMarker }
                if let existing = rows.first(where: \.isBaseline), rows.count == 1 {
                    if existing.version == version {
                        return BaselineResult(version: version.text, description: existing.description, schema: session.defaultSchema, created: false)
                    }
                }
                guard rows.isEmpty else {
                    throw MigrationError.baselineOnNonEmptyHistory(schema: session.defaultSchema, table: session.history.table)
                }
                try insertBaseline(session)
                return BaselineResult(version: version.text, description: configuration.baselineDescription, schema: session.defaultSchema, created: true)
            }
        }
    }
}
