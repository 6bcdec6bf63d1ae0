import XCTest
import MigrateCore

final class MigrateCommandTests: XCTestCase {
    func testAppliesVersionsInNumericOrderAndSecondRunIsNoOp() throws {
        let project = try MigrateProject()
        // Names chosen so that alphabetical order (1, 10, 1_1, 2) differs from version order (1, 1.1, 2, 10).
        try project.write("sql/V1__create_log.sql", "CREATE TABLE log (n int, step text);\nINSERT INTO log VALUES (1, 'v1');\n")
        try project.write("sql/V10__ten.sql", "INSERT INTO log VALUES ((SELECT max(n) + 1 FROM log), 'v10');\n")
        try project.write("sql/V1_1__one_one.sql", "INSERT INTO log VALUES ((SELECT max(n) + 1 FROM log), 'v1.1');\n")
        try project.write("sql/nested/V2__two.sql", "INSERT INTO log VALUES ((SELECT max(n) + 1 FROM log), 'v2');\n")

        let first = try project.migrateOK(["migrate"])
        XCTAssertTrue(first.stdout.contains("Successfully applied 4 migrations"), first.output)
        XCTAssertEqual(try project.column("SELECT step FROM log ORDER BY n"), ["v1", "v1.1", "v2", "v10"])
        let history = try project.history()
        XCTAssertEqual(history.map { $0[0] }, ["1", "1.1", "2", "10"])
        XCTAssertEqual(history.map { $0[1] }, ["create log", "one one", "two", "ten"])
        XCTAssertEqual(history.map { $0[2] }, ["SQL", "SQL", "SQL", "SQL"])
        XCTAssertEqual(history.map { $0[3] }, ["V1__create_log.sql", "V1_1__one_one.sql", "nested/V2__two.sql", "V10__ten.sql"])
        XCTAssertEqual(history.map { $0[5] }, ["true", "true", "true", "true"])
        // One progress line per file, with its time.
        XCTAssertEqual(first.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("Applied version") && $0.hasSuffix(" ms") }.count, 4, first.stdout)

        let second = try project.migrateOK(["migrate"])
        XCTAssertTrue(second.stdout.contains("up to date"), second.output)
        XCTAssertEqual(try project.history().count, 4)
        XCTAssertEqual(try project.column("SELECT count(*)::text FROM log"), ["4"])
    }

    func testHistoryTableHasFlywaysExactShape() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__init.sql", "CREATE TABLE t (id int);\n")
        try project.migrateOK(["migrate"])
        let columns = try project.db().query("""
            SELECT column_name || ' ' || data_type || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable
              FROM information_schema.columns WHERE table_name = 'flyway_schema_history' ORDER BY ordinal_position
            """).rows.map { $0[0]! }
        XCTAssertEqual(columns, [
            "installed_rank integer NO", "version character varying(50) YES", "description character varying(200) NO",
            "type character varying(20) NO", "script character varying(1000) NO", "checksum integer YES",
            "installed_by character varying(100) NO", "installed_on timestamp without time zone NO",
            "execution_time integer NO", "success boolean NO",
        ])
        XCTAssertEqual(try project.column("SELECT indexname::text FROM pg_indexes WHERE tablename = 'flyway_schema_history' ORDER BY 1"),
                       ["flyway_schema_history_pk", "flyway_schema_history_s_idx"])
        XCTAssertEqual(try project.scalar("SELECT installed_by FROM flyway_schema_history"), "postgres")
    }

    func testFailingSecondStatementLeavesNothingAndNamesFileAndLine() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__ok.sql", "CREATE TABLE ok (id int);\n")
        try project.write("sql/V2__broken.sql", """
            -- a comment line
            CREATE TABLE half (id int);

            INSERT INTO half
              VALUES (1), (2)
              RETURNINGG id;
            CREATE TABLE never (id int);
            """)
        try project.write("sql/V3__later.sql", "CREATE TABLE later (id int);\n")
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V2__broken.sql:6:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("syntax error at or near \"RETURNINGG\""), run.stderr)
        XCTAssertTrue(run.stderr.contains("SQLSTATE 42601"), run.stderr)
        XCTAssertTrue(run.stderr.contains("statement starting at line 4"), run.stderr)
        XCTAssertFalse(try project.tableExists("half"), "the failed file must be rolled back entirely")
        XCTAssertFalse(try project.tableExists("never"))
        XCTAssertFalse(try project.tableExists("later"), "migrate stops at the first failure")
        XCTAssertTrue(try project.tableExists("ok"))
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"], "no row for the failed file")
    }

    func testRuntimeErrorReportsDetailAndHint() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__unique.sql", """
            CREATE TABLE u (id int PRIMARY KEY);
            INSERT INTO u VALUES (1);
            INSERT INTO u VALUES (1);
            """)
        try project.write("sql/V2__raise.sql", """
            DO $$ BEGIN RAISE EXCEPTION 'custom failure' USING DETAIL = 'the detail', HINT = 'the hint'; END $$;
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("sql/V1__unique.sql:3:1: duplicate key value violates unique constraint"), run.stderr)
        XCTAssertTrue(run.stderr.contains("SQLSTATE 23505"), run.stderr)
        XCTAssertTrue(run.stderr.contains("DETAIL: Key (id)=(1) already exists."), run.stderr)
        XCTAssertFalse(try project.tableExists("u"))

        try project.remove("sql/V1__unique.sql")
        let second = try project.migrate(["migrate"])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("custom failure"), second.stderr)
        XCTAssertTrue(second.stderr.contains("DETAIL: the detail"), second.stderr)
        XCTAssertTrue(second.stderr.contains("HINT: the hint"), second.stderr)
    }

    func testTargetStopsAtVersion() throws {
        let project = try MigrateProject()
        for version in 1...4 { try project.write("sql/V\(version)__t\(version).sql", "CREATE TABLE t\(version) (id int);\n") }
        try project.migrateOK(["migrate", "-target=2"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])
        let unknown = try project.migrate(["migrate", "-target=7"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("target version 7"), unknown.stderr)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2", "3", "4"])
    }

    func testNonEmptySchemaWithoutHistoryIsRefusedAndBaselineOnMigrateAdopts() throws {
        let project = try MigrateProject()
        try project.db().execute("CREATE TABLE legacy (id int)")
        try project.write("sql/V1__legacy.sql", "CREATE TABLE legacy (id int);\n")
        try project.write("sql/V2__next.sql", "ALTER TABLE legacy ADD COLUMN name text;\n")
        let refused = try project.migrate(["migrate"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("non-empty schema \"public\" without schema history table"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("baseline"), refused.stderr)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))

        try project.migrateOK(["migrate", "-baselineOnMigrate=true"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[2]] }, [["1", "BASELINE"], ["2", "SQL"]])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'legacy'"), "2")
    }

    func testTellsWhenAnotherHistoryTableExists() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate"])
        let run = try project.migrate(["migrate", "-table=schema_version"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("\"public\".\"flyway_schema_history\"") || run.stderr.contains("public.flyway_schema_history"), run.stderr)
    }

    func testWarnsWhenAHistoryTableExistsInAnotherSchema() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate", "-schemas=app"])
        let run = try project.migrateOK(["migrate"])
        XCTAssertTrue(run.stderr.contains("WARNING: creating a new schema history table \"public\".\"flyway_schema_history\", but one already exists as app.flyway_schema_history"), run.stderr)
    }

    func testSchemasAreCreatedAndHistoryLivesInTheFirst() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__in_app.sql", "CREATE TABLE widgets (id int);\n")
        try project.migrateOK(["migrate", "-schemas=app,extra"])
        XCTAssertTrue(try project.tableExists("app.widgets"), "unqualified names go to the default schema")
        XCTAssertTrue(try project.tableExists("app.flyway_schema_history"))
        XCTAssertEqual(try project.history(table: "app.flyway_schema_history").map { [$0[1], $0[2], $0[3]] },
                       [["<< Flyway Schema Creation >>", "SCHEMA", "\"app\",\"extra\""], ["in app", "SQL", "V1__in_app.sql"]])
        XCTAssertEqual(try project.scalar("SELECT installed_rank::text FROM app.flyway_schema_history WHERE type = 'SCHEMA'"), "0")
    }

    func testMisnamedFilesWarnOrFail() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__ok.sql", "CREATE TABLE ok (id int);\n")
        try project.write("sql/V1_x.sql", "CREATE TABLE bad1 (id int);\n")
        try project.write("sql/v2__lower.sql", "CREATE TABLE bad2 (id int);\n")
        try project.write("sql/V__noversion.sql", "CREATE TABLE bad3 (id int);\n")
        let run = try project.migrateOK(["migrate"])
        for name in ["sql/V1_x.sql", "sql/v2__lower.sql", "sql/V__noversion.sql"] {
            XCTAssertTrue(run.stderr.contains("WARNING: \(name) is not a valid migration name"), run.stderr)
        }
        XCTAssertTrue(run.stderr.contains("V<version>__<description>.sql"), run.stderr)
        let strict = try project.migrate(["migrate", "-validateMigrationNaming=true"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("3 file(s) are not valid migration names"), strict.stderr)
    }

    func testDuplicateVersionsAreRefusedNamingBoth() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "SELECT 1;\n")
        try project.write("sql/V1.0__b.sql", "SELECT 1;\n")
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("more than one migration with version 1"), run.stderr)
        XCTAssertTrue(run.stderr.contains("sql/V1.0__b.sql") && run.stderr.contains("sql/V1__a.sql"), run.stderr)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    func testRepeatableRunsAfterVersionedAndAgainWhenChanged() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT id FROM t;\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { $0[0] ?? "R:" + $0[1]! }, ["1", "R:view"])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().count, 2)
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT id, id * 2 AS twice FROM t;\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().count, 3)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'v'"), "2")
    }
}

final class RepeatablePlaceholderTests: XCTestCase {
    /// Flyway checksums repeatables after placeholder replacement, so a new value re-runs them.
    func testRepeatableChecksumIncludesPlaceholderValues() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/R__comment.sql", "COMMENT ON TABLE t IS 'owner ${owner}';\n")
        try project.migrateOK(["migrate", "-placeholders.owner=alice"])
        XCTAssertEqual(try project.scalar("SELECT checksum::text FROM flyway_schema_history WHERE version IS NULL"),
                       String(Checksum.of("COMMENT ON TABLE t IS 'owner alice';")))
        try project.migrateOK(["migrate", "-placeholders.owner=alice"])
        XCTAssertEqual(try project.history().count, 2)
        try project.migrateOK(["validate", "-placeholders.owner=alice"])
        let changed = try project.migrate(["validate", "-placeholders.owner=bob"])
        XCTAssertEqual(changed.status, 1)
        XCTAssertTrue(changed.stderr.contains("outdated resolved repeatable migration"), changed.stderr)
        try project.migrateOK(["migrate", "-placeholders.owner=bob"])
        XCTAssertEqual(try project.history().count, 3)
        XCTAssertEqual(try project.scalar("SELECT obj_description('t'::regclass)"), "owner bob")
    }
}

final class GroupAndSkipTests: XCTestCase {
    func testGroupAppliesAllPendingInOneTransactionOrNothing() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        try project.write("sql/V3__broken.sql", "CREATE TABLE c (id int);\nSELECT 1/0;\n")
        let failed = try project.migrate(["migrate", "-group=true"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("sql/V3__broken.sql:2:"), failed.stderr)
        XCTAssertFalse(try project.tableExists("a"), "group=true: the failure of V3 undoes V1 and V2")
        XCTAssertFalse(try project.tableExists("b"))
        XCTAssertEqual(try project.history().count, 0)
        // Without group, V1 and V2 stay applied when V3 fails.
        XCTAssertEqual(try project.migrate(["migrate"]).status, 1)
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])

        try project.write("sql/V3__broken.sql", "CREATE TABLE c (id int);\n")
        try project.write("sql/V4__d.sql", "CREATE TABLE d (id int);\n")
        try project.migrateOK(["migrate", "-group=true"])
        let xmins = try project.column("SELECT xmin::text FROM flyway_schema_history WHERE version IN ('3', '4')")
        XCTAssertEqual(Set(xmins).count, 1, "one transaction for the whole group")

        try project.write("sql/V5__index.sql", "CREATE INDEX CONCURRENTLY d_idx ON d (id);\n")
        try project.write("sql/V6__e.sql", "CREATE TABLE e (id int);\n")
        let refused = try project.migrate(["migrate", "-group=true"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("sql/V5__index.sql cannot be part of a migration group"), refused.stderr)
        XCTAssertFalse(try project.tableExists("e"))
    }

    func testSkipExecutingMigrationsOnlyRecordsThem() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate", "-skipExecutingMigrations=true"])
        XCTAssertFalse(try project.tableExists("a"))
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"]])
        try project.migrateOK(["validate"])
    }
}
