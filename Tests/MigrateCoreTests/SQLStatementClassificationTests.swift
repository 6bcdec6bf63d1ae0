import XCTest
@testable import MigrateCore

final class SQLStatementClassificationTests: XCTestCase {
    private func refused(_ text: String, version: Int = 160000) -> Bool {
        SQLStatement(text: text, line: 1).requiresNoTransaction(serverVersion: version)
    }

    func testStatementsPostgreSQLRefusesInATransaction() {
        let statements = [
            "CREATE INDEX CONCURRENTLY idx ON t (a)",
            "create unique index concurrently idx on t(a)",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON t (a)",
            "CREATE INDEX CONCURRENTLY ON t (a)",
            "DROP INDEX CONCURRENTLY idx",
            "DROP INDEX CONCURRENTLY IF EXISTS s.idx",
            "CREATE DATABASE app",
            "DROP DATABASE IF EXISTS app",
            "CREATE TABLESPACE ts LOCATION '/srv/ts'",
            "DROP TABLESPACE ts",
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p",
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = true)",
            "DROP SUBSCRIPTION s",
            "ALTER SYSTEM SET work_mem = '64MB'",
            "ALTER DATABASE app SET TABLESPACE ts",
            "ALTER DATABASE \"App\" WITH TABLESPACE ts",
            "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
            "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (copy_data = false)",
            "REINDEX SCHEMA s",
            "REINDEX DATABASE app",
            "REINDEX SYSTEM",
            "REINDEX (VERBOSE) DATABASE app",
            "REINDEX VERBOSE SCHEMA s",
            "REINDEX TABLE CONCURRENTLY t",
            "REINDEX INDEX CONCURRENTLY public.i",
            "REINDEX (CONCURRENTLY) TABLE t",
            "REINDEX (VERBOSE, CONCURRENTLY true) INDEX i",
            "VACUUM",
            "vacuum full analyze t",
            "VACUUM (VERBOSE, ANALYZE) t",
            "DISCARD ALL",
            "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
            "ALTER TABLE IF EXISTS ONLY public.p DETACH PARTITION public.\"P1\" CONCURRENTLY",
            "CLUSTER",
            "CLUSTER VERBOSE",
            "COMMIT PREPARED 'tx1'",
            "ROLLBACK PREPARED 'tx1'",
            "/* leading */ -- comment\n  VACUUM ANALYZE",
        ]
        for text in statements {
            XCTAssertTrue(refused(text), text)
        }
    }

    func testStatementsAllowedInATransaction() {
        let statements = [
            "CREATE INDEX idx ON t (concurrently)",
            "CREATE INDEX idx ON t (a)",
            "CREATE TABLE database (id int)",
            "SELECT 'VACUUM'",
            "-- VACUUM\nSELECT 1",
            "/* VACUUM */ SELECT 1",
            "\"vacuum\"",
            "INSERT INTO t VALUES ('CREATE DATABASE x')",
            "DROP INDEX idx",
            "DROP TABLE concurrently",
            "REINDEX TABLE t",
            "REINDEX (VERBOSE) INDEX i",
            "REINDEX (CONCURRENTLY false) TABLE t",
            "ALTER TABLE p DETACH PARTITION p1",
            "ALTER TABLE p DETACH PARTITION p1 FINALIZE",
            "ALTER TABLE p ADD COLUMN concurrently int",
            "CLUSTER t",
            "CLUSTER VERBOSE t USING i",
            "DISCARD PLANS",
            "ALTER DATABASE app SET work_mem = '1MB'",
            "ALTER DATABASE app OWNER TO bob",
            "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)",
            "ALTER SUBSCRIPTION s ENABLE",
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = false, slot_name = 's')",
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (create_slot = false)",
            "ALTER SYSTEMS",
            "COMMIT",
            "ROLLBACK",
            "ANALYZE t",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
            "",
        ]
        for text in statements {
            XCTAssertFalse(refused(text), text)
        }
    }

    func testAlterTypeAddValueDependsOnServerVersion() {
        let add = "ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok'"
        XCTAssertTrue(refused(add, version: 110000))
        XCTAssertTrue(refused("alter type mood add value 'x'", version: 110022))
        XCTAssertFalse(refused(add, version: 120000))
        XCTAssertFalse(refused(add, version: 150000))
        XCTAssertFalse(refused("ALTER TYPE mood RENAME VALUE 'a' TO 'b'", version: 110000))
        XCTAssertFalse(refused("ALTER TYPE t ADD ATTRIBUTE value int", version: 110000))
    }

    func testStatementsFromAScript() throws {
        let statements = try scriptStatements("""
            CREATE TABLE t (a int);
            -- build it without locking writers
            CREATE INDEX CONCURRENTLY t_a ON t (a);
            """)
        XCTAssertEqual(statements.map { $0.requiresNoTransaction(serverVersion: 170000) }, [false, true])
    }

    func testClientEncodingNamedBySet() {
        let named: [(String, String?)] = [
            ("SET client_encoding = 'LATIN1'", "LATIN1"), ("set CLIENT_ENCODING to \"UTF8\"", "UTF8"),
            ("SET SESSION client_encoding TO win1252", "win1252"), ("SET LOCAL client_encoding = 'utf8'  ", "utf8"),
            ("SET NAMES 'LATIN1'", "LATIN1"), ("set\tnames\nlatin1", "latin1"), ("SET client_encoding = DEFAULT", nil),
            ("SET client_encoding = 'LATIN1'; SELECT 1", nil), ("SET search_path = x", nil), ("SELECT 'SET NAMES x'", nil),
            ("SETclient_encoding = x", nil), ("SET sessionclient_encoding = x", nil),
        ]
        for (text, expected) in named {
            XCTAssertEqual(StatementClassifier.clientEncoding(setBy: text), expected, text)
        }
    }
}
