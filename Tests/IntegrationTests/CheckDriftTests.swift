import Foundation
import XCTest

/// `check -drift`: the database compared with a scratch database built from the migrations its history lists,
/// from the built binary against the test cluster. Flyway's JSON: `individualResults[{onlyInSource, onlyInTarget,
/// differences[{name, schema, objectType, definitionBefore, definitionAfter}], operation: "drift"}]`.
final class CheckDriftTests: XCTestCase {
    /// Orders with an index, a function, a view from a repeatable, an enum and a grant.
    private func orderProject() throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__orders.sql", """
            CREATE TYPE order_state AS ENUM ('new', 'paid');
            CREATE TABLE orders (
                id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                status text NOT NULL DEFAULT 'new',
                state  order_state,
                total  numeric(10,2) CHECK (total >= 0)
            );
            CREATE INDEX orders_total_idx ON orders (total);
            GRANT SELECT ON orders TO PUBLIC;

            """)
        try project.write("sql/V2__total.sql", """
            CREATE FUNCTION total(a int, b int) RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                RETURN a + b;
            END $$;

            """)
        try project.write("sql/R__order_view.sql", "CREATE OR REPLACE VIEW paid_orders AS SELECT id, total FROM orders WHERE state = 'paid';\n")
        try project.migrateOK(["migrate"])
        return project
    }

    /// The one drift report of a `check -drift -outputType=json` document.
    private func drift(_ document: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(document["operation"] as? String, "check", file: file, line: line)
        let results = try XCTUnwrap(document["individualResults"] as? [[String: Any]], "\(document)", file: file, line: line)
        XCTAssertEqual(results.count, 1, file: file, line: line)
        XCTAssertEqual(results[0]["operation"] as? String, "drift", file: file, line: line)
        return results[0]
    }

    private func objects(_ report: [String: Any], _ list: String) -> [[String: Any]] {
        report[list] as? [[String: Any]] ?? []
    }

    /// The object of `type` named `name` in `list`, failing the test when it is not there.
    private func object(_ report: [String: Any], _ list: String, _ type: String, _ name: String,
                        file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(objects(report, list).first { $0["objectType"] as? String == type && $0["name"] as? String == name },
                      "no \(type) \(name) in \(list): \(report)", file: file, line: line)
    }

    private func databaseExists(_ project: MigrateProject, _ name: String) throws -> Bool {
        try project.scalar("SELECT count(*) FROM pg_database WHERE datname = $1", [name]) == "1"
    }

    // MARK: No drift

    func testUntouchedDatabaseHasNoDriftAndTheTemporaryDatabaseIsDropped() throws {
        let project = try orderProject()
        let report = try drift(try project.json(["check", "-drift"]))
        XCTAssertEqual(report["driftDetected"] as? Bool, false)
        for list in ["onlyInSource", "onlyInTarget", "differences"] { XCTAssertEqual(objects(report, list).count, 0, "\(list): \(report)") }
        XCTAssertEqual(report["appliedMigrations"] as? [String], ["1", "2", "order view"])
        XCTAssertEqual(report["database"] as? String, project.database)
        XCTAssertEqual(report["schemas"] as? [String], ["public"])
        XCTAssertEqual(report["buildDatabaseTemporary"] as? Bool, true)
        XCTAssertGreaterThan(report["objectsCompared"] as? Int ?? 0, 10)
        let build = try XCTUnwrap(report["buildDatabase"] as? String)
        XCTAssertTrue(build.hasPrefix("migrate_check_"), build)
        XCTAssertFalse(try databaseExists(project, build), "the temporary build database is dropped")

        // Text: one line says so, exit 0; Flyway's spelling -drift and --drift both work.
        for mode in ["-drift", "--drift"] {
            let run = try project.migrateOK(["check", mode])
            XCTAssertTrue(run.stdout.contains("No drift: database \"\(project.database)\" matches its 3 applied migrations"), run.output)
        }
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM flyway_schema_history"), "3", "the target's history is untouched")
    }

    /// A database that started from a B file is rebuilt from that file; one migrated file by file, from its
    /// versioned files even when a B file has appeared since.
    func testBaselineMigrationsAreRebuiltAsTheDatabaseRanThem() throws {
        let fromBaseline = try MigrateProject()
        try fromBaseline.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try fromBaseline.write("sql/V2__widen.sql", "ALTER TABLE a ALTER COLUMN id TYPE bigint;\n")
        try fromBaseline.write("sql/B2__a.sql", "CREATE TABLE a (id bigint, from_baseline boolean);\n")
        try fromBaseline.write("sql/V3__b.sql", "CREATE TABLE b (id int);\n")
        try fromBaseline.migrateOK(["migrate"])
        XCTAssertEqual(try fromBaseline.history().map { $0[2] }, ["SQL_BASELINE", "SQL"])
        var report = try drift(try fromBaseline.json(["check", "-drift"]))
        XCTAssertEqual(report["driftDetected"] as? Bool, false, "\(report)")
        XCTAssertEqual(report["appliedMigrations"] as? [String], ["2", "3"])

        let fileByFile = try MigrateProject()
        try fileByFile.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try fileByFile.write("sql/V2__widen.sql", "ALTER TABLE a ALTER COLUMN id TYPE bigint;\n")
        try fileByFile.write("sql/V3__b.sql", "CREATE TABLE b (id int);\n")
        try fileByFile.migrateOK(["migrate"])
        try fileByFile.write("sql/B2__a.sql", "CREATE TABLE a (id bigint, from_baseline boolean);\n")
        report = try drift(try fileByFile.json(["check", "-drift"]))
        XCTAssertEqual(report["driftDetected"] as? Bool, false, "\(report)")
        XCTAssertEqual(report["appliedMigrations"] as? [String], ["1", "2", "3"])
    }

    // MARK: Drift

    func testChangesMadeByHandAreDriftInTheirList() throws {
        let project = try orderProject()
        // A production hotfix: a column type, an index, a function body and a table, a view dropped, a grant revoked.
        try project.db().execute("""
            ALTER TABLE orders ALTER COLUMN status TYPE varchar(20);
            CREATE INDEX orders_status_idx ON orders (status);
            CREATE OR REPLACE FUNCTION total(a int, b int) RETURNS int LANGUAGE plpgsql AS $$
            BEGIN
                RETURN a + b + 1;
            END $$;
            CREATE TABLE hotfix_log (id int);
            DROP VIEW paid_orders;
            REVOKE SELECT ON orders FROM PUBLIC;
            """)
        let (document, error) = try project.jsonFailure(["check", "-drift"])
        XCTAssertEqual(error["errorCode"] as? String, "CHECK_DRIFT_DETECTED")
        let report = try drift(document)
        XCTAssertEqual(report["driftDetected"] as? Bool, true)

        let index = try object(report, "onlyInTarget", "Index", "orders_status_idx")
        XCTAssertEqual(index["schema"] as? String, "public")
        XCTAssertEqual(index["definitionAfter"] as? String, "CREATE INDEX orders_status_idx ON public.orders USING btree (status)")
        XCTAssertNil(index["definitionBefore"])
        let table = try object(report, "onlyInTarget", "Table", "hotfix_log")
        XCTAssertEqual(table["definitionAfter"] as? String, "CREATE TABLE public.hotfix_log (\n    id integer\n)")

        let orders = try object(report, "differences", "Table", "orders")
        let before = try XCTUnwrap(orders["definitionBefore"] as? String), after = try XCTUnwrap(orders["definitionAfter"] as? String)
        XCTAssertTrue(before.contains("    status text DEFAULT 'new'::text NOT NULL,"), before)
        XCTAssertTrue(after.contains("    status character varying(20) DEFAULT 'new'::text NOT NULL,"), after)
        XCTAssertTrue(before.contains("id bigint GENERATED ALWAYS AS IDENTITY NOT NULL"), before)

        let function = try object(report, "differences", "Function", "total(integer, integer)")
        XCTAssertTrue((function["definitionBefore"] as? String)?.contains("RETURN a + b;") ?? false, "\(function)")
        XCTAssertTrue((function["definitionAfter"] as? String)?.contains("RETURN a + b + 1;") ?? false, "\(function)")

        let view = try object(report, "onlyInSource", "View", "paid_orders")
        XCTAssertTrue((view["definitionBefore"] as? String)?.hasPrefix("CREATE VIEW public.paid_orders AS") ?? false, "\(view)")
        XCTAssertNil(view["definitionAfter"])
        let grant = try object(report, "onlyInSource", "Grant", "TABLE public.orders TO PUBLIC")
        XCTAssertEqual(grant["definitionBefore"] as? String, "GRANT SELECT ON TABLE public.orders TO PUBLIC")

        XCTAssertEqual(report["onlyInSourceCount"] as? Int, 2)
        XCTAssertEqual(report["onlyInTargetCount"] as? Int, 2, "the new table's grants and columns come with it: \(report)")
        XCTAssertEqual(report["differencesCount"] as? Int, 2)
        XCTAssertFalse(try databaseExists(project, try XCTUnwrap(report["buildDatabase"] as? String)))

        // Text: each object on a line, the changed lines of a definition under it, the count, exit 1.
        let run = try project.migrate(["check", "-drift"])
        XCTAssertEqual(run.status, 1, run.output)
        for expected in ["only in the database:   index public.orders_status_idx",
                         "only in the database:   table public.hotfix_log",
                         "only in the migrations: view public.paid_orders",
                         "differs:                function public.total(integer, integer)",
                         "      -     RETURN a + b;", "      +     RETURN a + b + 1;",
                         "      -     status text DEFAULT 'new'::text NOT NULL,",
                         "Drift: 2 objects only in the migrations, 2 only in the database, 2 different"] {
            XCTAssertTrue(run.stdout.contains(expected), "missing \(expected):\n\(run.stdout)")
        }
        XCTAssertTrue(run.stderr.contains("ERROR: Drift detected in database \"\(project.database)\""), run.stderr)

        // failOnDrift=false: the same report, exit 0.
        let reported = try drift(try project.json(["check", "-drift", "-check.failOnDrift=false"]))
        XCTAssertEqual(reported["driftDetected"] as? Bool, true)
        XCTAssertEqual(reported["differencesCount"] as? Int, 2)
    }

    func testEnumTriggerStateSequenceAndColumnGrantDrift() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__all.sql", """
            CREATE TYPE mood AS ENUM ('sad', 'ok');
            CREATE TABLE t (id int, name text);
            CREATE SEQUENCE counter START 5 INCREMENT 2;
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();
            GRANT SELECT (name) ON t TO PUBLIC;

            """)
        try project.migrateOK(["migrate"])
        try project.db().execute("""
            ALTER TYPE mood ADD VALUE 'happy';
            ALTER TABLE t DISABLE TRIGGER t_touch;
            ALTER SEQUENCE counter INCREMENT 3;
            SELECT nextval('counter');
            REVOKE SELECT (name) ON t FROM PUBLIC;
            """)
        let report = try drift(try project.jsonFailure(["check", "-drift"]).document)
        XCTAssertEqual(try object(report, "differences", "Type", "mood")["definitionAfter"] as? String,
                       "CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')")
        XCTAssertTrue((try object(report, "differences", "Trigger", "t.t_touch")["definitionAfter"] as? String)?
            .hasSuffix("DISABLE TRIGGER t_touch") ?? false)
        XCTAssertTrue((try object(report, "differences", "Sequence", "counter")["definitionAfter"] as? String)?
            .contains("INCREMENT BY 3") ?? false, "parameters compared, not the current value")
        XCTAssertEqual(try object(report, "onlyInSource", "Grant", "COLUMN public.t.name TO PUBLIC")["definitionBefore"] as? String,
                       "GRANT SELECT (name) ON TABLE public.t TO PUBLIC")
        XCTAssertEqual(report["differencesCount"] as? Int, 3, "\(report)")
    }

    /// A schema an administrator created and granted before the first migrate, and default privileges, as
    /// users/02_schema_and_grants.sql sets them: the build database gets them too, so the grants tables got
    /// from them are no drift; a grant made by hand afterwards still is.
    func testSchemaAndDefaultPrivilegesSetBeforeMigrateAreNoDrift() throws {
        let project = try MigrateProject()
        try project.db().execute("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'drift_app') THEN CREATE ROLE drift_app; END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'drift_reader') THEN CREATE ROLE drift_reader; END IF;
            END $$;
            CREATE SCHEMA app;
            REVOKE ALL ON SCHEMA public FROM PUBLIC;
            GRANT USAGE ON SCHEMA app TO drift_app, drift_reader;
            ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO drift_app;
            ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO drift_reader;
            ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
            """)
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
        try project.migrateOK(["migrate", "-schemas=app,public"])
        XCTAssertEqual(try project.scalar("SELECT has_table_privilege('drift_app', 'app.t', 'INSERT')::text"), "true")
        let report = try drift(try project.json(["check", "-drift", "-schemas=app,public"]))
        for list in ["onlyInSource", "onlyInTarget", "differences"] { XCTAssertEqual(objects(report, list).count, 0, "\(list): \(report)") }

        try project.db().execute("GRANT UPDATE ON app.t TO drift_reader")
        let drifted = try drift(try project.jsonFailure(["check", "-drift", "-schemas=app,public"]).document)
        XCTAssertEqual(try object(drifted, "differences", "Grant", "TABLE app.t TO drift_reader")["definitionAfter"] as? String,
                       "GRANT SELECT, UPDATE ON TABLE app.t TO drift_reader")
        XCTAssertEqual(drifted["differencesCount"] as? Int, 1, "\(drifted)")
    }

    // MARK: Where the expected schema is built

    func testBuildURLIsUsedEmptyOrCleanedOnlyWhenCleanIsEnabled() throws {
        let project = try orderProject()
        let buildName = try project.cluster.createDatabase(prefix: "build")
        let buildURL = project.cluster.url(database: buildName).replacingOccurrences(of: "postgres@", with: "postgres:hunter2secret@")

        let report = try drift(try project.json(["check", "-drift", "-check.buildUrl=\(buildURL)"]))
        XCTAssertEqual(report["driftDetected"] as? Bool, false, "\(report)")
        XCTAssertEqual(report["buildDatabase"] as? String, buildName)
        XCTAssertEqual(report["buildDatabaseTemporary"] as? Bool, false)
        XCTAssertTrue(try databaseExists(project, buildName), "a database the user named is never dropped")

        // Now it holds the previous build: refused while clean is disabled (the default), cleaned once allowed.
        let refused = try project.migrate(["-outputType=json", "check", "-drift", "-check.buildUrl=\(buildURL)"])
        XCTAssertEqual(refused.status, 1)
        let error = try XCTUnwrap(try refused.document()["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "CHECK_BUILD_NO_PROVISIONER")
        XCTAssertTrue((error["message"] as? String)?.contains("the build database \"\(buildName)\" (check.buildUrl) is not empty") ?? false, "\(error)")
        XCTAssertFalse(refused.output.contains("hunter2secret"), refused.output)

        try project.db().execute("CREATE INDEX orders_status_idx ON orders (status)")
        let cleaned = try project.migrate(["check", "-drift", "-check.buildUrl=\(buildURL)", "-cleanDisabled=false"])
        XCTAssertEqual(cleaned.status, 1, cleaned.output)
        XCTAssertTrue(cleaned.stdout.contains("in database \"\(buildName)\"\n"), cleaned.stdout)
        XCTAssertTrue(cleaned.stdout.contains("only in the database:   index public.orders_status_idx"), cleaned.stdout)
        XCTAssertFalse(cleaned.output.contains("hunter2secret"), cleaned.output)
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM flyway_schema_history"), "3", "the target is not cleaned")
    }

    func testBuildURLNamingTheTargetIsRefused() throws {
        let project = try orderProject()
        let (_, error) = try project.jsonFailure(["check", "-drift", "-check.buildUrl=\(project.url)", "-cleanDisabled=false"])
        XCTAssertEqual(error["errorCode"] as? String, "PLUGIN_CHECK_MISSING_BUILD_TARGET")
        XCTAssertTrue((error["message"] as? String)?.contains("check.buildUrl names the database being checked") ?? false, "\(error)")
        XCTAssertTrue(try project.tableExists("orders"), "nothing was cleaned")
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM flyway_schema_history"), "3")
    }

    func testRoleThatMayNotCreateDatabasesIsToldToPassABuildURL() throws {
        let project = try orderProject()
        let role = "checker_" + UUID().uuidString.prefix(8).lowercased()
        try project.db().execute("CREATE ROLE \(role) LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)")
        let (_, error) = try project.jsonFailure(["check", "-drift", "-user=\(role)"])
        XCTAssertEqual(error["errorCode"] as? String, "PLUGIN_CHECK_MISSING_BUILD_TARGET")
        let message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("cannot create a temporary build database as \"\(role)\" (permission denied to create database)"), message)
        XCTAssertTrue(message.contains("-check.buildUrl="), message)
    }

    func testAFailingBuildNamesTheFileAndTheTemporaryDatabaseIsDropped() throws {
        let project = try MigrateProject()
        let role = "drift_role_" + UUID().uuidString.prefix(8).lowercased()
        try project.write("sql/V1__table.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__role.sql", "-- roles belong to the whole server\nCREATE ROLE \(role);\n")
        try project.migrateOK(["migrate"])
        let (_, error) = try project.jsonFailure(["check", "-drift"])
        XCTAssertEqual(error["path"] as? String, "sql/V2__role.sql")
        XCTAssertEqual(error["lineNumber"] as? Int, 2)
        XCTAssertEqual(error["sqlState"] as? String, "42710")
        let message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("building the expected schema in database \"migrate_check_"), message)
        XCTAssertTrue(message.contains("pass -check.buildUrl naming a database on another server"), message)
        let build = try XCTUnwrap(message.split(separator: "\"").first { $0.hasPrefix("migrate_check_") })
        XCTAssertFalse(try databaseExists(project, String(build)), "dropped after the failure")
    }

    // MARK: Histories that cannot be rebuilt

    func testHistoryTheFilesCannotRebuildIsRefusedBeforeAnythingIsBuilt() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        var (_, error) = try project.jsonFailure(["check", "-drift"])
        XCTAssertEqual(error["errorCode"] as? String, "CHECK_CANNOT_REBUILD")
        XCTAssertTrue((error["message"] as? String)?.contains("has no schema history table \"public\".\"flyway_schema_history\"") ?? false, "\(error)")

        try project.migrateOK(["migrate"])
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id bigint);\n")
        (_, error) = try project.jsonFailure(["check", "-drift"])
        XCTAssertEqual(error["errorCode"] as? String, "CHECK_CANNOT_REBUILD")
        var message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("cannot be rebuilt from the migration files"), message)
        XCTAssertTrue(message.contains("version 1 (a): V1__a.sql changed since it was applied"), message)

        try project.remove("sql/V1__a.sql")
        (_, error) = try project.jsonFailure(["check", "-drift"])
        message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("version 1 (a) was applied but V1__a.sql is not in the locations"), message)

        let baselined = try MigrateProject()
        try baselined.db().execute("CREATE TABLE legacy (id int)")
        try baselined.migrateOK(["-baselineVersion=3", "baseline"])
        (_, error) = try baselined.jsonFailure(["check", "-drift"])
        message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("version 3 (<< Flyway Baseline >>) is a baseline: the migrations up to it never ran in this database"), message)
        XCTAssertEqual(try baselined.scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_check_%'"), "0",
                       "refused before a build database is made")
    }

    // MARK: Command line

    func testCheckNeedsDriftAndOnlyDrift() throws {
        let project = try MigrateProject()
        for (arguments, expected) in [
            (["check"], "check needs a mode: migrate check -drift"),
            (["check", "-changes"], "check -changes is a Flyway mode migrate does not have; migrate's check has one mode: check -drift"),
            (["-drift", "info"], "-drift is a mode of the check command: migrate check -drift"),
        ] {
            let run = try project.migrate(arguments)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.output)")
            XCTAssertTrue(run.stderr.contains(expected), "\(arguments): \(run.stderr)")
        }
        let refused = try project.migrate(["check", "-drift", "-check.deployedSnapshot=snap.json"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("flyway.check.deployedSnapshot is not supported by migrate: migrate's check has -drift only"), refused.stderr)
        let help = try project.migrate(["--help"])
        XCTAssertTrue(help.stdout.contains("check     -drift: compare the database with a build of its applied migrations"), help.stdout)
    }
}
