import Foundation
import TestSupport
import XCTest

/// `-dryRunOutput`: the database is untouched, and the script it writes, run by psql, leaves exactly what a
/// real `migrate` leaves.
final class DryRunTests: XCTestCase {
    /// A set with a table, COPY data (tabs, `\N`, non-ASCII), a plpgsql function, a non-transactional
    /// CREATE INDEX CONCURRENTLY file, a placeholder and a repeatable, in a schema migrate must create.
    private func writeMixedSet(_ project: MigrateProject) throws {
        try project.write("sql/V1__tables.sql", """
            CREATE TABLE ${prefix}_item (id int PRIMARY KEY, name text, note text);
            CREATE TABLE ${prefix}_log (at timestamptz DEFAULT now(), what text); -- trailing comment
            """)
        try project.write("sql/V2__data.sql", "COPY ${prefix}_item (id, name, note) FROM stdin;\n"
            + "1\tcafé ☕\t\\N\n2\twith\\ttab\tZürich\n3\t'quoted'\t\\\\backslash\n\\.\n"
            + "INSERT INTO ${prefix}_item VALUES (4, 'after copy', NULL);\n")
        try project.write("sql/V3__function.sql", """
            CREATE FUNCTION item_count() RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE n bigint;
            BEGIN
              SELECT count(*) INTO n FROM ${prefix}_item; -- a ; inside
              RETURN n;
            END $$;
            """)
        try project.write("sql/V4__index.sql", "CREATE INDEX CONCURRENTLY item_name_idx ON ${prefix}_item (name);\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW item_names AS SELECT name FROM ${prefix}_item ORDER BY id;\n")
    }

    private let settings = ["-schemas=app", "-placeholders.prefix=shop"]

    func testDryRunWritesWhatMigrateWouldDoAndTouchesNothing() throws {
        let project = try MigrateProject()
        try writeMixedSet(project)

        let dry = try project.migrateOK(settings + ["-dryRunOutput=dry.sql", "migrate"])
        XCTAssertTrue(dry.stdout.contains("Database: postgresql://"), dry.output)
        // Nothing in the database: no schema, no history table, no lock left behind.
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_namespace WHERE nspname = 'app'"), "0")
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_class WHERE relname IN ('flyway_schema_history', 'shop_item')"), "0")
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "0")
        let script = try String(contentsOf: project.directory.appendingPathComponent("dry.sql"), encoding: .utf8)
        XCTAssertTrue(script.contains("CREATE TABLE \"app\".\"flyway_schema_history\""), script)
        XCTAssertTrue(script.contains("INSERT INTO \"app\".\"flyway_schema_history\""), script)
        XCTAssertFalse(script.contains("${prefix}"), "placeholders are replaced in the script")
        XCTAssertFalse(script.contains("password"), script)

        // The script, run by psql into an empty database…
        let replayed = try project.cluster.createDatabase(prefix: "dryrun")
        let psql = try project.cluster.psql(database: replayed, arguments: ["-v", "ON_ERROR_STOP=1", "-q", "-f", project.directory.appendingPathComponent("dry.sql").path])
        XCTAssertEqual(psql.status, 0, "psql -f dry.sql failed:\n\(psql.stderr)")

        // …leaves what a real migrate leaves.
        try project.migrateOK(settings + ["migrate"])
        let dumpOptions = ["--schema-only", "-T", "app.flyway_schema_history"]
        assertSameText(comparable(try project.rawDump(database: replayed, dumpOptions)),
                       comparable(try project.rawDump(database: project.database, dumpOptions)),
                       "schema after psql -f dry.sql differs from schema after migrate")
        let rows = "SELECT string_agg(format('%s|%s|%s', id, name, coalesce(note, '<null>')), E'\\n' ORDER BY id) FROM app.shop_item"
        XCTAssertEqual(try project.psql(rows, database: replayed), try project.psql(rows, database: project.database))
        let history = """
            SELECT string_agg(concat_ws('|', installed_rank, version, description, type, script, checksum, success), E'\\n' ORDER BY installed_rank)
              FROM app.flyway_schema_history
            """
        let expectedHistory = try project.psql(history, database: project.database)
        XCTAssertEqual(try project.psql(history, database: replayed), expectedHistory)
        XCTAssertEqual(expectedHistory.split(separator: "\n").count, 6, "SCHEMA marker, four versions and the repeatable")
        XCTAssertTrue(try project.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.item_name_idx'::regclass", database: replayed).hasPrefix("t"))

        // Nothing pending now: a dry run writes no migration, and says so.
        let noop = try project.migrateOK(settings + ["-dryRunOutput=noop.sql", "migrate"])
        XCTAssertTrue(noop.stdout.contains("up to date"), noop.output)
        let noopScript = try String(contentsOf: project.directory.appendingPathComponent("noop.sql"), encoding: .utf8)
        XCTAssertFalse(noopScript.contains("INSERT INTO"), noopScript)
    }

    func testDryRunToStandardOutputAndOtherWritingCommands() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let run = try project.migrateOK(["-dryRunOutput=-", "migrate"])
        XCTAssertTrue(run.stdout.hasPrefix("-- migrate dry run"), run.stdout)
        XCTAssertTrue(run.stdout.contains("CREATE TABLE t (id int)"), run.stdout)
        XCTAssertTrue(run.stderr.contains("Database: "), "progress goes to stderr when the script takes stdout:\n\(run.stderr)")
        XCTAssertFalse(try project.tableExists("t"))

        try project.migrateOK(["migrate"])
        // clean: the DROP statements, nothing dropped.
        let clean = try project.migrateOK(["-cleanDisabled=false", "-dryRunOutput=-", "clean"])
        XCTAssertTrue(clean.stdout.contains("DROP TABLE IF EXISTS public.t CASCADE"), clean.stdout)
        XCTAssertTrue(try project.tableExists("t"))
        // repair: a failed row would be deleted, but stays.
        try project.db().execute("INSERT INTO flyway_schema_history VALUES (9, '9', 'broken', 'SQL', 'V9__broken.sql', 0, 'x', now(), 0, false)")
        let repair = try project.migrateOK(["-dryRunOutput=-", "repair"])
        XCTAssertTrue(repair.stdout.contains("DELETE FROM \"public\".\"flyway_schema_history\" WHERE success = false"), repair.stdout)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM flyway_schema_history WHERE NOT success"), "1")

        // baseline on a fresh database: the history table and its row, written but not created.
        let other = try MigrateProject()
        let baseline = try other.migrateOK(["-baselineVersion=5", "-dryRunOutput=-", "baseline"])
        XCTAssertTrue(baseline.stdout.contains("'<< Flyway Baseline >>'"), baseline.stdout)
        XCTAssertFalse(try other.tableExists("flyway_schema_history"))

        // One command at a time, and not on the same stdout as a JSON document.
        XCTAssertNotEqual(try project.migrate(["-dryRunOutput=x.sql", "info", "migrate"]).status, 0)
        let info = try project.migrate(["-dryRunOutput=x.sql", "info"])
        XCTAssertNotEqual(info.status, 0)
        XCTAssertTrue(info.stderr.contains("info writes nothing"), info.stderr)
        XCTAssertNotEqual(try project.migrate(["-dryRunOutput=-", "-outputType=json", "migrate"]).status, 0)
    }
}

/// A dump without pg_dump's random `\restrict` keys, so two dumps can be compared.
private func comparable(_ dump: String) -> String {
    dump.components(separatedBy: "\n").filter { !$0.hasPrefix("\\restrict ") && !$0.hasPrefix("\\unrestrict ") }
        .joined(separator: "\n")
}
