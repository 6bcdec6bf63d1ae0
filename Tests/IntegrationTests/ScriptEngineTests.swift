import Foundation
import TestSupport
import XCTest

/// The script engine against a real server: COPY inside a transaction, where errors are reported, server
/// notices, SQL that only a psql-grade splitter gets right, and a big file. Files that succeed are also run
/// with `psql -v ON_ERROR_STOP=1 -f`, and both databases must dump identically.
final class ScriptEngineTests: XCTestCase {
    // MARK: COPY

    func testCopyFromStdinBetweenStatementsInOneTransaction() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__copy.sql", #"""
            CREATE TABLE items (id int PRIMARY KEY, name text, price numeric, note text);
            INSERT INTO items VALUES (0, 'before', 0, NULL);
            COPY items (id, name, price, note) FROM stdin;
            1\#tone\#t1.50\#t\N
            2\#ttwo; not a statement\#t2\#ttab\there, backslash \\ and \\.
            3\#tthree\#t3\#tünï 😀 日本
            \.
            UPDATE items SET price = price * 2 WHERE id > 0;
            COPY items FROM STDIN WITH (FORMAT csv, HEADER true);
            id,name,price,note
            4,"four, with comma",4,"quoted ""x""; -- not a comment"
            \.
            INSERT INTO items SELECT 5, 'after', sum(price), NULL FROM items;
            """#)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.db().query("SELECT id::text, name, price::text, note FROM items ORDER BY id").rows, [
            ["0", "before", "0", nil],
            ["1", "one", "3.00", nil],
            ["2", "two; not a statement", "4", "tab\there, backslash \\ and \\."],
            ["3", "three", "6", "ünï 😀 日本"],
            ["4", "four, with comma", "4", "quoted \"x\"; -- not a comment"],
            ["5", "after", "17.00", nil],
        ])
        // One transaction: every row and the history row were written by the same transaction.
        XCTAssertEqual(try project.column("SELECT DISTINCT xmin::text FROM items"),
                       try project.column("SELECT xmin::text FROM flyway_schema_history WHERE version = '1'"))
        try project.assertSameAsPsql(["sql/V1__copy.sql"])
    }

    func testBadCopyRowNamesItsLineAndRollsBackTheFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__table.sql", "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric);\n")
        try project.write("sql/V2__bad_copy.sql", #"""
            INSERT INTO items VALUES (10, 'before', 1);
            CREATE TABLE side (id int);
            COPY items (id, name,
                        price) FROM stdin;
            11\#televen\#t11
            12\#ttwelve\#tnot-a-number
            13\#tthirteen\#t13
            \.
            INSERT INTO items VALUES (14, 'after', 1);
            """#)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V2__bad_copy.sql:6:1: invalid input syntax for type numeric: \"not-a-number\" (SQLSTATE 22P02)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("CONTEXT: COPY items, line 2, column price"), run.stderr)
        XCTAssertTrue(run.stderr.contains("statement starting at line 3: COPY items (id, name,"), run.stderr)
        XCTAssertTrue(run.stderr.contains("rolled back"), run.stderr)
        XCTAssertEqual(try project.column("SELECT count(*)::text FROM items"), ["0"])
        XCTAssertFalse(try project.tableExists("side"))
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
    }

    /// A bad row after several COPY buffers' worth of data: the error still names the right file line.
    func testBadCopyRowFarIntoLargeCopy() throws {
        let project = try MigrateProject()
        var text = "CREATE TABLE big (id int, payload text);\nCOPY big FROM stdin;\n"
        for n in 1...20_000 { text += "\(n)\t\(String(repeating: "é😀x", count: 4)) row \(n)\n" }
        text += "oops\tbad id\n\\.\n"
        try project.write("sql/V1__big_copy.sql", text)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V1__big_copy.sql:20003:1: invalid input syntax for type integer: \"oops\""), run.stderr)
        XCTAssertTrue(run.stderr.contains("line 20001"), run.stderr)
        XCTAssertFalse(try project.tableExists("big"))
        XCTAssertEqual(try project.history().count, 0)
    }

    // MARK: Error locations

    /// The error position points into a multi-line statement that is not the first of its batch (nor the
    /// first on its line); the column counts unicode scalars, as the server does (é, 😀 and the two-scalar
    /// flag 🇫🇷 count as 1, 1 and 2).
    func testErrorPositionIsMappedToFileLineAndColumn() throws {
        let project = try MigrateProject()
        let errorLine = "    'é😀 🇫🇷' AS \"naïve 😀\", lower(1, 2, 3) AS l"
        try project.write("sql/V1__positions.sql", """
            CREATE TABLE t (id int PRIMARY KEY, label text);
            INSERT INTO t VALUES (1, 'one');
            -- a comment between statements; with a semicolon
            SELECT 1; SELECT
                id,
            \(errorLine)
              FROM t;
            INSERT INTO t VALUES (2, 'two');
            """)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        let scalars = errorLine.unicodeScalars
        XCTAssertEqual(scalars.distance(from: scalars.startIndex, to: scalars.firstIndex(of: "l")!) + 1, 27)
        XCTAssertTrue(run.stderr.contains("sql/V1__positions.sql:6:27: function lower(integer, integer, integer) does not exist (SQLSTATE 42883)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("\n  HINT: No function matches the given name and argument types."), run.stderr)
        XCTAssertTrue(run.stderr.contains("statement starting at line 4: SELECT"), run.stderr)
        XCTAssertFalse(try project.tableExists("t"))
    }

    /// Past the first batch of statements, positions still map to the right statement.
    func testErrorPositionInALaterBatch() throws {
        let project = try MigrateProject()
        var text = "CREATE TABLE t (id int, label text);\n"
        for n in 2...500 {
            text += n == 450 ? "INSERT INTO t\n  VALUES (\(n), 'é😀', nosuch);\n" : "INSERT INTO t VALUES (\(n), 'row; \(n)');\n"
        }
        try project.write("sql/V1__many.sql", text)
        let run = try project.migrate(["migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("sql/V1__many.sql:451:22: column \"nosuch\" does not exist (SQLSTATE 42703)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("statement starting at line 450: INSERT INTO t"), run.stderr)
        XCTAssertFalse(try project.tableExists("t"))
    }

    /// Errors without a position name the failing statement, not the first one of the batch.
    func testRuntimeErrorsNameTheFailingStatement() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__failing.sql", """
            CREATE TABLE u (id int PRIMARY KEY);
            INSERT INTO u VALUES (1), (2);
            SELECT 1;   SELECT 10 / (SELECT count(*) - 2 FROM u);
            INSERT INTO u VALUES (3);
            """)
        let division = try project.migrate(["migrate"])
        XCTAssertEqual(division.status, 1, division.output)
        XCTAssertTrue(division.stderr.contains("sql/V1__failing.sql:3:13: division by zero (SQLSTATE 22012)"), division.stderr)
        XCTAssertTrue(division.stderr.contains("statement starting at line 3: SELECT 10 / (SELECT count(*) - 2 FROM u)"), division.stderr)

        try project.write("sql/V1__failing.sql", """
            CREATE TABLE u (id int PRIMARY KEY);
            INSERT INTO u VALUES (1);
            INSERT INTO u VALUES (2);
            INSERT INTO u
              VALUES (1);
            INSERT INTO u VALUES (3);
            """)
        let unique = try project.migrate(["migrate"])
        XCTAssertEqual(unique.status, 1, unique.output)
        XCTAssertTrue(unique.stderr.contains("sql/V1__failing.sql:4:1: duplicate key value violates unique constraint \"u_pkey\" (SQLSTATE 23505)"), unique.stderr)
        XCTAssertTrue(unique.stderr.contains("\n  DETAIL: Key (id)=(1) already exists."), unique.stderr)
        XCTAssertTrue(unique.stderr.contains("statement starting at line 4: INSERT INTO u …"), unique.stderr)
        XCTAssertFalse(try project.tableExists("u"))
        XCTAssertEqual(try project.history().count, 0)
    }

    /// Windows (CRLF) and old Mac (CR) line endings: lines are counted as the reader counts them.
    func testErrorPositionWithCRLFAndCRLineEndings() throws {
        for (name, ending) in [("crlf", "\r\n"), ("cr", "\r")] {
            let project = try MigrateProject()
            let lines = ["CREATE TABLE t (id int);", "INSERT INTO t", "  VALUES (1);", "SELECT", "  'é' || nosuch", "FROM t;"]
            try project.write("sql/V1__\(name).sql", lines.joined(separator: ending) + ending)
            let run = try project.migrate(["migrate"])
            XCTAssertEqual(run.status, 1, run.output)
            XCTAssertTrue(run.stderr.contains("sql/V1__\(name).sql:5:10: column \"nosuch\" does not exist"), "\(name): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("statement starting at line 4: SELECT"), "\(name): \(run.stderr)")

            let copy = ["CREATE TABLE t (id int);", "COPY t", "  FROM stdin;", "1", "2", "x", "\\.", "SELECT 1;"]
            try project.write("sql/V1__\(name).sql", copy.joined(separator: ending) + ending)
            let copyRun = try project.migrate(["migrate"])
            XCTAssertEqual(copyRun.status, 1, copyRun.output)
            XCTAssertTrue(copyRun.stderr.contains("sql/V1__\(name).sql:6:1: invalid input syntax for type integer: \"x\""), "\(name): \(copyRun.stderr)")
        }
    }

    // MARK: Notices

    func testServerNoticesAndWarningsGoToStderrWithTheScriptName() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__notices.sql", """
            DO $$
            BEGIN
                RAISE NOTICE 'hello from %', 'a notice';
                RAISE WARNING 'careful: %', 42 USING HINT = 'a hint', DETAIL = 'some detail';
                RAISE INFO 'for your information';
            END
            $$;
            CREATE TABLE IF NOT EXISTS n (id int);
            CREATE TABLE IF NOT EXISTS n (id int);
            """)
        try project.write("sql/V2__quiet.sql", "SET client_min_messages = warning;\nDO $$ BEGIN RAISE NOTICE 'hidden'; RAISE WARNING 'shown'; END $$;\n")
        try project.write("sql/V3__reset.sql", "DO $$ BEGIN RAISE NOTICE 'visible again'; END $$;\n")
        let run = try project.migrateOK(["migrate"])
        XCTAssertTrue(run.stderr.contains("NOTICE (V1__notices.sql): hello from a notice\n"), run.stderr)
        XCTAssertTrue(run.stderr.contains("WARNING (V1__notices.sql): careful: 42\n  DETAIL: some detail\n  HINT: a hint\n"), run.stderr)
        XCTAssertTrue(run.stderr.contains("INFO (V1__notices.sql): for your information\n"), run.stderr)
        XCTAssertTrue(run.stderr.contains("NOTICE (V1__notices.sql): relation \"n\" already exists, skipping\n"), run.stderr)
        XCTAssertFalse(run.stderr.contains("hidden"), run.stderr)
        XCTAssertTrue(run.stderr.contains("WARNING (V2__quiet.sql): shown\n"), run.stderr)
        // A SET in one migration does not leak into the next one.
        XCTAssertTrue(run.stderr.contains("NOTICE (V3__reset.sql): visible again\n"), run.stderr)
        XCTAssertFalse(run.stdout.contains("hello from"), run.stdout)
    }

    // MARK: Session state between files

    /// psql runs each file in a session of its own. A migration's SET ROLE and SET must not decide who
    /// writes the history row nor leak into the next migration, and initSql's settings must hold for every
    /// migration (a plain RESET ALL dropped them and kept the role).
    func testSetRoleAndSettingsStayInTheirFileAndInitSqlHolds() throws {
        let project = try MigrateProject()
        let role = "owner_" + UUID().uuidString.prefix(8).lowercased()
        try project.db().execute("CREATE ROLE \(role) NOLOGIN")
        try project.write("sql/V1__as_owner.sql", """
            CREATE SCHEMA app AUTHORIZATION \(role);
            SET ROLE \(role);
            CREATE TABLE app.t (id int);
            SET lock_timeout = '1s';
            SET TIME ZONE 'Asia/Tokyo';
            """)
        try project.write("sql/V2__as_us.sql", """
            CREATE TABLE app.u (who text DEFAULT current_user, lock_timeout text DEFAULT current_setting('lock_timeout'),
                                zone text DEFAULT current_setting('TimeZone'));
            INSERT INTO app.u DEFAULT VALUES;
            """)
        try project.write("sql/V3__outside.sql", "SET ROLE \(role);\nCREATE TABLE app.v (id int);\n")
        try project.write("sql/V3__outside.sql.conf", "executeInTransaction=false\n")
        try project.write("sql/V4__after.sql", "INSERT INTO app.u DEFAULT VALUES;\n")
        // lockTimeout=0: initSql's lock_timeout holds (lockTimeout, set in each file, would win over it).
        try project.migrateOK(["migrate", "-initSql=SET lock_timeout = '7s'", "-lockTimeout=0"])

        XCTAssertEqual(try project.column("SELECT tablename || ' ' || tableowner FROM pg_tables WHERE schemaname = 'app' ORDER BY 1"),
                       ["t \(role)", "u postgres", "v \(role)"])
        XCTAssertEqual(try project.db().query("SELECT who, lock_timeout, zone = current_setting('TimeZone') FROM app.u").rows,
                       [["postgres", "7s", "t"], ["postgres", "7s", "t"]])
        XCTAssertEqual(try project.db().query("SELECT version, installed_by, success::text FROM flyway_schema_history ORDER BY installed_rank").rows,
                       [["1", "postgres", "true"], ["2", "postgres", "true"], ["3", "postgres", "true"], ["4", "postgres", "true"]])
    }

    // MARK: SQL a naive splitter gets wrong

    func testBodiesRulesQuotesAndIdentifiersWithSemicolons() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__tricky.sql", #"""
            CREATE TABLE account (id int PRIMARY KEY, balance numeric NOT NULL DEFAULT 0, "weird;name" text);
            CREATE TABLE audit (account_id int, what text, n serial);

            CREATE FUNCTION grade(score int) RETURNS text
                LANGUAGE sql IMMUTABLE
            BEGIN ATOMIC
                SELECT CASE
                    WHEN score >= 90 THEN 'A; top'
                    WHEN score >= 50 THEN CASE WHEN score = 50 THEN 'B; exactly' ELSE 'B' END
                    ELSE 'C'
                END;
            END;

            CREATE OR REPLACE PROCEDURE add_account(new_id int)
                LANGUAGE sql
            BEGIN ATOMIC
                INSERT INTO account (id) VALUES (new_id);
                INSERT INTO audit VALUES (new_id, 'created; via procedure');
            END;

            CREATE RULE account_audit AS ON UPDATE TO account
                DO ALSO (INSERT INTO audit VALUES (NEW.id, 'balance; ' || OLD.balance || ' -> ' || NEW.balance);
                         INSERT INTO audit VALUES (NEW.id, 'second; action'));

            CREATE FUNCTION nested() RETURNS text LANGUAGE plpgsql AS $outer$
            DECLARE
                q text := $inner$'x;y'$inner$;
                r text;
            BEGIN
                EXECUTE $$ SELECT 'dollar; $inner$ inside' $$ INTO r;
                RETURN r || ';' || q;
            END;
            $outer$;

            INSERT INTO audit VALUES (0, E'it\'s; escaped \\ backslash\n and ''quote''');
            INSERT INTO audit VALUES (0, e'lower-case e; \x41\'');
            INSERT INTO audit VALUES (0, 'standard \' || ' backslash');  -- '; still a comment
            INSERT INTO account (id, "weird;name") VALUES (1, 'semi;colon');
            CREATE TABLE "semi;colon table" ("col;1" int, "quote""d;" text);
            INSERT INTO "semi;colon table" VALUES (1, /* inline; /* nested; */ comment */ 'x');
            CALL add_account(2);
            UPDATE account SET balance = 10 WHERE id = 1;
            """#)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.scalar("SELECT grade(95) || '|' || grade(50) || '|' || grade(60) || '|' || grade(1)"),
                       "A; top|B; exactly|B|C")
        XCTAssertEqual(try project.scalar("SELECT nested()"), "dollar; $inner$ inside;'x;y'")
        XCTAssertEqual(try project.column("SELECT what FROM audit ORDER BY n"), [
            "it's; escaped \\ backslash\n and 'quote'",
            "lower-case e; A'",
            "standard \\ backslash",
            "created; via procedure",
            "balance; 0 -> 10",
            "second; action",
        ])
        XCTAssertEqual(try project.scalar(#"SELECT "weird;name" FROM account WHERE id = 1"#), "semi;colon")
        XCTAssertEqual(try project.scalar(#"SELECT "quote""d;" FROM "semi;colon table""#), "x")
        XCTAssertEqual(try project.column("SELECT rulename::text FROM pg_rules WHERE tablename = 'account'"), ["account_audit"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"]])
        try project.assertSameAsPsql(["sql/V1__tricky.sql"])
    }

    // MARK: Size

    func testFiftyThousandInsertsInOneTransaction() throws {
        let project = try MigrateProject()
        var text = "CREATE TABLE big (id int PRIMARY KEY, label text);\n"
        text.reserveCapacity(3_000_000)
        for n in 1...50_000 { text += "INSERT INTO big (id, label) VALUES (\(n), 'row \(n); padding padding');\n" }
        try project.write("sql/V1__big.sql", text)
        XCTAssertGreaterThan(text.utf8.count, 2 * 1024 * 1024, "large enough to be streamed twice rather than cached")
        let run = try project.migrateOK(["migrate"])
        XCTAssertTrue(run.stdout.contains("Successfully applied 1 migration"), run.output)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text || ' ' || sum(id)::text FROM big"), "50000 1250025000")
        XCTAssertEqual(try project.scalar("SELECT label FROM big WHERE id = 49999"), "row 49999; padding padding")
        XCTAssertEqual(try project.column("SELECT DISTINCT xmin::text FROM big"),
                       try project.column("SELECT xmin::text FROM flyway_schema_history WHERE version = '1'"),
                       "all rows and the history row come from one transaction")
    }
}

// MARK: - Helpers for the ScriptEngine*Tests

/// Helpers: the same files run by psql, and databases compared through pg_dump.
extension MigrateProject {
    /// Runs `psql -v ON_ERROR_STOP=1 -f <file>` for each project file (in order) against `database`,
    /// the reference the script engine is held to. Fails the test if psql fails.
    func psqlFiles(_ paths: [String], database: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for path in paths {
            let result = try cluster.psql(database: database, arguments: [
                "-v", "ON_ERROR_STOP=1", "-q", "-f", directory.appendingPathComponent(path).path,
            ])
            XCTAssertEqual(result.status, 0, "psql -f \(path) failed:\n\(result.stderr)", file: file, line: line)
        }
    }

    /// Runs SQL with psql (ON_ERROR_STOP) against `database`, failing the test if it fails.
    func psql(_ sql: String, database: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try cluster.psql(database: database, arguments: ["-v", "ON_ERROR_STOP=1", "-q", "-At", "-f", "-"], input: sql)
        XCTAssertEqual(result.status, 0, "psql failed:\n\(result.stderr)", file: file, line: line)
        return result.stdout
    }

    /// `pg_dump` plain output of `database` (schema and data unless `arguments` say otherwise), without
    /// the schema history table and without the random `\restrict` keys, so two dumps can be compared.
    func dump(database: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let text = try rawDump(database: database, ["-T", "public.flyway_schema_history"] + arguments, file: file, line: line)
        return text.components(separatedBy: "\n")
            .filter { !$0.hasPrefix("\\restrict ") && !$0.hasPrefix("\\unrestrict ") }
            .joined(separator: "\n")
    }

    /// `pg_dump` plain output, exactly as pg_dump wrote it.
    func rawDump(database: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["LC_ALL"] = "C.UTF-8"
        let result = try ProcessRunner.run(cluster.binDirectory + "/pg_dump", [
            "-h", cluster.socketDirectory, "-p", String(cluster.port), "-U", "postgres", "-d", database,
        ] + arguments, environment: environment)
        XCTAssertEqual(result.status, 0, "pg_dump failed:\n\(result.stderr)", file: file, line: line)
        return result.stdout
    }

    /// Applies `paths` with psql to a fresh database and asserts that pg_dump of it equals pg_dump of the
    /// project's database (which migrate has already migrated). Returns the psql database's name.
    @discardableResult
    func assertSameAsPsql(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let reference = try cluster.createDatabase(prefix: "psql")
        try psqlFiles(paths, database: reference, file: file, line: line)
        let expected = try dump(database: reference, file: file, line: line)
        let actual = try dump(database: database, file: file, line: line)
        XCTAssertTrue(expected.contains("CREATE "), "the reference dump is empty:\n\(expected)", file: file, line: line)
        assertSameText(actual, expected, "pg_dump after migrate differs from pg_dump after psql -f", file: file, line: line)
        return reference
    }
}

/// XCTAssertEqual for long texts: names the first differing line instead of printing both texts whole.
func assertSameText(_ actual: String, _ expected: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual != expected else { return }
    let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
    let index = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
    func around(_ lines: [String]) -> String {
        lines[max(0, index - 3)..<min(lines.count, index + 4)].joined(separator: "\n")
    }
    XCTFail("\(message): first difference at line \(index + 1) (\(a.count) vs \(e.count) lines)\n--- actual:\n\(around(a))\n--- expected:\n\(around(e))",
            file: file, line: line)
}
