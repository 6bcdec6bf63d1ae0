import Foundation
import XCTest

/// `migrate lint` and `migrate -lint=…`: pending files parsed by libpg_query and checked against rules that
/// prevent lock outages, from the built binary against a real database.
final class LintTests: XCTestCase {
    /// Tables the examples alter, applied (V1) before any example is linted.
    private static let schema = """
        CREATE TABLE customers (id int PRIMARY KEY, name text);
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total int, code text, note varchar(20),
                             CONSTRAINT orders_total_not_null CHECK (total IS NOT NULL) NOT VALID);
        CREATE INDEX orders_customer_idx ON orders (customer_id);
        CREATE UNIQUE INDEX orders_code_idx ON orders (code);

        """
    private static let timeout = "SET lock_timeout = '5s';\n"

    private func projectWithSchema() throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__schema.sql", Self.schema)
        try project.migrateOK(["migrate", "-lint=off"])
        return project
    }

    /// `lint -outputType=json` on one pending V2 file: its document.
    private func lint(_ project: MigrateProject, _ sql: String, _ extra: [String] = [], expectSuccess: Bool,
                      file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try project.write("sql/V2__example.sql", sql)
        // lockTimeout=0: migrate sets no lock_timeout of its own, so the file's own SET decides (require-lock-timeout).
        return try project.json(["lint", "-lockTimeout=0"] + extra, expectSuccess: expectSuccess, file: file, line: line)
    }

    private func rules(_ document: [String: Any]) -> [String] {
        (document["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
    }

    /// Each rule fires on its bad example (and only it), and the safe form passes with no finding.
    func testEveryRuleFiresOnItsBadExampleAndNotOnItsSafeForm() throws {
        let project = try projectWithSchema()
        let cases: [(rule: String, bad: String, safe: String)] = [
            ("require-lock-timeout", "ALTER TABLE orders ADD COLUMN extra text;",
             "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN extra text;"),
            ("require-concurrent-index-creation", Self.timeout + "CREATE INDEX orders_total_idx ON orders (total);",
             "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);"),
            ("require-concurrent-index-deletion", Self.timeout + "DROP INDEX orders_customer_idx;",
             "DROP INDEX CONCURRENTLY IF EXISTS orders_customer_idx;"),
            ("require-concurrent-reindex", Self.timeout + "REINDEX INDEX orders_customer_idx;",
             "REINDEX INDEX CONCURRENTLY orders_customer_idx;"),
            // A file of CONCURRENTLY statements runs outside a transaction (a SET would make it mixed).
            ("concurrent-index-not-rerunnable", "\nCREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);",
             "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);"),
            ("adding-foreign-key-constraint",
             Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
             Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"),
            ("constraint-missing-not-valid", Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);",
             Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;"),
            ("adding-not-nullable-field", Self.timeout + "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;",
             Self.timeout + "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_null;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;"),
            ("adding-required-field", Self.timeout + "ALTER TABLE orders ADD COLUMN status text NOT NULL;",
             Self.timeout + "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';"),
            ("adding-field-with-volatile-default", Self.timeout + "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();",
             Self.timeout + "ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();"),
            ("changing-column-type", Self.timeout + "ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
             Self.timeout + "ALTER TABLE orders ALTER COLUMN note TYPE text;"),
            ("disallowed-unique-constraint", Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);",
             Self.timeout + "ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE USING INDEX orders_code_idx;"),
            ("statements-after-access-exclusive", Self.timeout + "ALTER TABLE orders ADD COLUMN extra int;\nUPDATE customers SET name = name;",
             Self.timeout + "UPDATE customers SET name = name;\nALTER TABLE orders ADD COLUMN extra int;"),
            ("ban-drop-column", Self.timeout + "ALTER TABLE orders DROP COLUMN code;",
             "CREATE TABLE scratch (id int, tmp int);\nALTER TABLE scratch DROP COLUMN tmp;"),
            ("ban-drop-table", Self.timeout + "DROP TABLE customers;", "CREATE TABLE scratch (id int);\nDROP TABLE scratch;"),
            ("renaming-table", Self.timeout + "ALTER TABLE customers RENAME TO clients;",
             "CREATE TABLE scratch (id int);\nALTER TABLE scratch RENAME TO scratch_two;"),
            ("renaming-column", Self.timeout + "ALTER TABLE customers RENAME COLUMN name TO full_name;",
             "CREATE TABLE scratch (id int, name text);\nALTER TABLE scratch RENAME COLUMN name TO full_name;"),
        ]
        for example in cases {
            let bad = try lint(project, example.bad + "\n", expectSuccess: false)
            XCTAssertEqual(rules(bad), [example.rule], "bad example of \(example.rule)")
            let finding = try XCTUnwrap((bad["findings"] as? [[String: Any]])?.first)
            XCTAssertEqual(finding["file"] as? String, "sql/V2__example.sql")
            // Reported where it starts; statements-after-access-exclusive at the statement that follows the lock.
            let line = ["require-lock-timeout": 1, "statements-after-access-exclusive": 3][example.rule] ?? 2
            XCTAssertEqual(finding["line"] as? Int, line, example.rule)
            XCTAssertFalse((finding["safeForm"] as? String ?? "").isEmpty)
            XCTAssertEqual((bad["error"] as? [String: Any])?["errorCode"] as? String, "LINT_FINDINGS")

            let safe = try lint(project, example.safe + "\n", expectSuccess: true)
            XCTAssertEqual(rules(safe), [], "safe form of \(example.rule)")
        }
    }

    /// CONCURRENTLY in a file that runs in a transaction (executeInTransaction=true in its .conf).
    func testConcurrentlyInsideATransaction() throws {
        let project = try projectWithSchema()
        try project.write("sql/V2__example.sql.conf", "executeInTransaction=true\n")
        let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_total_idx ON orders (total);\n"
        XCTAssertEqual(rules(try lint(project, sql, expectSuccess: false)), ["concurrently-in-transaction"])
        try project.remove("sql/V2__example.sql.conf")
        XCTAssertEqual(rules(try lint(project, sql, expectSuccess: true)), [])
    }

    /// What the plan created earlier is new and empty: indexing or altering it is fine, across files too.
    func testObjectsCreatedEarlierInThePlanAreSafe() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__create.sql", "CREATE TABLE fresh (id int, code text);\n")
        try project.write("sql/V2__index.sql", "CREATE INDEX fresh_id_idx ON fresh (id);\nALTER TABLE fresh ADD CONSTRAINT fresh_code_key UNIQUE (code);\n")
        let document = try project.json(["lint"])
        XCTAssertEqual(rules(document), [])
        XCTAssertEqual(document["files"] as? [String], ["sql/V1__create.sql", "sql/V2__index.sql"])
        // Applied, V1's table exists: V2 alone now indexes an existing table.
        try project.migrateOK(["migrate", "-lint=off", "-target=1"])
        XCTAssertEqual(Set(rules(try project.json(["lint", "-lockTimeout=0"], expectSuccess: false))),
                       ["require-lock-timeout", "require-concurrent-index-creation", "disallowed-unique-constraint"])
        // With migrate's own lockTimeout (the default 5s) every file runs with a lock_timeout in effect.
        XCTAssertEqual(Set(rules(try project.json(["lint"], expectSuccess: false))),
                       ["require-concurrent-index-creation", "disallowed-unique-constraint"])
        // lint.all reads the applied V1 again, so the table counts as created by the plan.
        XCTAssertEqual(rules(try project.json(["lint", "-lint.all=true"])), [])
    }

    func testTextAndGitHubFormats() throws {
        let project = try projectWithSchema()
        try project.write("sql/V2__index.sql", Self.timeout + "CREATE INDEX orders_total_idx ON orders (total);\n")
        let text = try project.migrate(["lint"])
        XCTAssertEqual(text.status, 1)
        XCTAssertTrue(text.stdout.contains("sql/V2__index.sql:2:1: warning [require-concurrent-index-creation] CREATE INDEX on orders:"), text.output)
        XCTAssertTrue(text.stdout.contains("    CREATE INDEX orders_total_idx ON orders (total)\n"), text.output)
        XCTAssertTrue(text.stdout.contains("    safe: CREATE INDEX CONCURRENTLY IF NOT EXISTS"), text.output)
        XCTAssertTrue(text.stdout.contains("Linted 1 file: 1 finding, 0 notes, 0 ignored"), text.output)
        XCTAssertTrue(text.stderr.contains("ERROR: Lint found 1 problem in 1 file"), text.output)

        let github = try project.migrate(["lint", "-lint.format=github"])
        XCTAssertEqual(github.status, 1)
        let annotations = github.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        XCTAssertEqual(annotations.count, 1, github.output)
        XCTAssertTrue(annotations[0].hasPrefix("::warning file=sql/V2__index.sql,line=2,col=1,title=require-concurrent-index-creation::CREATE INDEX on orders%3A")
                      || annotations[0].hasPrefix("::warning file=sql/V2__index.sql,line=2,col=1,title=require-concurrent-index-creation::CREATE INDEX on orders:"),
                      String(annotations[0]))
        XCTAssertTrue(annotations[0].contains("Safe: CREATE INDEX CONCURRENTLY"))

        let json = try project.json(["lint"], expectSuccess: false)
        let finding = try XCTUnwrap((json["findings"] as? [[String: Any]])?.first)
        XCTAssertEqual(finding["rule"] as? String, "require-concurrent-index-creation")
        XCTAssertEqual(finding["line"] as? Int, 2)
        XCTAssertEqual(finding["column"] as? Int, 1)
        XCTAssertEqual(finding["statement"] as? String, "CREATE INDEX orders_total_idx ON orders (total)")
        XCTAssertTrue((finding["filepath"] as? String)?.hasSuffix("/sql/V2__index.sql") ?? false)
        XCTAssertEqual(json["operation"] as? String, "lint")
        // Connected, lint says how big the table is (the planner's estimate after ANALYZE, and its size on disk).
        XCTAssertEqual(finding["table"] as? String, "orders")
        try project.db().execute("INSERT INTO orders (id, total) SELECT g, g FROM generate_series(1, 500) g; ANALYZE orders")
        let sized = try XCTUnwrap((try project.json(["lint"], expectSuccess: false)["findings"] as? [[String: Any]])?.first)
        XCTAssertTrue((sized["tableSize"] as? String ?? "").hasPrefix("orders has about 500 rows, "), "\(sized)")
        XCTAssertTrue((sized["message"] as? String ?? "").hasSuffix("on disk)"), "\(sized)")
    }

    func testIgnoreCommentNeedsAReason() throws {
        let project = try projectWithSchema()
        let bad = "CREATE INDEX orders_total_idx ON orders (total);\n"
        let withReason = try lint(project, Self.timeout + "-- migrate:lint-ignore require-concurrent-index-creation orders has 10 rows\n" + bad,
                                  expectSuccess: true)
        XCTAssertEqual(rules(withReason), [])
        XCTAssertEqual(withReason["ignored"] as? Int, 1)

        let sameLine = try lint(project, Self.timeout + "CREATE INDEX orders_total_idx ON orders (total); -- migrate:lint-ignore require-concurrent-index-creation tiny table\n",
                                expectSuccess: true)
        XCTAssertEqual(rules(sameLine), [])

        let withoutReason = try lint(project, Self.timeout + "-- migrate:lint-ignore require-concurrent-index-creation\n" + bad, expectSuccess: false)
        XCTAssertEqual(Set(rules(withoutReason)), ["invalid-lint-ignore", "require-concurrent-index-creation"])
        let invalid = try XCTUnwrap((withoutReason["findings"] as? [[String: Any]])?.first { $0["rule"] as? String == "invalid-lint-ignore" })
        XCTAssertTrue((invalid["message"] as? String ?? "").contains("gives no reason"), "\(invalid)")
        XCTAssertEqual(invalid["line"] as? Int, 3)

        let unknown = try lint(project, Self.timeout + "-- migrate:lint-ignore no-such-rule because\n" + bad, expectSuccess: false)
        XCTAssertEqual(Set(rules(unknown)), ["invalid-lint-ignore", "require-concurrent-index-creation"])
    }

    func testUnparseableStatementIsANoteNotAFailure() throws {
        let project = try projectWithSchema()
        // PostgreSQL 17 syntax, newer than libpg_query's grammar.
        let document = try lint(project, Self.timeout + "ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (1);\n", expectSuccess: true)
        XCTAssertEqual(rules(document), [])
        let note = try XCTUnwrap((document["notes"] as? [[String: Any]])?.first)
        XCTAssertEqual(note["line"] as? Int, 2)
        XCTAssertTrue((note["message"] as? String ?? "").contains("cannot parse"), "\(note)")
        XCTAssertTrue((note["message"] as? String ?? "").contains("syntax error at or near \"EXPRESSION\""), "\(note)")
    }

    /// `migrate -lint=error` stops before any write; the default (warn) prints the findings and applies.
    func testMigrateLintErrorStopsBeforeAnyWrite() throws {
        let project = try projectWithSchema()
        try project.write("sql/V2__safe.sql", Self.timeout + "CREATE TABLE audit (id int);\n")
        try project.write("sql/V3__index.sql", Self.timeout + "CREATE INDEX orders_total_idx ON orders (total);\n")
        let (_, error) = try project.jsonFailure(["migrate", "-lint=error"])
        XCTAssertEqual(error["errorCode"] as? String, "LINT_FAILED")
        XCTAssertEqual(error["path"] as? String, "sql/V3__index.sql")
        XCTAssertEqual(error["lineNumber"] as? Int, 2)
        XCTAssertTrue((error["message"] as? String ?? "").contains("sql/V3__index.sql:2:1: [require-concurrent-index-creation]"), "\(error)")
        XCTAssertEqual(try project.history().count, 1, "only V1 in the history")
        XCTAssertFalse(try project.tableExists("audit"), "V2 was not applied either")

        let applied = try project.json(["migrate"])
        XCTAssertEqual(applied["migrationsExecuted"] as? Int, 2)
        let warnings = applied["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains { $0.contains("sql/V3__index.sql:2:1: [require-concurrent-index-creation]") }, "\(warnings)")
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_total_idx'"), "1")

        try project.write("sql/V4__drop.sql", Self.timeout + "DROP TABLE audit;\n")
        let off = try project.json(["migrate", "-lint=off"])
        XCTAssertEqual(off["warnings"] as? [String] ?? [], [])
    }

    /// A file too big to keep in memory (a 3 MB COPY): the lint reads the statements the plan kept, at their lines.
    func testABigFileIsLintedFromThePlansStatements() throws {
        let project = try projectWithSchema()
        var sql = "COPY orders (code) FROM STDIN;\n"
        sql += String(repeating: "some-order-code-with-padding-to-make-the-copy-data-long-enough\n", count: 50_000)
        sql += "\\.\nCREATE INDEX orders_total_idx ON orders (total);\n"
        let document = try lint(project, sql, expectSuccess: false)
        XCTAssertEqual(Set(rules(document)), ["require-lock-timeout", "require-concurrent-index-creation"])
        let finding = try XCTUnwrap((document["findings"] as? [[String: Any]])?.first { $0["rule"] as? String == "require-concurrent-index-creation" })
        XCTAssertEqual(finding["line"] as? Int, 50_003)
    }
}
