import Foundation
import XCTest

/// Baseline migrations (`B<version>__…`): used instead of the versioned files up to their version on an
/// empty database, ignored on a migrated one.
final class BaselineMigrationTests: XCTestCase {
    func project() throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__create_two_tables.sql", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n")
        try project.write("sql/V2__drop_one_table.sql", "DROP TABLE b;\n")
        try project.write("sql/V3__alter_column.sql", "ALTER TABLE a ALTER COLUMN id TYPE bigint;\n")
        try project.write("sql/V4__add_c.sql", "CREATE TABLE c (id int);\n")
        return project
    }

    func testBaselineMigrationIsUsedOnAnEmptyDatabase() throws {
        let project = try project()
        try project.write("sql/B3__create_table.sql", "CREATE TABLE a (id bigint, from_baseline boolean);\n")
        XCTAssertEqual(try project.states(), [["3", "Pending"], ["1", "Below Baseline"], ["2", "Below Baseline"],
                                              ["3", "Below Baseline"], ["4", "Pending"]])
        let info = try project.json(["info"])["migrations"] as? [[String: Any]] ?? []
        XCTAssertEqual(info.first?["type"] as? String, "SQL_BASELINE")
        try project.migrateOK(["migrate"])
        let history = try project.history()
        XCTAssertEqual(history.map { [$0[0], $0[2], $0[3]] }, [["3", "SQL_BASELINE", "B3__create_table.sql"], ["4", "SQL", "V4__add_c.sql"]])
        XCTAssertNotNil(history[0][4], "a B file's row has its checksum")
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'a' AND column_name = 'from_baseline'"), "1")
        XCTAssertFalse(try project.tableExists("b"))
        // V3 is what B3 stands for: its row shows it.
        XCTAssertEqual(try project.states(), [["3", "Baseline"], ["4", "Success"], ["1", "Below Baseline"], ["2", "Below Baseline"]])
        try project.migrateOK(["validate"])

        // The applied B file is validated like a versioned file.
        try project.write("sql/B3__create_table.sql", "CREATE TABLE a (id bigint, changed boolean);\n")
        let failure = try project.jsonFailure(["validate"])
        XCTAssertTrue((failure.document["invalidMigrations"] as? [[String: Any]])?.first?["errorDetails"].map { "\($0)" }?.contains("CHECKSUM_MISMATCH") ?? false,
                      "\(failure.document)")
    }

    func testNewestBaselineAtOrBelowTheTargetIsChosen() throws {
        let project = try project()
        try project.write("sql/B2__upto_two.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/B4__upto_four.sql", "CREATE TABLE a (id bigint);\nCREATE TABLE c (id int);\n")
        try project.migrateOK(["migrate", "-target=3"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[2]] }, [["2", "SQL_BASELINE"], ["3", "SQL"]])
    }

    func testBaselineMigrationIsIgnoredOnAMigratedDatabase() throws {
        let project = try project()
        try project.migrateOK(["migrate", "-target=2"])
        try project.write("sql/B3__create_table.sql", "CREATE TABLE a (id bigint, from_baseline boolean);\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[2]] }, [["1", "SQL"], ["2", "SQL"], ["3", "SQL"], ["4", "SQL"]])
        XCTAssertEqual(try project.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'a' AND column_name = 'from_baseline'"), "0")
        XCTAssertEqual(try project.states(), [["1", "Success"], ["2", "Success"], ["3", "Success"], ["4", "Success"]])
        try project.migrateOK(["validate"])
    }

    func testTwoBaselineMigrationsWithOneVersionAreAnError() throws {
        let project = try project()
        try project.write("sql/B3__one.sql", "SELECT 1;\n")
        try project.write("sql/sub/B3__two.sql", "SELECT 1;\n")
        let failure = try project.jsonFailure(["migrate"])
        XCTAssertEqual(failure.error["errorCode"] as? String, "DUPLICATE_VERSIONED_MIGRATION")
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }
}
