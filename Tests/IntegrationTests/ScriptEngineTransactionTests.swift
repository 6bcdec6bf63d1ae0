import XCTest

/// When a file runs in a transaction and when it does not: statements PostgreSQL refuses inside a transaction
/// block, mixed files, `executeInTransaction=false`, and what a failure outside a transaction leaves behind.
final class ScriptEngineTransactionTests: XCTestCase {
    func testConcurrentIndexFileRunsOutsideATransaction() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__table.sql", "CREATE TABLE t (id int, name text);\nINSERT INTO t SELECT g, 'n' || g FROM generate_series(1, 1000) g;\n")
        try project.write("sql/V2__indexes.sql", """
            -- Two concurrent index builds; PostgreSQL refuses both inside a transaction block.
            CREATE INDEX CONCURRENTLY t_name_idx ON t (name);
            CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx
                ON t (id);
            """)
        try project.write("sql/V3__vacuum.sql", "VACUUM (ANALYZE) t;\nVACUUM FULL t;\n")
        try project.migrateOK(["migrate", "-target=2"])
        let filenode = try project.scalar("SELECT relfilenode::text FROM pg_class WHERE relname = 't'")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.column("SELECT indexrelid::regclass::text || ' ' || indisvalid FROM pg_index WHERE indrelid = 't'::regclass ORDER BY 1"),
                       ["t_id_idx true", "t_name_idx true"])
        XCTAssertNotEqual(try project.scalar("SELECT relfilenode::text FROM pg_class WHERE relname = 't'"), filenode,
                          "VACUUM FULL rewrote the table")
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"], ["3", "true"]])
    }

    /// On PostgreSQL 12 and later, ALTER TYPE … ADD VALUE is allowed in a transaction, so it may share a
    /// file with other statements (a non-transactional statement there would be refused, see below).
    func testAlterTypeAddValueRunsInsideTheTransaction() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__mood.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok');\n")
        try project.write("sql/V2__more_moods.sql", """
            ALTER TYPE mood ADD VALUE 'happy';
            ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'ok';
            CREATE TABLE person (name text, feeling mood);
            """)
        try project.write("sql/V3__use.sql", "INSERT INTO person VALUES ('ann', 'happy'), ('bob', 'meh');\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.column("SELECT unnest(enum_range(NULL::mood))::text"), ["sad", "meh", "ok", "happy"])
        XCTAssertEqual(try project.column("SELECT name FROM person ORDER BY feeling"), ["bob", "ann"])
        XCTAssertEqual(try project.column("SELECT DISTINCT xmin::text FROM pg_enum WHERE enumlabel IN ('happy', 'meh')"),
                       try project.column("SELECT xmin::text FROM flyway_schema_history WHERE version = '2'"),
                       "both values were added in the migration's own transaction")
    }

    func testMixedFileIsRefusedUnlessMixedIsTrue() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__first.sql", "CREATE TABLE first (id int);\n")
        try project.write("sql/V2__mixed.sql", """
            CREATE TABLE x (id int);
            INSERT INTO x VALUES (1);

            CREATE INDEX CONCURRENTLY x_idx
                ON x (id);
            """)
        let refused = try project.migrate(["migrate"])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("sql/V2__mixed.sql:4: detected both transactional and non-transactional statements in the same migration (mixed is false): CREATE INDEX CONCURRENTLY x_idx"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("set mixed=true"), refused.stderr)
        XCTAssertFalse(try project.tableExists("x"), "nothing of the mixed file ran")
        XCTAssertFalse(try project.tableExists("first"), "every pending file is checked before V1 runs")
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))

        try project.migrateOK(["migrate", "-mixed=true"])
        XCTAssertEqual(try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'x_idx'::regclass"), "true")
        XCTAssertEqual(try project.column("SELECT id::text FROM x"), ["1"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"]])
    }

    /// `V2__x.sql.conf` with executeInTransaction=false runs an ordinary file statement by statement. When it
    /// fails part way, the earlier statements stay, the failure is recorded, and the usual Flyway path
    /// (info shows Failed, validate and migrate refuse, repair, fix, migrate) gets it done.
    func testFailedNonTransactionalFileIsRecordedAndRepairable() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__base.sql", "CREATE TABLE base (id int);\n")
        try project.write("sql/V2__steps.sql", """
            CREATE TABLE steps (id int PRIMARY KEY);
            INSERT INTO steps VALUES (1);
            INSERT INTO steps VALUES (10 / 0);
            INSERT INTO steps VALUES (3);
            """)
        try project.write("sql/V2__steps.sql.conf", "# run statement by statement\nexecuteInTransaction=false\n")
        try project.write("sql/V3__after.sql", "CREATE TABLE after (id int);\n")

        let failed = try project.migrate(["migrate"])
        XCTAssertEqual(failed.status, 1, failed.output)
        XCTAssertTrue(failed.stderr.contains("sql/V2__steps.sql:3:1: division by zero (SQLSTATE 22012)"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("ran outside a transaction"), failed.stderr)
        XCTAssertEqual(try project.column("SELECT id::text FROM steps"), ["1"], "statements before the failure stay applied")
        XCTAssertFalse(try project.tableExists("after"))
        let history = try project.history()
        XCTAssertEqual(history.map { [$0[0], $0[3], $0[5]] }, [["1", "V1__base.sql", "true"], ["2", "V2__steps.sql", "false"]])

        let info = try project.migrateOK(["info"])
        XCTAssertTrue(info.stdout.components(separatedBy: "\n").contains { $0.contains("| 2 ") && $0.contains("Failed") }, info.stdout)
        let validate = try project.migrate(["validate"])
        XCTAssertEqual(validate.status, 1, validate.output)
        XCTAssertTrue(validate.stderr.contains("Detected failed migration to version 2 (steps)"), validate.stderr)
        let blocked = try project.migrate(["migrate"])
        XCTAssertEqual(blocked.status, 1, blocked.output)
        XCTAssertTrue(blocked.stderr.contains("failed migration (version 2 (steps))"), blocked.stderr)
        XCTAssertFalse(try project.tableExists("after"))

        let repair = try project.migrateOK(["repair"])
        XCTAssertTrue(repair.stdout.contains("Removed 1 failed migration row"), repair.output)
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
        // The fix must cope with what the failed run left behind, as after any non-transactional failure.
        try project.write("sql/V2__steps.sql", """
            CREATE TABLE IF NOT EXISTS steps (id int PRIMARY KEY);
            INSERT INTO steps VALUES (1) ON CONFLICT DO NOTHING;
            INSERT INTO steps VALUES (10 / 5);
            INSERT INTO steps VALUES (3);
            """)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.column("SELECT id::text FROM steps ORDER BY id"), ["1", "2", "3"])
        XCTAssertTrue(try project.tableExists("after"))
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"], ["3", "true"]])
        try project.migrateOK(["validate"])
    }

    /// A concurrent index build that fails after another one succeeded: the first index stays (and is
    /// valid), the file is recorded as failed.
    func testFailingConcurrentIndexFileLeavesEarlierIndexes() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__table.sql", "CREATE TABLE t (id int, code text);\nINSERT INTO t VALUES (1, 'a'), (2, 'a');\n")
        try project.write("sql/V2__indexes.sql", """
            CREATE INDEX CONCURRENTLY t_id_idx ON t (id);
            CREATE UNIQUE INDEX CONCURRENTLY t_code_idx ON t (code);
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V2__indexes.sql:2:1: could not create unique index \"t_code_idx\" (SQLSTATE 23505)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("DETAIL: Key (code)=(a) is duplicated."), run.stderr)
        XCTAssertEqual(try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_id_idx'::regclass"), "true")
        // PostgreSQL leaves the failed concurrent build behind as an invalid index; migrate reports, not hides, it.
        XCTAssertEqual(try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_code_idx'::regclass"), "false")
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "false"]])
    }

    /// A procedure or DO block that commits cannot run inside migrate's transaction (the server refuses, and
    /// the error names the CALL); with executeInTransaction=false it runs as it does in psql.
    func testCommittingProcedureNeedsExecuteInTransactionFalse() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__batches.sql", """
            CREATE TABLE t (id int);
            CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$
            BEGIN
                FOR i IN 1..3 LOOP
                    INSERT INTO t VALUES (i);
                    COMMIT;
                END LOOP;
            END $$;
            CALL fill();
            DO $$ BEGIN INSERT INTO t VALUES (10); COMMIT; INSERT INTO t VALUES (11); END $$;
            """)
        let refused = try project.migrate(["migrate"])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("sql/V1__batches.sql:9:1: invalid transaction termination (SQLSTATE 2D000)"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("statement starting at line 9: CALL fill()"), refused.stderr)
        XCTAssertFalse(try project.tableExists("t"))

        try project.write("sql/V1__batches.sql.conf", "executeInTransaction=false\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.column("SELECT id::text FROM t ORDER BY t.id"), ["1", "2", "3", "10", "11"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"]])
        try project.assertSameAsPsql(["sql/V1__batches.sql"])
    }

    // MARK: Scripts with their own BEGIN/COMMIT

    /// pg_dump writes large objects inside its own `BEGIN; … COMMIT;`. That COMMIT ends migrate's transaction;
    /// the file must still apply exactly as with psql, and without a "no transaction in progress" warning.
    func testPgDumpWithLargeObjectsAppliesLikePsql() throws {
        let project = try MigrateProject()
        let source = try project.cluster.createDatabase(prefix: "losrc")
        _ = try project.psql("""
            CREATE TABLE docs (id int PRIMARY KEY, body oid);
            INSERT INTO docs VALUES (1, lo_from_bytea(0, 'hello; large object é')), (2, lo_from_bytea(0, '\\x00ff'::bytea));
            """, database: source)
        let dump = try project.rawDump(database: source, [])
        XCTAssertTrue(dump.contains("\nBEGIN;\n") && dump.contains("lowrite") && dump.contains("\nCOMMIT;\n"), dump)
        try project.write("sql/V1__docs.sql", dump)
        let run = try project.migrateOK(["migrate"])
        XCTAssertFalse(run.stderr.contains("no transaction in progress"), run.stderr)
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"]])
        XCTAssertEqual(try project.column("SELECT encode(lo_get(body), 'escape') FROM docs ORDER BY id"),
                       ["hello; large object \\303\\251", "\\000\\377"])
        try project.assertSameAsPsql(["sql/V1__docs.sql"])
        try project.migrateOK(["validate"])
    }

    /// Once the script's own COMMIT has ended migrate's transaction, the file cannot be rolled back as a
    /// whole: the rest runs statement by statement as psql runs it, and a failure leaves what psql leaves,
    /// recorded as failed (not reported as rolled back).
    func testScriptThatCommitsAndThenFailsLeavesWhatPsqlLeaves() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__commits.sql", """
            CREATE TABLE a (id int PRIMARY KEY);
            INSERT INTO a VALUES (1);
            BEGIN;
            INSERT INTO a VALUES (2);
            COMMIT;
            INSERT INTO a VALUES (3);
            INSERT INTO a VALUES (4), (4);
            INSERT INTO a VALUES (5);
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V1__commits.sql:7:1: duplicate key value violates unique constraint \"a_pkey\""), run.stderr)
        XCTAssertTrue(run.stderr.contains("ran outside a transaction"), run.stderr)
        XCTAssertFalse(run.stderr.contains("rolled back"), run.stderr)
        XCTAssertEqual(try project.column("SELECT id::text FROM a ORDER BY id"), ["1", "2", "3"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "false"]])

        let reference = try project.cluster.createDatabase(prefix: "psql")
        let psql = try project.cluster.psql(database: reference, arguments: [
            "-v", "ON_ERROR_STOP=1", "-q", "-f", project.directory.appendingPathComponent("sql/V1__commits.sql").path,
        ])
        XCTAssertEqual(psql.status, 3, "psql stops at the same statement")
        assertSameText(try project.dump(database: project.database), try project.dump(database: reference),
                       "after the failure migrate and psql leave different databases")
    }

    /// A file wrapped in its own `BEGIN; … COMMIT;` that fails inside: migrate's transaction is still open
    /// then, so everything is rolled back and nothing is recorded, as psql leaves nothing either.
    func testScriptWrappedInItsOwnTransactionRollsBackWhole() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__wrapped.sql", """
            BEGIN;
            CREATE TABLE w (id int);
            INSERT INTO w VALUES (1);
            SELECT 1 / 0;
            COMMIT;
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V1__wrapped.sql:4:1: division by zero"), run.stderr)
        XCTAssertTrue(run.stderr.contains("rolled back"), run.stderr)
        XCTAssertFalse(try project.tableExists("w"))
        XCTAssertEqual(try project.history().count, 0)

        try project.write("sql/V1__wrapped.sql", "BEGIN;\nCREATE TABLE w (id int);\nINSERT INTO w VALUES (1);\nCOMMIT;\n")
        let fixed = try project.migrateOK(["migrate"])
        XCTAssertFalse(fixed.stderr.contains("no transaction in progress"), fixed.stderr)
        XCTAssertEqual(try project.column("SELECT id::text FROM w"), ["1"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"]])
    }
}
