import XCTest

final class ValidateRepairTests: XCTestCase {
    func testEditedAppliedFileFailsValidateAndRepairFixesIt() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__init.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/V2__more.sql", "ALTER TABLE t ADD COLUMN name text;\n")
        try project.migrateOK(["migrate"])
        try project.migrateOK(["validate"])
        let recorded = try project.scalar("SELECT checksum::text FROM flyway_schema_history WHERE version = '2'")

        try project.write("sql/V2__more.sql", "ALTER TABLE t ADD COLUMN name text; -- edited after it was applied\n")
        let failed = try project.migrate(["validate"])
        XCTAssertEqual(failed.status, 1, failed.output)
        XCTAssertTrue(failed.stderr.contains("Migration checksum mismatch for migration version 2"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("-> Applied to database : \(recorded!)"), failed.stderr)
        // migrate refuses too (validateOnMigrate defaults to true) …
        let migrate = try project.migrate(["migrate"])
        XCTAssertEqual(migrate.status, 1)
        XCTAssertTrue(migrate.stderr.contains("checksum mismatch"), migrate.stderr)
        // … unless validation is switched off.
        try project.migrateOK(["migrate", "-validateOnMigrate=false"])

        let repair = try project.migrateOK(["repair"])
        XCTAssertTrue(repair.stdout.contains("Realigned"), repair.output)
        try project.migrateOK(["validate"])
        XCTAssertNotEqual(try project.scalar("SELECT checksum::text FROM flyway_schema_history WHERE version = '2'"), recorded)
    }

    func testMissingIgnoredAndPendingMigrationsFailValidate() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V3__c.sql", "CREATE TABLE c (id int);\n")
        try project.migrateOK(["migrate"])
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")   // added below the current version
        try project.write("sql/V4__d.sql", "CREATE TABLE d (id int);\n")   // pending
        try project.remove("sql/V1__a.sql")                                  // applied but gone
        let run = try project.migrate(["validate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("Detected applied migration not resolved locally: 1."), run.stderr)
        XCTAssertTrue(run.stderr.contains("Detected resolved migration not applied to database: 2.\n    To ignore this migration"), run.stderr)
        XCTAssertTrue(run.stderr.contains("Detected resolved migration not applied to database: 4.\n    To fix this error, either run migrate"), run.stderr)
        let ignoringPending = try project.migrate(["validate", "-ignoreMigrationPatterns=*:pending"])
        XCTAssertFalse(ignoringPending.stderr.contains(": 4."), ignoringPending.stderr)

        // repair marks the missing one deleted; out-of-order then applies 2 and 4.
        try project.migrateOK(["repair"])
        try project.migrateOK(["migrate", "-outOfOrder=true"])
        try project.migrateOK(["validate"])
        XCTAssertTrue(try project.tableExists("b"))
        XCTAssertTrue(try project.tableExists("d"))
        let states = try project.states()
        XCTAssertTrue(states.contains(["1", "Deleted"]), "\(states)")
        XCTAssertTrue(states.contains(["2", "Out of Order"]), "\(states)")
    }

    func testFailedRowBlocksMigrateUntilRepair() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate"])
        // A failed row as a non-transactional failure (or Flyway) would leave it.
        try project.db().execute("""
            INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
            VALUES (2, '2', 'b', 'SQL', 'V2__b.sql', 123, 'someone', 5, false)
            """)
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        XCTAssertEqual(try project.states(), [["1", "Success"], ["2", "Failed"]])
        let validate = try project.migrate(["validate"])
        XCTAssertEqual(validate.status, 1)
        XCTAssertTrue(validate.stderr.contains("Detected failed migration to version 2 (b)."), validate.stderr)
        let migrate = try project.migrate(["migrate"])
        XCTAssertEqual(migrate.status, 1)
        XCTAssertTrue(migrate.stderr.contains("failed migration"), migrate.stderr)
        XCTAssertTrue(migrate.stderr.contains("repair"), migrate.stderr)

        let repair = try project.migrateOK(["repair"])
        XCTAssertTrue(repair.stdout.contains("Removed 1 failed migration row"), repair.stdout)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"]])
    }
}

final class InfoCleanBaselineTests: XCTestCase {
    func testInfoShowsEveryMigrationWithState() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__first_one.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__second.sql", "CREATE TABLE b (id int);\n")
        let before = try project.migrateOK(["info"])
        XCTAssertTrue(before.stdout.contains("does not exist yet"), before.stdout)
        try project.migrateOK(["migrate", "-target=1"])
        let after = try project.migrateOK(["info"])
        let lines = after.stdout.components(separatedBy: "\n")
        XCTAssertTrue(lines.contains { $0.contains("| 1 ") && $0.contains("first one") && $0.contains("Success") }, after.stdout)
        XCTAssertTrue(lines.contains { $0.contains("| 2 ") && $0.contains("second") && $0.contains("Pending") }, after.stdout)
        XCTAssertEqual(try project.states(), [["1", "Success"], ["2", "Pending"]])
        XCTAssertTrue(after.stdout.contains("Installed On"), after.stdout)
        XCTAssertTrue(after.stdout.contains("Schema version: 1"), after.stdout)
    }

    func testCleanIsRefusedByDefault() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate"])
        let run = try project.migrate(["clean"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("clean is disabled"), run.stderr)
        XCTAssertTrue(try project.tableExists("a"))
        XCTAssertTrue(try project.tableExists("flyway_schema_history"))
    }

    func testCleanDropsEveryKindOfObject() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__everything.sql", """
            CREATE TYPE mood AS ENUM ('ok', 'meh');
            CREATE DOMAIN positive AS int CHECK (VALUE > 0);
            CREATE TYPE pair AS (a int, b int);
            CREATE TYPE floatrange AS RANGE (subtype = float8);
            CREATE SEQUENCE counter;
            CREATE TABLE parent (id serial PRIMARY KEY, m mood, p positive);
            CREATE TABLE child (id int REFERENCES parent(id));
            CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE VIEW v AS SELECT * FROM parent;
            CREATE MATERIALIZED VIEW mv AS SELECT count(*) FROM child;
            CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$;
            CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;
            CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);
            """)
        try project.migrateOK(["migrate"])
        // Something outside the configured schema must survive.
        try project.db().execute("CREATE SCHEMA other; CREATE TABLE other.keep (id int)")
        let run = try project.migrateOK(["clean", "-cleanDisabled=false"])
        XCTAssertTrue(run.stdout.contains("Successfully cleaned schema \"public\""), run.stdout)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"), "0")
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"), "0")
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'"), "0")
        XCTAssertTrue(try project.tableExists("other.keep"))
        // And migrate starts over from scratch.
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().count, 1)
    }

    func testCleanDropsSchemasItCreated() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate", "-schemas=made_by_us"])
        try project.migrateOK(["clean", "-schemas=made_by_us", "-cleanDisabled=false"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_namespace WHERE nspname = 'made_by_us'"), "0")
    }

    func testBaselineAdoptsExistingDatabase() throws {
        let project = try MigrateProject()
        try project.db().execute("CREATE TABLE legacy (id int)")
        try project.write("sql/V1__legacy.sql", "CREATE TABLE legacy (id int);\n")
        try project.write("sql/V2__legacy_more.sql", "CREATE TABLE legacy2 (id int);\n")
        try project.write("sql/V3__new.sql", "ALTER TABLE legacy ADD COLUMN note text;\n")
        let baseline = try project.migrateOK(["baseline", "-baselineVersion=2", "-baselineDescription=adopted"])
        XCTAssertTrue(baseline.stdout.contains("with version 2"), baseline.stdout)
        XCTAssertEqual(try project.history(), [["2", "adopted", "BASELINE", "adopted", nil, "true"]])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["2", "3"])
        XCTAssertFalse(try project.tableExists("legacy2"), "versions at or below the baseline never run")
        let again = try project.migrate(["baseline", "-baselineVersion=5"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already contains migrations"), again.stderr)
    }
}
