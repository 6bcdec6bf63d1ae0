import PostgresClient

/// `-targetsQuery=SQL`: run on the fleet's url, in a read-only transaction; its single column lists the
/// targets. A value that is a connection url is a database; any other value is a schema of the url's database
/// (schema per tenant: each with its own history table and `${flyway:defaultSchema}`).
enum TargetsQuery {
    static let listing = "targetsQuery"

    static func targets(_ sql: String, on migrator: Migrator) throws -> [FleetTarget] {
        let connection = try migrator.connect()
        let result: QueryResult
        var database = ""
        do {
            try connection.execute("BEGIN TRANSACTION READ ONLY")
            result = try connection.query(sql)
            // Only schema rows are named after the database.
            if result.columns.count == 1, result.rows.contains(where: { $0[0].map { !$0.isEmpty && !Self.isURL($0) } ?? false }) {
                database = try connection.query("SELECT current_database()").scalar ?? ""
            }
            try connection.execute("ROLLBACK")
        } catch let error as PostgresError {
            throw MigrationError.database(error, while: "running targetsQuery")
        }
        guard result.columns.count == 1 else {
            throw ConfigurationError("targetsQuery: returned \(result.columns.count) columns (\(result.columns.joined(separator: ", "))); "
                + "expected one, listing a url or a schema name per row")
        }
        return try result.rows.enumerated().map { index, row throws(ConfigurationError) -> FleetTarget in
            let number = index + 1
            guard let value = row[0], !value.isEmpty else {
                throw ConfigurationError("\(listing):\(number): the row is \(row[0] == nil ? "NULL" : "empty"); expected a url or a schema name")
            }
            if Self.isURL(value) {
                return FleetTarget(name: Fleet.displayName(url: value, settings: []), listing: listing, line: number, url: value, settings: [])
            }
            return FleetTarget(name: "\(database)/\(value)", listing: listing, line: number, url: nil, schema: value, settings: [])
        }
    }

    /// Whether a value names a database: a connection url (`postgres://…`, `jdbc:postgresql://…`, `host=… dbname=…`).
    static func isURL(_ value: String) -> Bool {
        let lowered = value.lowercased()
        return lowered.hasPrefix("jdbc:") || lowered.contains("://") || (try? ConnectionURL(value))?.form == .keywords
    }
}
