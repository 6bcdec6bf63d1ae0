import PostgresClient

/// Why `check -drift` could not compare the database with its migrations. Every case says what to do.
public enum DriftCheckError: Error, Sendable {
    /// The target has no history table: nothing says what it should contain.
    case noHistory(database: String, table: String)
    /// The history cannot be reproduced from the files; each reason names the migration.
    case cannotRebuild(database: String, reasons: [String])
    /// The role may not create the temporary build database.
    case cannotCreateBuildDatabase(user: String, error: PostgresError)
    /// check.buildUrl names the target database itself.
    case buildDatabaseIsTarget(database: String)
    /// check.buildUrl's database holds objects and clean is disabled.
    case buildDatabaseNotEmpty(database: String, objects: [String])
    /// A migration failed in the build database.
    case buildFailed(database: String, error: any Error)

    /// Flyway's error code where it has one.
    public var errorCode: String {
        switch self {
        case .noHistory, .cannotRebuild: return "CHECK_CANNOT_REBUILD"
        case .cannotCreateBuildDatabase, .buildDatabaseIsTarget: return "PLUGIN_CHECK_MISSING_BUILD_TARGET"
        case .buildDatabaseNotEmpty: return "CHECK_BUILD_NO_PROVISIONER"
        case .buildFailed(_, let error): return (error as? MigrationError)?.errorCode ?? "CHECK_BUILD_FAILED"
        }
    }
}

extension DriftCheckError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noHistory(let database, let table):
            return "check -drift: database \"\(database)\" has no schema history table \(table), so nothing says what it should contain: "
                + "run migrate (or baseline) first, or check the schemas, defaultSchema and table settings"
        case .cannotRebuild(let database, let reasons):
            return "check -drift: the schema database \"\(database)\" should have cannot be rebuilt from the migration files, "
                + "so a comparison would report differences that are not drift:\n" + reasons.map { "  - \($0)" }.joined(separator: "\n")
        case .cannotCreateBuildDatabase(let user, let error):
            return "check -drift: cannot create a temporary build database as \"\(user)\" (\(error.message)): "
                + "grant it CREATEDB, or pass -check.buildUrl=<an empty database> to build the expected schema in"
        case .buildDatabaseIsTarget(let database):
            return "check.buildUrl names the database being checked (\"\(database)\"): the expected schema must be built in another, empty database"
        case .buildDatabaseNotEmpty(let database, let objects):
            return "check -drift: the build database \"\(database)\" (check.buildUrl) is not empty (\(objects.joined(separator: ", "))): "
                + "like Flyway, migrate cleans it first only when allowed; set cleanDisabled=false to let it, or name an empty database"
        case .buildFailed(let database, let error):
            var text = "check -drift: building the expected schema in database \"\(database)\" failed: \(error)"
            if case .statementFailed(let failure) = error as? MigrationError, failure.error.sqlState == .duplicateObject {
                text += "\n  Roles and tablespaces belong to the whole server: a migration that creates one cannot run again on the "
                    + "same server; pass -check.buildUrl naming a database on another server."
            }
            return text
        }
    }
}
