import Foundation
import MigrateCore
import XCTest

/// `undo`: U files revert applied migrations, recorded in UNDO_SQL rows as Flyway Teams writes them.
final class UndoTests: XCTestCase {
    let undo3 = "DROP TABLE c;\n"
    let undo2 = "DROP TABLE b;\n"

    /// V1..V3 creating tables a, b, c (c with a row); U2 and U3 drop b and c; no U1.
    private func project(undoFiles: Bool = true) throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        try project.write("sql/V3__c.sql", "CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\n")
        if undoFiles {
            try project.write("sql/U2__b.sql", undo2)
            try project.write("sql/U3__c.sql", undo3)
        }
        return project
    }

    /// info's migrations as `category version type state undoable` lines.
    private func info(_ project: MigrateProject, file: StaticString = #filePath, line: UInt = #line) throws -> (schemaVersion: String?, lines: [String], entries: [[String: Any]]) {
        let document = try project.json(["info"], file: file, line: line)
        let entries = document["migrations"] as? [[String: Any]] ?? []
        let lines = entries.map { entry in
            ["category", "version", "type", "state", "undoable"].map { entry[$0] as? String ?? "-" }.joined(separator: " ")
        }
        return (document["schemaVersion"] as? String, lines, entries)
    }

    private func historyRows(_ project: MigrateProject) throws -> [String] {
        try project.history().map { $0.map { $0 ?? "null" }.joined(separator: "|") }
    }

    func testUndoThenUndoToATargetThenMigrateAgainLeavesFlywaysAuditTrail() throws {
        let project = try project()
        try project.migrateOK(["migrate"])
        var state = try info(project)
        XCTAssertEqual(state.lines, ["Versioned 1 SQL Success No", "Versioned 2 SQL Success Yes", "Versioned 3 SQL Success Yes"])
        XCTAssertNil(state.entries[0]["undoFilepath"])
        XCTAssertEqual(state.entries[2]["undoFilepath"] as? String, project.directory.appendingPathComponent("sql/U3__c.sql").path)

        // undo: the most recently applied migration.
        let undone = try project.json(["undo"])
        XCTAssertEqual(undone["operation"] as? String, "undo")
        XCTAssertEqual(undone["initialSchemaVersion"] as? String, "3")
        XCTAssertEqual(undone["targetSchemaVersion"] as? String, "2")
        XCTAssertEqual(undone["migrationsUndone"] as? Int, 1)
        let list = try XCTUnwrap(undone["undoneMigrations"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["version"] as? String }, ["3"])
        XCTAssertEqual(list[0]["description"] as? String, "c")
        XCTAssertEqual(list[0]["filepath"] as? String, project.directory.appendingPathComponent("sql/U3__c.sql").path)
        XCTAssertNotNil(list[0]["executionTime"] as? Int)
        XCTAssertFalse(try project.tableExists("c"))
        XCTAssertTrue(try project.tableExists("b"))
        state = try info(project)
        XCTAssertEqual(state.schemaVersion, "2")
        XCTAssertEqual(state.lines, ["Versioned 1 SQL Success No", "Versioned 2 SQL Success Yes", "Versioned 3 SQL Undone ",
                                     "Undo 3 UNDO_SQL Success ", "Versioned 3 SQL Pending Yes"])
        XCTAssertEqual(state.entries[3]["filepath"] as? String, project.directory.appendingPathComponent("sql/U3__c.sql").path)

        // -target=1: every applied version above 1, here V2.
        let text = try project.migrateOK(["undo", "-target=1"])
        XCTAssertTrue(text.stdout.contains("Undid version 2 - b (U2__b.sql) in "), text.stdout)
        XCTAssertTrue(text.stdout.contains("Successfully undid 1 migration of schema \"public\", now at version 1"), text.stdout)
        XCTAssertFalse(try project.tableExists("b"))
        state = try info(project)
        XCTAssertEqual(state.schemaVersion, "1")
        XCTAssertEqual(state.lines, ["Versioned 1 SQL Success No", "Versioned 2 SQL Undone ", "Versioned 3 SQL Undone ",
                                     "Undo 3 UNDO_SQL Success ", "Undo 2 UNDO_SQL Success ",
                                     "Versioned 2 SQL Pending Yes", "Versioned 3 SQL Pending Yes"])
        // The text table has Flyway's Undoable column.
        let table = try project.migrateOK(["info"]).stdout
        XCTAssertTrue(table.contains("| State   | Undoable |"), table)
        XCTAssertTrue(table.contains("| Undo      | 2       | b           | UNDO_SQL |"), table)

        // migrate re-applies them, in order; the history keeps every step.
        let again = try project.json(["migrate"])
        XCTAssertEqual((again["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["2", "3"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM c"), "1")
        state = try info(project)
        XCTAssertEqual(state.schemaVersion, "3")
        XCTAssertEqual(state.lines, ["Versioned 1 SQL Success No", "Versioned 2 SQL Undone ", "Versioned 3 SQL Undone ",
                                     "Undo 3 UNDO_SQL Success ", "Undo 2 UNDO_SQL Success ",
                                     "Versioned 2 SQL Success Yes", "Versioned 3 SQL Success Yes"])
        let v1 = try project.history()[0][4]!, v2 = try project.history()[1][4]!, v3 = try project.history()[2][4]!
        XCTAssertEqual(try historyRows(project), [
            "1|a|SQL|V1__a.sql|\(v1)|true",
            "2|b|SQL|V2__b.sql|\(v2)|true",
            "3|c|SQL|V3__c.sql|\(v3)|true",
            "3|c|UNDO_SQL|U3__c.sql|\(Checksum.of(undo3))|true",
            "2|b|UNDO_SQL|U2__b.sql|\(Checksum.of(undo2))|true",
            "2|b|SQL|V2__b.sql|\(v2)|true",
            "3|c|SQL|V3__c.sql|\(v3)|true",
        ])
        try project.migrateOK(["validate"])
    }

    func testTargetRevertsNewestFirstInOneRunAndGroupKeepsAllOrNothing() throws {
        let project = try project()
        try project.write("sql/U1__a.sql", "DROP TABLE a;\nSELECT * FROM no_such_table;\n")
        try project.migrateOK(["migrate"])

        // group=true: U3 and U2 run, U1 fails, all three are rolled back.
        let grouped = try project.jsonFailure(["-group=true", "undo", "-target=0?"])
        XCTAssertEqual(grouped.error["path"] as? String, "sql/U1__a.sql")
        XCTAssertEqual(grouped.error["lineNumber"] as? Int, 2)
        XCTAssertEqual(grouped.document["migrationsUndone"] as? Int, 0)
        XCTAssertTrue(try project.tableExists("c") && project.tableExists("b") && project.tableExists("a"))
        XCTAssertEqual(try project.history().count, 3)

        // One by one: U3, then U2, each committed, then U1 fails and is rolled back.
        let partial = try project.jsonFailure(["undo", "-target=0?"])
        XCTAssertEqual((partial.document["undoneMigrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["3", "2"])
        XCTAssertEqual(partial.document["targetSchemaVersion"] as? String, "1")
        XCTAssertEqual(partial.error["sqlState"] as? String, "42P01")
        XCTAssertFalse(try project.tableExists("c") || project.tableExists("b"))
        XCTAssertTrue(try project.tableExists("a"))
        XCTAssertEqual(try project.history().map { "\($0[0]!) \($0[2]!)" }, ["1 SQL", "2 SQL", "3 SQL", "3 UNDO_SQL", "2 UNDO_SQL"])
    }

    func testAMissingUndoFileOrABrokenOneStopsTheRunBeforeAnythingIsUndone() throws {
        let project = try project(undoFiles: false)
        try project.write("sql/U3__c.sql", undo3)
        try project.migrateOK(["migrate"])

        let missing = try project.jsonFailure(["undo", "-target=1"])
        XCTAssertEqual(missing.error["errorCode"] as? String, "UNDO_MIGRATION_NOT_FOUND")
        XCTAssertEqual(missing.error["message"] as? String,
                       "Unable to undo migration to version 2 (b): no undo migration of version 2 was found in filesystem:sql. Nothing was undone.")
        XCTAssertTrue(try project.tableExists("c"), "U3 must not run when U2 is missing")
        XCTAssertEqual(try project.history().count, 3)

        // A U2 that cannot be read to the end is found before U3 runs, with its line.
        try project.write("sql/U2__b.sql", "DROP TABLE b;\nSELECT 'unterminated;\n")
        let broken = try project.migrate(["undo", "-target=1"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stderr.contains("sql/U2__b.sql:2:"), broken.stderr)
        XCTAssertTrue(try project.tableExists("c") && project.tableExists("b"))
        XCTAssertEqual(try project.history().count, 3)

        // Nothing applied yet, nothing to undo: no effect, and it says so.
        let empty = try MigrateProject()
        try empty.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try empty.write("sql/U1__a.sql", "DROP TABLE a;\n")
        let none = try empty.migrateOK(["undo"])
        XCTAssertTrue(none.stdout.contains("Schema \"public\" has no migration to undo (current version: << Empty Schema >>)"), none.stdout)
        XCTAssertFalse(try empty.tableExists("flyway_schema_history"))
    }

    func testDryRunWritesTheUndoAndChangesNothingAndPsqlReplaysIt() throws {
        let project = try project()
        try project.migrateOK(["migrate"])
        let dry = try project.migrateOK(["-dryRunOutput=undo.sql", "undo", "-target=1"])
        XCTAssertTrue(dry.stdout.contains("Would undo version 3 - c (U3__c.sql)"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("Would undo 2 migrations of schema \"public\", leaving it at version 1 [dry run"), dry.stdout)
        XCTAssertTrue(try project.tableExists("c") && project.tableExists("b"))
        XCTAssertEqual(try project.history().count, 3)
        let script = try String(contentsOf: project.directory.appendingPathComponent("undo.sql"), encoding: .utf8)
        XCTAssertTrue(script.contains("-- Executing: undo"), script)
        XCTAssertTrue(script.contains("-- Undo of version 3 - c"), script)
        XCTAssertLessThan(try XCTUnwrap(script.range(of: "DROP TABLE c")).lowerBound, try XCTUnwrap(script.range(of: "DROP TABLE b")).lowerBound)
        XCTAssertTrue(script.contains("'UNDO_SQL'"), script)

        // Run by psql, the script leaves what undo leaves.
        try project.psqlFiles(["undo.sql"], database: project.database)
        XCTAssertFalse(try project.tableExists("c") || project.tableExists("b"))
        XCTAssertEqual(try project.history().map { "\($0[0]!) \($0[2]!) \($0[3]!) \($0[4]!)" }.suffix(2),
                       ["3 UNDO_SQL U3__c.sql \(Checksum.of(undo3))", "2 UNDO_SQL U2__b.sql \(Checksum.of(undo2))"])
        XCTAssertEqual(try info(project).schemaVersion, "1")
    }

    func testValidateCatchesAChangedUndoFileAndRepairRealignsIt() throws {
        let project = try project()
        // (V3 is pending again after the undo.)
        let validate = ["validate", "-ignoreMigrationPatterns=*:pending"]
        try project.migrateOK(["migrate", "undo"])
        try project.migrateOK(validate)

        try project.write("sql/U3__c.sql", "DROP TABLE IF EXISTS c;\n")
        let failed = try project.json(validate, expectSuccess: false)
        XCTAssertEqual(failed["validationSuccessful"] as? Bool, false)
        let invalid = try XCTUnwrap(failed["invalidMigrations"] as? [[String: Any]])
        XCTAssertEqual(invalid.count, 1)
        XCTAssertEqual(invalid[0]["version"] as? String, "3")
        XCTAssertEqual(invalid[0]["filepath"] as? String, project.directory.appendingPathComponent("sql/U3__c.sql").path)
        let details = try XCTUnwrap(invalid[0]["errorDetails"] as? [String: Any])
        XCTAssertEqual(details["errorCode"] as? String, "CHECKSUM_MISMATCH")
        XCTAssertTrue((details["errorMessage"] as? String ?? "").hasPrefix("Migration checksum mismatch for undo migration version 3"), "\(details)")
        // migrate validates too, and so does undo.
        XCTAssertNotEqual(try project.migrate(["migrate"]).status, 0)
        XCTAssertEqual(try project.history().count, 4)

        try project.migrateOK(["repair"])
        try project.migrateOK(validate)
        XCTAssertEqual(try project.history()[3].prefix(5).map { $0 ?? "null" },
                       ["3", "c", "UNDO_SQL", "U3__c.sql", String(Checksum.of("DROP TABLE IF EXISTS c;\n"))])
    }

    /// A U file of only non-transactional statements runs outside a transaction, as a migration would; a
    /// migration that failed outside one cannot be undone (Flyway: undo assumes the whole migration succeeded).
    func testNonTransactionalUndoAndAFailedMigrationIsNotUndone() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/V2__index.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);\n")
        try project.write("sql/U2__index.sql", "DROP INDEX CONCURRENTLY t_id;\n")
        try project.migrateOK(["migrate"])
        let dry = try project.migrateOK(["-dryRunOutput=-", "undo"]).stdout
        XCTAssertTrue(dry.contains("[non-transactional]"), dry)
        XCTAssertFalse(dry.contains("BEGIN"), dry)
        try project.migrateOK(["undo"])
        XCTAssertNil(try project.scalar("SELECT to_regclass('t_id')::text"))
        XCTAssertEqual(try info(project).lines.suffix(3), ["Versioned 2 SQL Undone ", "Undo 2 UNDO_SQL Success ", "Versioned 2 SQL Pending Yes"])

        try project.write("sql/V3__broken.sql", "CREATE INDEX CONCURRENTLY t_x ON t (no_such_column);\n")
        try project.write("sql/U3__broken.sql", "DROP INDEX CONCURRENTLY IF EXISTS t_x;\n")
        XCTAssertNotEqual(try project.migrate(["migrate", "-cherryPick=3"]).status, 0)
        let refused = try project.jsonFailure(["undo"])
        XCTAssertEqual(refused.error["errorCode"] as? String, "FAILED_VERSIONED_MIGRATION")
        XCTAssertTrue((refused.error["message"] as? String ?? "").contains("version 3 (broken)"), "\(refused.error)")
        XCTAssertEqual(try project.history().map { "\($0[0]!) \($0[2]!) \($0[5]!)" }, ["1 SQL true", "2 SQL true", "2 UNDO_SQL true", "3 SQL false"])
    }

    /// Repeatables have no undo (Flyway): a U file that drops what a repeatable's view needs fails, and
    /// nothing is undone; it must drop the view itself (migrate re-applies the repeatable once it changes).
    func testAnUndoBlockedByARepeatablesObjectFailsAndUndoesNothing() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/R__v.sql", "CREATE OR REPLACE VIEW v AS SELECT id FROM t;\n")
        try project.write("sql/U1__t.sql", "\nDROP TABLE t;\n")
        try project.migrateOK(["migrate"])

        let blocked = try project.jsonFailure(["undo"])
        XCTAssertEqual(blocked.error["sqlState"] as? String, "2BP01")
        XCTAssertEqual(blocked.error["path"] as? String, "sql/U1__t.sql")
        XCTAssertEqual(blocked.error["lineNumber"] as? Int, 2)
        XCTAssertTrue(try project.tableExists("t") && project.tableExists("v"))
        XCTAssertEqual(try info(project).lines, ["Versioned 1 SQL Success Yes", "Repeatable - SQL Success "])

        try project.write("sql/U1__t.sql", "DROP VIEW v;\nDROP TABLE t;\n")
        try project.migrateOK(["undo"])
        XCTAssertFalse(try project.tableExists("t"))
        XCTAssertEqual(try info(project).lines, ["Versioned 1 SQL Undone ", "Repeatable - SQL Success ", "Undo 1 UNDO_SQL Success ",
                                                 "Versioned 1 SQL Pending Yes"])
    }

    func testCherryPickUndoesInReverseOfTheListAndCommandLineHelp() throws {
        let project = try project()
        try project.migrateOK(["migrate"])
        let picked = try project.json(["undo", "-cherryPick=2,3"])
        XCTAssertEqual((picked["undoneMigrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["3", "2"])
        let both = try project.jsonFailure(["undo", "-cherryPick=1", "-target=1"])
        XCTAssertEqual(both.error["errorCode"] as? String, "NOT_UNDOABLE")
        let notApplied = try project.jsonFailure(["undo", "-cherryPick=3"])
        XCTAssertTrue((notApplied.error["message"] as? String ?? "").contains("version 3: cherryPick names a version that is not applied"),
                      "\(notApplied.error)")

        // skipExecutingMigrations: the undo is recorded, its U file not run (it was undone by hand).
        try project.migrateOK(["migrate"])
        try project.migrateOK(["undo", "-skipExecutingMigrations=true"])
        XCTAssertTrue(try project.tableExists("c"))
        XCTAssertEqual(try project.history().last?.prefix(3).map { $0 ?? "null" }, ["3", "c", "UNDO_SQL"])

        try project.write("sql/more/U2__again.sql", "SELECT 1;\n")
        let duplicate = try project.jsonFailure(["info"])
        XCTAssertEqual(duplicate.error["errorCode"] as? String, "DUPLICATE_UNDO_MIGRATION")
        XCTAssertTrue((duplicate.error["message"] as? String ?? "").hasPrefix("Found more than one undo migration with version 2:"), "\(duplicate.error)")

        let help = try project.migrateOK(["--help"], withURL: false).stdout
        XCTAssertTrue(help.contains("undo      revert the latest migration by its U file (-target=V: all above V)"), help)
        let clash = try project.migrate(["-undoSqlMigrationPrefix=V", "info"])
        XCTAssertNotEqual(clash.status, 0)
        XCTAssertTrue(clash.stderr.contains("'V' is also sqlMigrationPrefix"), clash.stderr)
    }

    /// A history Flyway Teams wrote (V2 applied, undone, pending again) reads the same here.
    func testReadsAHistoryFlywayTeamsWrote() throws {
        let project = try project()
        try project.migrateOK(["migrate", "-target=2"])
        try project.db().execute("""
            INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
            VALUES (3, '2', 'b', 'UNDO_SQL', 'U2__b.sql', \(Checksum.of(undo2)), 'flyway', 4, true);
            DROP TABLE b;
            """)
        XCTAssertEqual(try info(project).lines, ["Versioned 1 SQL Success No", "Versioned 2 SQL Undone ", "Undo 2 UNDO_SQL Success ",
                                                 "Versioned 2 SQL Pending Yes", "Versioned 3 SQL Pending Yes"])
        try project.migrateOK(["validate", "-ignoreMigrationPatterns=*:pending"])
        try project.migrateOK(["migrate"])
        XCTAssertTrue(try project.tableExists("b") && project.tableExists("c"))
    }
}
