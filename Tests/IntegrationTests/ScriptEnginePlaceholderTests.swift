import XCTest

/// Placeholders as the script engine applies them: from every configuration source, Flyway's built-ins,
/// everywhere in the text (strings, bodies, comments, COPY data), switched off, with another prefix and
/// suffix, missing, and left out of the checksum.
final class ScriptEnginePlaceholderTests: XCTestCase {
    func testValuesFromCommandLineConfFileAndEnvironmentAndBuiltIns() throws {
        let project = try MigrateProject()
        try project.write("conf/flyway.conf", """
            flyway.placeholders.label=from conf; it's quoted
            flyway.placeholders.owner=conf loses to the environment
            """)
        try project.write("sql/V1__placeholders.sql", """
            -- ${label} may appear in comments too
            CREATE TABLE ${table} (id int, label text, owner text);
            INSERT INTO ${table} VALUES (1, $q$${label}$q$, '${owner}');
            COPY ${table} (id, label, owner) FROM stdin;
            2\t${LABEL} (copy)\t${Owner}
            \\.
            CREATE FUNCTION describe() RETURNS text LANGUAGE sql AS $$ SELECT 'in ${flyway:defaultSchema}'::text $$;
            CREATE TABLE builtins AS SELECT
                '${flyway:defaultSchema}'::text AS default_schema,
                '${flyway:user}'::text AS usr,
                '${flyway:database}'::text AS db,
                '${flyway:table}'::text AS tbl,
                '${flyway:filename}'::text AS filename,
                '${flyway:timestamp}'::text AS ts;
            """)
        try project.write("sql/V2__second.sql", "INSERT INTO builtins (filename) VALUES ('${flyway:filename}');\n")
        try project.migrateOK(["migrate", "-placeholders.table=things"], environment: ["FLYWAY_PLACEHOLDERS_OWNER": "from env"])

        XCTAssertEqual(try project.db().query("SELECT id::text, label, owner FROM things ORDER BY id").rows, [
            ["1", "from conf; it's quoted", "from env"],
            ["2", "from conf; it's quoted (copy)", "from env"],
        ])
        XCTAssertEqual(try project.scalar("SELECT describe()"), "in public")
        XCTAssertEqual(try project.db().query("SELECT default_schema, usr, db, tbl, filename FROM builtins WHERE ts IS NOT NULL").rows,
                       [["public", "postgres", project.database, "flyway_schema_history", "V1__placeholders.sql"]])
        XCTAssertEqual(try project.column("SELECT filename FROM builtins WHERE ts IS NULL"), ["V2__second.sql"])
        let timestamp = try XCTUnwrap(try project.scalar("SELECT ts FROM builtins WHERE ts IS NOT NULL"))
        XCTAssertNotNil(timestamp.range(of: #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"#, options: .regularExpression), timestamp)
        XCTAssertEqual(try project.scalar("SELECT (abs(extract(epoch FROM $1::timestamp - localtimestamp)) < 86400)::text", [timestamp]), "true")
    }

    func testReplacementCanBeSwitchedOffGloballyOrPerScript() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__table.sql", "CREATE TABLE t (source text, v text);\n")
        try project.write("sql/V2__script_off.sql", "INSERT INTO t VALUES ('script conf', '${x} and ${flyway:user}');\n")
        try project.write("sql/V2__script_off.sql.conf", "placeholderReplacement=false\n")
        try project.write("sql/V3__on.sql", "INSERT INTO t VALUES ('default', '${x}');\n")
        try project.migrateOK(["migrate", "-placeholders.x=replaced", "-target=3"])
        try project.write("sql/V4__global_off.sql", "INSERT INTO t VALUES ('global', '${x}; ${undefined}');\n")
        try project.migrateOK(["migrate", "-placeholderReplacement=false"])
        XCTAssertEqual(try project.db().query("SELECT source, v FROM t ORDER BY source").rows, [
            ["default", "replaced"],
            ["global", "${x}; ${undefined}"],
            ["script conf", "${x} and ${flyway:user}"],
        ])
    }

    func testCustomPrefixAndSuffix() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__custom.sql", """
            CREATE TABLE t (a text, b text, c text);
            INSERT INTO t VALUES ('@@name@@', '${name}', 'a@@b');
            """)
        try project.migrateOK(["migrate", "-placeholderPrefix=@@", "-placeholderSuffix=@@", "-placeholders.name=custom"])
        XCTAssertEqual(try project.db().query("SELECT a, b, c FROM t").rows, [["custom", "${name}", "a@@b"]])
    }

    func testUnknownPlaceholderFailsWithItsLocationAndAppliesNothing() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__ok.sql", "CREATE TABLE ok (id int);\n")
        try project.write("sql/V2__unknown.sql", """
            CREATE TABLE early (id int);
            INSERT INTO early VALUES (1);
            INSERT INTO early VALUES (${missing});
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V2__unknown.sql:3:27: No value provided for placeholder ${missing}"), run.stderr)
        XCTAssertFalse(try project.tableExists("early"), "the file is read through before any of it runs")
        XCTAssertFalse(try project.tableExists("ok"), "every pending file is checked before V1 runs")
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    /// The server counts positions in the replaced text; the error still names the file's own column.
    func testErrorColumnsAreThoseOfTheFileNotOfTheReplacedText() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__columns.sql", """
            CREATE TABLE ${table} (id int);
            INSERT INTO ${table} VALUES (1); SELECT '${x}' || nosuch;
            """)
        let position = try project.migrate(["migrate", "-placeholders.table=a_much_longer_table_name", "-placeholders.x=é😀"])
        XCTAssertEqual(position.status, 1, position.output)
        XCTAssertTrue(position.stderr.contains("sql/V1__columns.sql:2:51: column \"nosuch\" does not exist"), position.stderr)
        XCTAssertTrue(position.stderr.contains("statement starting at line 2: SELECT 'é😀' || nosuch"), position.stderr)

        try project.write("sql/V1__columns.sql", "CREATE TABLE ${table} (id int);\nINSERT INTO ${table} VALUES (1);   SELECT 1 / 0;\n")
        let runtime = try project.migrate(["migrate", "-placeholders.table=a_much_longer_table_name"])
        XCTAssertEqual(runtime.status, 1, runtime.output)
        XCTAssertTrue(runtime.stderr.contains("sql/V1__columns.sql:2:36: division by zero"), runtime.stderr)
    }

    /// The checksum is of the file as written: another placeholder value is not an edit of the migration.
    func testChecksumIsOfTheTextBeforeReplacement() throws {
        let script = "CREATE TABLE t (v text);\nINSERT INTO t VALUES ('${v}');\n"
        let project = try MigrateProject()
        try project.write("sql/V1__placeholder.sql", script)
        try project.migrateOK(["migrate", "-placeholders.v=one"])
        XCTAssertEqual(try project.scalar("SELECT v FROM t"), "one")
        let checksum = try project.history().first?[4]
        try project.migrateOK(["validate", "-placeholders.v=two"])
        let again = try project.migrateOK(["migrate", "-placeholders.v=two"])
        XCTAssertTrue(again.stdout.contains("up to date"), again.output)

        // The same text applied with another value records the same checksum; the replaced text would not.
        let other = try MigrateProject()
        try other.write("sql/V1__placeholder.sql", script)
        try other.migrateOK(["migrate", "-placeholders.v=two"])
        XCTAssertEqual(try other.history().first?[4], checksum)
        let literal = try MigrateProject()
        try literal.write("sql/V1__placeholder.sql", script.replacingOccurrences(of: "${v}", with: "one"))
        try literal.migrateOK(["migrate"])
        XCTAssertNotEqual(try literal.history().first?[4], checksum)
    }
}
