import Foundation
import XCTest

/// SQL callbacks, from the built binary: which run, in which order, in which transaction. The callbacks
/// record themselves into a table, so the order asserted is the order the database saw.
final class CallbackTests: XCTestCase {
    /// A callback that logs `label` into public.callback_log (created by whichever callback runs first).
    static func logging(_ label: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS public.callback_log (id serial PRIMARY KEY, label text NOT NULL);
        INSERT INTO public.callback_log (label) VALUES ('\(label)');
        """
    }

    func log(_ project: MigrateProject) throws -> [String] {
        try project.column("SELECT label FROM public.callback_log ORDER BY id").map { $0 ?? "" }
    }

    func flywayProject() throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("flyway.conf", "flyway.validateMigrationNaming=true\n")
        try project.write("sql/beforeMigrate.sql", Self.logging("beforeMigrate"))
        try project.write("sql/afterMigrate__grants.sql", Self.logging("afterMigrate - grants"))
        try project.write("sql/beforeEachMigrate.sql", Self.logging("beforeEachMigrate"))
        try project.write("sql/afterMigrateError.sql", Self.logging("afterMigrateError"))
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\nINSERT INTO public.callback_log (label) VALUES ('V1');\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\nINSERT INTO public.callback_log (label) VALUES ('V2');\n")
        return project
    }

    func testFlywayProjectRunsItsCallbacksInFlywaysOrder() throws {
        let project = try flywayProject()
        let document = try project.json(["migrate"])
        XCTAssertEqual(document["migrationsExecuted"] as? Int, 2)
        XCTAssertEqual(try log(project), ["beforeMigrate", "beforeEachMigrate", "V1", "beforeEachMigrate", "V2", "afterMigrate - grants"])
        // Reported in JSON, never recorded in the history.
        let callbacks = try XCTUnwrap(document["callbacks"] as? [[String: Any]])
        XCTAssertEqual(callbacks.map { $0["event"] as? String }, ["beforeMigrate", "beforeEachMigrate", "beforeEachMigrate", "afterMigrate"])
        XCTAssertEqual(callbacks.last?["description"] as? String, "grants")
        XCTAssertEqual(callbacks.last?["script"] as? String, "afterMigrate__grants.sql")
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])

        // A no-op migrate still runs beforeMigrate and afterMigrate (Flyway's events are per command).
        try project.migrateOK(["migrate"])
        XCTAssertEqual(Array(try log(project).suffix(2)), ["beforeMigrate", "afterMigrate - grants"])

        // A failing migration: its beforeEachMigrate is rolled back with it, afterMigrateError runs and stays.
        try project.write("sql/V3__bad.sql", "CREATE TABLE three (id int);\nSELECT 1/0;\n")
        let failure = try project.jsonFailure(["migrate"])
        XCTAssertEqual(failure.error["path"] as? String, "sql/V3__bad.sql")
        XCTAssertEqual(Array(try log(project).suffix(2)), ["beforeMigrate", "afterMigrateError"])
        XCTAssertFalse(try project.tableExists("three"))
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])
    }

    func testEventsAroundVersionedRepeatablesAndStatements() throws {
        let project = try MigrateProject()
        for event in ["beforeRepeatables", "afterVersioned", "afterEachMigrate", "afterMigrateApplied", "beforeEachMigrateStatement"] {
            try project.write("sql/\(event).sql", Self.logging(event))
        }
        try project.write("sql/beforeMigrate.sql", Self.logging("beforeMigrate"))
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\nCREATE TABLE one_more (id int);\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT 1 AS x;\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try log(project), [
            "beforeMigrate",
            "beforeEachMigrateStatement", "beforeEachMigrateStatement", "afterEachMigrate",
            "afterVersioned", "beforeRepeatables",
            "beforeEachMigrateStatement", "afterEachMigrate",
            "afterMigrateApplied",
        ])
        // Nothing applied: afterVersioned still runs once, afterMigrateApplied does not.
        try project.db().execute("TRUNCATE public.callback_log")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try log(project), ["beforeMigrate", "afterVersioned"])
    }

    func testSeveralCallbacksForOneEventRunInDescriptionOrderUndescribedFirst() throws {
        let project = try MigrateProject()
        try project.write("sql/afterMigrate__b_second.sql", Self.logging("b second"))
        try project.write("sql/afterMigrate__a_first.sql", Self.logging("a first"))
        try project.write("sql/afterMigrate.sql", Self.logging("plain"))
        // Longest event first: this is afterMigrateApplied, not afterMigrate with text after it.
        try project.write("sql/afterMigrateApplied.sql", Self.logging("applied"))
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try log(project), ["applied", "plain", "a first", "b second"])
    }

    func testCommandsOtherThanMigrateRunTheirCallbacks() throws {
        let project = try MigrateProject()
        for event in ["beforeInfo", "afterInfo", "beforeValidate", "afterValidate", "afterValidateError", "beforeRepair", "afterRepair",
                      "beforeBaseline", "afterBaseline", "afterConnect"] {
            try project.write("callbacks/\(event).sql", Self.logging(event))
        }
        try project.write("callbacks/beforeClean.sql", "SELECT 1;\n")
        try project.db().execute("CREATE TABLE existing (id int)")
        try project.migrateOK(["-callbackLocations=filesystem:callbacks", "baseline"])
        XCTAssertEqual(try log(project), ["afterConnect", "beforeBaseline", "afterBaseline"])
        try project.db().execute("TRUNCATE public.callback_log")
        try project.migrateOK(["-callbackLocations=callbacks", "info", "validate", "repair"])
        XCTAssertEqual(try log(project), ["afterConnect", "beforeInfo", "afterInfo", "afterConnect", "beforeValidate", "afterValidate",
                                          "afterConnect", "beforeRepair", "afterRepair"])
        // A failed validation runs the error callback.
        try project.db().execute("TRUNCATE public.callback_log")
        try project.write("sql/V2__pending.sql", "SELECT 1;\n")
        XCTAssertNotEqual(try project.migrate(["-callbackLocations=callbacks", "validate"]).status, 0)
        XCTAssertEqual(try log(project), ["afterConnect", "beforeValidate", "afterValidateError"])
        // skipDefaultCallbacks leaves out those in the locations, not those in callbackLocations.
        try project.write("sql/beforeInfo.sql", Self.logging("beforeInfo in sql"))
        try project.db().execute("TRUNCATE public.callback_log")
        try project.migrateOK(["-callbackLocations=callbacks", "-skipDefaultCallbacks=true", "info"])
        XCTAssertEqual(try log(project), ["afterConnect", "beforeInfo", "afterInfo"])
        // Both would run for one event under one name: Flyway refuses that, and so does migrate.
        try project.db().execute("TRUNCATE public.callback_log")
        let failure = try project.jsonFailure(["-callbackLocations=callbacks", "info"])
        XCTAssertEqual(failure.error["errorCode"] as? String, "DUPLICATE_CALLBACK")
        XCTAssertTrue((failure.error["message"] as? String ?? "").contains("callbacks/beforeInfo.sql"), "\(failure.error)")
        XCTAssertEqual(try log(project), [])
    }

    func testUndoRunsItsCallbacks() throws {
        let project = try MigrateProject()
        for event in ["beforeUndo", "beforeEachUndo", "afterEachUndo", "afterUndo", "afterUndoError", "beforeEachUndoStatement"] {
            try project.write("sql/\(event).sql", Self.logging(event))
        }
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/U2__two.sql", "DROP TABLE two;\n")
        try project.migrateOK(["migrate"])
        XCTAssertFalse(try project.tableExists("callback_log"), "undo callbacks do not run during migrate")
        let document = try project.json(["undo"])
        XCTAssertEqual(document["migrationsUndone"] as? Int, 1)
        XCTAssertEqual(try log(project), ["beforeUndo", "beforeEachUndo", "beforeEachUndoStatement", "afterEachUndo", "afterUndo"])
        XCTAssertFalse(try project.tableExists("two"))
        XCTAssertEqual((document["callbacks"] as? [[String: Any]])?.map { $0["event"] as? String },
                       ["beforeUndo", "beforeEachUndo", "beforeEachUndoStatement", "afterEachUndo", "afterUndo"])
    }

    func testAfterEachMigrateErrorRunsAfterTheRollbackAndStays() throws {
        let project = try MigrateProject()
        try project.write("sql/afterEachMigrateError.sql", Self.logging("afterEachMigrateError"))
        try project.write("sql/afterEachMigrateStatementError.sql", Self.logging("afterEachMigrateStatementError"))
        try project.write("sql/V1__bad.sql", "CREATE TABLE one (id int);\nSELECT 1/0;\n")
        XCTAssertNotEqual(try project.migrate(["migrate"]).status, 0)
        XCTAssertEqual(try log(project), ["afterEachMigrateStatementError", "afterEachMigrateError"])
        XCTAssertFalse(try project.tableExists("one"))
    }

    func testAFailingCallbackFailsTheCommandNamingTheEventAndFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/beforeEachMigrate__check.sql", "SELECT 1;\nSELECT no_such_column FROM one;\n")
        let failure = try project.jsonFailure(["migrate"])
        XCTAssertEqual(failure.error["path"] as? String, "sql/beforeEachMigrate__check.sql")
        XCTAssertEqual(failure.error["lineNumber"] as? Int, 2)
        XCTAssertTrue((failure.error["message"] as? String ?? "").hasPrefix("Error while executing beforeEachMigrate callback: sql/beforeEachMigrate__check.sql:2:"),
                      "\(failure.error)")
        // The migration's transaction held the callback: nothing of V1 stays.
        XCTAssertFalse(try project.tableExists("one"))
        XCTAssertEqual(try project.history().count, 0)
    }

    func testCallbacksAreCheckedBeforeTheFirstWrite() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/afterMigrate.sql", "SELECT '${missing}';\n")
        let failure = try project.jsonFailure(["migrate"])
        XCTAssertEqual(failure.error["path"] as? String, "sql/afterMigrate.sql")
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
        XCTAssertFalse(try project.tableExists("one"))
    }

    func testAFileThatLooksLikeACallbackButNamesNoEventIsAnError() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/afterMigrat.sql", "SELECT 1;\n")
        try project.write("sql/AfterEachMigrate__x.sql", "SELECT 1;\n")
        let failure = try project.jsonFailure(["migrate"])
        let message = failure.error["message"] as? String ?? ""
        XCTAssertEqual(failure.error["errorCode"] as? String, "INVALID_CALLBACK_NAME")
        XCTAssertTrue(message.contains("sql/afterMigrat.sql: 'afterMigrat' is not a callback event; did you mean afterMigrate"), message)
        XCTAssertTrue(message.contains("sql/AfterEachMigrate__x.sql: 'AfterEachMigrate' is not a callback event; did you mean afterEachMigrate"), message)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    func testNonTransactionalCallbackRunsOutsideATransaction() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/afterMigrate__index.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS one_id ON one (id);\n")
        try project.migrateOK(["migrate"])
        XCTAssertTrue(try project.tableExists("one_id"))
    }

    func testDryRunShowsCallbacksAndRunsNothing() throws {
        let project = try flywayProject()
        let run = try project.migrateOK(["migrate", "-dryRunOutput=-"])
        XCTAssertTrue(run.stdout.contains("-- SQL callback: beforeMigrate\n-- Source: sql/beforeMigrate.sql"), run.stdout)
        XCTAssertTrue(run.stdout.contains("-- SQL callback: afterMigrate - grants"), run.stdout)
        XCTAssertTrue(run.stdout.contains("INSERT INTO public.callback_log (label) VALUES ('beforeEachMigrate')"), run.stdout)
        XCTAssertFalse(try project.tableExists("callback_log"))
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    func testDebugOutputShowsCallbackStatements() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/afterMigrate.sql", "SELECT 'from the callback';\n")
        let run = try project.migrateOK(["-X", "migrate"])
        XCTAssertTrue(run.stdout.contains("Executing SQL callback: afterMigrate (afterMigrate.sql)"), run.stdout)
        XCTAssertTrue(run.stderr.contains("SELECT 'from the callback'"), run.stderr)
    }
}
