import XCTest

/// flyway.toml from the built binary: `-environment` (or FLYWAY_ENVIRONMENT) picks the database, the environment's
/// overrides apply, `${env.VAR}` is resolved, and a bad file stops the run before anything is written.
final class TOMLConfigurationTests: XCTestCase {
    /// The project's database as `dev`, a second database as `prod`, whose placeholders are overridden and
    /// whose password comes from ${env.PROD_DB_PASSWORD} (the test cluster trusts, so it is only carried).
    private func twoEnvironments(_ project: MigrateProject, prod: String) -> String {
        """
        [flyway]
        locations = ["filesystem:sql"]
        environment = "dev"

        [flyway.placeholders]
        owner = "shared"

        [environments.dev]
        url = "\(project.url)"

        [environments.prod]
        url = "\(project.cluster.url(database: prod))"
        password = "${env.PROD_DB_PASSWORD}"
        connectRetries = 1

        [environments.prod.flyway]
        placeholders.owner = "prod_owner"
        table = "prod_history"
        """
    }

    func testEnvironmentPicksTheDatabaseAndItsOverrides() throws {
        let project = try MigrateProject()
        let prod = try project.cluster.createDatabase(prefix: "toml_prod")
        defer { try? project.cluster.dropDatabase(prod) }
        try project.write("flyway.toml", twoEnvironments(project, prod: prod))
        try project.write("sql/V1__marker.sql", """
            CREATE TABLE marker (environment text, owner text);
            INSERT INTO marker VALUES ('${flyway:environment}', '${owner}');
            """)
        let secret = "ultra-secret-pw-4711"

        let prodRun = try project.migrate(["-environment=prod", "-outputType=json", "migrate"],
                                          environment: ["PROD_DB_PASSWORD": secret], withURL: false)
        XCTAssertEqual(prodRun.status, 0, prodRun.output)
        let document = try prodRun.document()
        XCTAssertEqual(document["database"] as? String, prod)
        XCTAssertEqual(document["migrationsExecuted"] as? Int, 1)
        XCTAssertFalse(prodRun.output.contains(secret), prodRun.output)
        let prodRows = try project.cluster.psql(database: prod, arguments: [
            "-At", "-c", "SELECT environment || ':' || owner FROM marker; SELECT version || ':' || success FROM prod_history",
        ])
        XCTAssertEqual(prodRows.stdout.split(separator: "\n"), ["prod:prod_owner", "1:true"], prodRows.stderr)
        XCTAssertFalse(try project.tableExists("marker"), "prod's run must not touch dev's database")

        // No -environment: `environment = "dev"` in [flyway]; FLYWAY_ENVIRONMENT would win over it.
        let devRun = try project.migrateOK(["-outputType=json", "migrate"], withURL: false)
        XCTAssertEqual(try devRun.document()["database"] as? String, project.database)
        XCTAssertEqual(try project.column("SELECT environment || ':' || owner FROM marker"), ["dev:shared"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])

        let info = try project.migrateOK(["info", "-outputType=json"], environment: ["FLYWAY_ENVIRONMENT": "prod", "PROD_DB_PASSWORD": secret],
                                         withURL: false)
        let infoDocument = try info.document()
        XCTAssertEqual(infoDocument["database"] as? String, prod)
        XCTAssertEqual((infoDocument["migrations"] as? [[String: Any]])?.compactMap { $0["state"] as? String }, ["Success"])
    }

    func testBadConfigurationStopsBeforeAnythingIsWritten() throws {
        let project = try MigrateProject()
        let prod = try project.cluster.createDatabase(prefix: "toml_prod")
        defer { try? project.cluster.dropDatabase(prod) }
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")

        // The selected environment's ${env.VAR} is not set.
        try project.write("flyway.toml", twoEnvironments(project, prod: prod))
        let unset = try project.migrate(["-environment=prod", "-outputType=json", "migrate"], withURL: false)
        XCTAssertEqual(unset.status, 1, unset.output)
        let error = try XCTUnwrap(try unset.document()["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "CONFIGURATION")
        XCTAssertEqual(error["message"] as? String,
                       "flyway.toml:13: environments.prod.password: environment variable PROD_DB_PASSWORD is not set (${env.PROD_DB_PASSWORD})")

        // An environment that is not defined.
        let unknown = try project.migrate(["migrate", "-environment=staging"], withURL: false)
        XCTAssertEqual(unknown.status, 1, unknown.output)
        XCTAssertTrue(unknown.stderr.contains("command line -environment: environment 'staging' is not defined; defined: dev, prod"),
                      unknown.output)

        // A syntax error, with line and column.
        try project.write("flyway.toml", "[flyway]\nlocations = [\"filesystem:sql\"\ncleanDisabled = false\n")
        let syntax = try project.migrate(["migrate"], withURL: false)
        XCTAssertEqual(syntax.status, 1, syntax.output)
        XCTAssertTrue(syntax.stderr.contains("flyway.toml:3:1: "), syntax.output)

        // TOML and .conf named together.
        try project.write("flyway.toml", "[environments.default]\nurl = \"\(project.url)\"\n")
        try project.write("flyway.conf", "flyway.url=\(project.url)\n")
        let mixed = try project.migrate(["migrate", "-configFiles=flyway.toml,flyway.conf"], withURL: false)
        XCTAssertEqual(mixed.status, 1, mixed.output)
        XCTAssertTrue(mixed.stderr.contains("names TOML files (flyway.toml) and .conf files (flyway.conf)"), mixed.output)

        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
        XCTAssertFalse(try project.tableExists("t"))
        let prodTables = try project.cluster.psql(database: prod, arguments: ["-At", "-c", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"])
        XCTAssertEqual(prodTables.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    func testFoundTOMLFileWinsOverConfFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("flyway.toml", "[flyway]\ntable = \"toml_history\"\n[environments.default]\nurl = \"\(project.url)\"\n")
        try project.write("flyway.conf", "flyway.table=conf_history\n")
        let run = try project.migrateOK(["migrate"], withURL: false)
        XCTAssertTrue(run.stderr.contains("flyway.conf is not read: when TOML files are found (flyway.toml), Flyway reads only those"),
                      run.output)
        XCTAssertTrue(try project.tableExists("toml_history"))
        XCTAssertFalse(try project.tableExists("conf_history"))
    }
}
