import Foundation
import XCTest

/// Several `migrate` processes started at the same moment against one database, as a deployment that starts
/// every replica at once does: every file is applied exactly once, every process exits 0 or with one clear
/// message, and no advisory lock is left behind.
final class RacingProcessesTests: XCTestCase {
    /// Starts every run at once and waits for all of them.
    private func race(_ project: MigrateProject, _ runs: [[String]]) throws -> [MigrateProject.Run] {
        let started = try runs.map { try project.start(["-outputType=json"] + $0) }
        return started.map { $0.wait() }
    }

    private func assertNoAdvisoryLockLeft(_ project: MigrateProject, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "0",
                       "a finished migrate must not leave its lock behind", file: file, line: line)
    }

    func testEightMigratesOnAnEmptyDatabaseApplyEveryFileOnce() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__runs.sql", "CREATE TABLE runs (file text);\nINSERT INTO runs VALUES ('V1');\n")
        try project.write("sql/V2__more.sql", "INSERT INTO runs VALUES ('V2');\n")
        try project.write("sql/V3__index.sql", "CREATE INDEX CONCURRENTLY runs_file_idx ON runs (file);\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW run_files AS SELECT file FROM runs;\nINSERT INTO runs VALUES ('R');\n")

        let runs = try race(project, Array(repeating: ["migrate"], count: 8))
        var executed: [Int] = []
        for run in runs {
            XCTAssertEqual(run.status, 0, run.output)
            executed.append(try run.document()["migrationsExecuted"] as? Int ?? -1)
        }
        XCTAssertEqual(executed.sorted(), [0, 0, 0, 0, 0, 0, 0, 4], "one process applies everything, the others find nothing to do")
        XCTAssertEqual(try project.column("SELECT file FROM runs ORDER BY file"), ["R", "V1", "V2"])
        XCTAssertEqual(try project.history().map { [$0[0] ?? "R", $0[5]] }, [["1", "true"], ["2", "true"], ["3", "true"], ["R", "true"]])
        XCTAssertEqual(try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'runs_file_idx'::regclass"), "true")
        try assertNoAdvisoryLockLeft(project)
    }

    /// Two services with their own history tables (so their own locks) both need the schema `shared`, which
    /// does not exist yet: it is created once, by whichever gets there first, and no racer fails on it.
    func testASchemaNeededByRacersWithDifferentHistoriesIsCreatedOnce() throws {
        let project = try MigrateProject()
        try project.write("a/V1__a.sql", "CREATE TABLE shared.from_a (id int);\nCREATE TABLE a_own (id int);\n")
        try project.write("b/V1__b.sql", "CREATE TABLE shared.from_b (id int);\nCREATE TABLE b_own (id int);\n")
        let serviceA = ["migrate", "-schemas=app_a,shared", "-locations=a"]
        let serviceB = ["migrate", "-schemas=app_b,shared", "-locations=b"]

        let runs = try race(project, Array(repeating: serviceA, count: 4) + Array(repeating: serviceB, count: 4))
        for run in runs {
            XCTAssertEqual(run.status, 0, run.output)
            XCTAssertFalse(run.output.contains("duplicate key"), run.output)
        }
        XCTAssertEqual(try project.column("SELECT relname::text FROM pg_class WHERE relnamespace = 'shared'::regnamespace ORDER BY 1"),
                       ["from_a", "from_b"])
        XCTAssertTrue(try project.tableExists("app_a.a_own") && project.tableExists("app_b.b_own"))
        for table in ["app_a.flyway_schema_history", "app_b.flyway_schema_history"] {
            XCTAssertEqual(try project.history(table: table).filter { $0[2] == "SQL" }.map { [$0[0], $0[5]] }, [["1", "true"]], table)
        }
        // Each schema is recorded as created (a SCHEMA row) by exactly one of the two histories.
        let created = try project.column("""
            SELECT script FROM app_a.flyway_schema_history WHERE type = 'SCHEMA'
            UNION ALL SELECT script FROM app_b.flyway_schema_history WHERE type = 'SCHEMA'
            """).compactMap { $0 }.flatMap { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(created.sorted(), ["\"app_a\"", "\"app_b\"", "\"shared\""])
        try assertNoAdvisoryLockLeft(project)
    }

    /// The same, made certain: the schema appears while migrate is creating it. The test creates it itself in
    /// a transaction it holds open until both services' CREATE SCHEMA wait on it, then commits: each must take
    /// the schema as found, not fail with PostgreSQL's duplicate key error (nor record it as its own).
    func testASchemaCreatedByAnotherSessionMeanwhileIsTakenAsFound() throws {
        let project = try MigrateProject()
        try project.write("a/V1__a.sql", "CREATE TABLE shared.from_a (id int);\n")
        try project.write("b/V1__b.sql", "CREATE TABLE shared.from_b (id int);\n")
        let creator = try project.newSession()
        try creator.execute("BEGIN; CREATE SCHEMA shared")

        let racers = try [["-schemas=app_a,shared", "-locations=a"], ["-schemas=app_b,shared", "-locations=b"]].map {
            try project.start(["-outputType=json", "migrate"] + $0)
        }
        try project.waitForBackendsBlocked(2)
        try creator.execute("COMMIT")
        for run in racers.map({ $0.wait() }) { XCTAssertEqual(run.status, 0, run.output) }
        XCTAssertEqual(try project.column("SELECT relname::text FROM pg_class WHERE relnamespace = 'shared'::regnamespace ORDER BY 1"),
                       ["from_a", "from_b"])
        XCTAssertEqual(try project.column("SELECT script FROM app_a.flyway_schema_history WHERE type = 'SCHEMA'"), ["\"app_a\""])
        XCTAssertEqual(try project.column("SELECT script FROM app_b.flyway_schema_history WHERE type = 'SCHEMA'"), ["\"app_b\""])
    }

    /// Eight racers that all create the same new schema for the same history.
    func testEightRacersCreatingTheSameSchema() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let runs = try race(project, Array(repeating: ["migrate", "-schemas=newschema"], count: 8))
        for run in runs { XCTAssertEqual(run.status, 0, run.output) }
        XCTAssertEqual(try project.history(table: "newschema.flyway_schema_history").map { [$0[0] ?? $0[2], $0[3]] },
                       [["SCHEMA", "\"newschema\""], ["1", "V1__t.sql"]])
        XCTAssertTrue(try project.tableExists("newschema.t"))
        try assertNoAdvisoryLockLeft(project)
    }

    /// `migrate`, `baseline` and `repair` racing on an empty database: whichever order the lock gives them,
    /// the history ends up as one of the two valid outcomes, and a baseline that comes too late says why.
    func testMigrateBaselineAndRepairRacing() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/V3__three.sql", "CREATE TABLE three (id int);\n")
        let commands = [["migrate"], ["baseline"], ["repair"], ["migrate"], ["baseline"], ["repair"], ["migrate"], ["baseline"]]

        let runs = try race(project, commands)
        for (command, run) in zip(commands, runs) where run.status != 0 {
            // The only refusal possible: baseline after migrate has applied something.
            XCTAssertEqual(command, ["baseline"], run.output)
            XCTAssertEqual(run.status, 1, run.output)
            let error = try run.document()["error"] as? [String: Any] ?? [:]
            XCTAssertEqual(error["errorCode"] as? String, "BASELINE_ON_NON_EMPTY_HISTORY", run.output)
            XCTAssertEqual(error["message"] as? String, "cannot baseline: \"public\".\"flyway_schema_history\" already contains migrations")
        }
        let history = try project.history().map { [$0[0] ?? "", $0[2] ?? ""] }
        if history.first == ["1", "BASELINE"] {
            // A baseline came first: version 1 is taken as applied, V2 and V3 run once.
            XCTAssertEqual(history, [["1", "BASELINE"], ["2", "SQL"], ["3", "SQL"]])
            XCTAssertFalse(try project.tableExists("one"))
        } else {
            XCTAssertEqual(history, [["1", "SQL"], ["2", "SQL"], ["3", "SQL"]])
            XCTAssertTrue(try project.tableExists("one"))
            XCTAssertTrue(zip(commands, runs).allSatisfy { $0.0 != ["baseline"] || $0.1.status == 1 }, "no baseline after migrate can succeed")
        }
        XCTAssertTrue(try project.tableExists("two") && project.tableExists("three"))
        try assertNoAdvisoryLockLeft(project)
    }
}
