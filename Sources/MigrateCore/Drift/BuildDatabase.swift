import PostgresClient

/// Where `check -drift` builds the expected schema: the database `check.buildUrl` names (which must be empty,
/// or may be cleaned when clean is enabled, as Flyway does), or a temporary database created on the target's
/// server, dropped afterwards whatever happens.
struct BuildDatabase {
    /// The target's settings (locations, placeholders, schemas, table, …) pointed at the build database.
    let configuration: Configuration
    /// Set when migrate created the database for this check.
    let temporaryName: String?
    private let target: Session

    /// Creates the temporary database when no check.buildUrl is given.
    init(target: Session, configuration: Configuration) throws {
        self.target = target
        var build = configuration
        // Exactly the migrations the target applied, whatever was asked of the target's own runs.
        build.cherryPick = []
        build.target = nil
        build.outOfOrder = true
        build.baselineOnMigrate = false
        build.skipExecutingMigrations = false
        build.dryRunOutput = nil
        if let url = configuration.checkBuildUrl {
            build.url = url
            build.user = configuration.checkBuildUser ?? configuration.user
            build.password = configuration.checkBuildPassword ?? configuration.password
            temporaryName = nil
        } else {
            let name = "migrate_check_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            do {
                try target.connection.execute("CREATE DATABASE \(target.connection.escapeIdentifier(name))")
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                throw DriftCheckError.cannotCreateBuildDatabase(user: target.userName, error: error)
            } catch let error as PostgresError {
                throw MigrationError.database(error, while: "creating the temporary build database \"\(name)\"")
            }
            build.databaseOverride = name
            temporaryName = name
        }
        self.configuration = build
    }

    /// Makes sure a database the user named is another database than the target, and empty: cleaned through
    /// `builder` when cleanDisabled=false, else refused.
    func prepare(_ builder: Migrator) throws {
        guard temporaryName == nil else { return }
        let session = try builder.openSession()
        // Advisory locks are per database: a key the target holds is taken in the build database only if it is the same one.
        let key = String(Int64.random(in: Int64.min...Int64.max))
        try target.connection.query("SELECT pg_advisory_lock($1)", [key])
        defer { _ = try? target.connection.query("SELECT pg_advisory_unlock($1)", [key]) }
        guard try session.connection.query("SELECT pg_try_advisory_lock($1)", [key]).scalar == "t" else {
            throw DriftCheckError.buildDatabaseIsTarget(database: target.databaseName)
        }
        try session.connection.query("SELECT pg_advisory_unlock($1)", [key])

        var objects = session.historyExistedAtConnect ? [session.history.quotedName] : []
        for schema in session.schemas { objects += try session.schemaObjects(schema).map { "\(schema).\($0)" } }
        guard !objects.isEmpty else { return }
        guard !builder.configuration.cleanDisabled else {
            throw DriftCheckError.buildDatabaseNotEmpty(database: session.databaseName, objects: objects)
        }
        _ = try builder.clean()
    }

    /// Drops the temporary database (nothing for one the user named); a message when that failed.
    func dropTemporary() -> String? {
        guard let temporaryName else { return nil }
        // FORCE (PostgreSQL 13+) ends any session a migration left behind in it.
        let force = target.connection.serverVersion >= 130000 ? " WITH (FORCE)" : ""
        do {
            try target.connection.execute("DROP DATABASE IF EXISTS \(target.connection.escapeIdentifier(temporaryName))\(force)")
            return nil
        } catch {
            return "could not drop the temporary build database \"\(temporaryName)\" (\(error)); drop it by hand"
        }
    }
}
