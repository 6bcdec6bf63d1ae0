import Foundation
import TestSupport
import XCTest

/// Runs through a real PgBouncer that the test starts in front of the test cluster: in transaction pooling
/// the session lock is refused before anything is written, and lockMode=transaction applies every file
/// exactly once however many runs race; no advisory lock is left on any server connection.
final class PoolerTests: XCTestCase {
    private var project: MigrateProject!
    private var bouncer: TemporaryPgBouncer!

    override func setUpWithError() throws {
        project = try MigrateProject()
        bouncer = try TemporaryPgBouncer(cluster: project.cluster)
    }

    override func tearDown() {
        bouncer?.stop()
        bouncer = nil
        project = nil
    }

    /// Starts every run at once through the pooler and waits for all of them.
    private func race(_ arguments: [String], count: Int = 8, through pooler: TemporaryPgBouncer? = nil) throws -> [MigrateProject.Run] {
        let url = (pooler ?? bouncer).url(database: project.database)
        let started = try (0..<count).map { _ in
            try project.start(["-url=\(url)", "-outputType=json", "migrate"] + arguments, withURL: false)
        }
        return started.map { $0.wait() }
    }

    private func writeMigrations() throws {
        try project.write("sql/V1__runs.sql", "CREATE TABLE runs (file text);\nINSERT INTO runs VALUES ('V1');\n")
        try project.write("sql/V2__more.sql", "INSERT INTO runs VALUES ('V2');\n")
        try project.write("sql/V3__again.sql", "ALTER TABLE runs ADD COLUMN at timestamptz DEFAULT now();\nINSERT INTO runs (file) VALUES ('V3');\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW run_files AS SELECT file FROM runs;\nINSERT INTO runs (file) VALUES ('R');\n")
    }

    /// Counted on the real server, directly: a lock held by a pooled server connection shows here too.
    private func assertNoAdvisoryLockLeft(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "0",
                       "no advisory lock may be left behind", file: file, line: line)
    }

    func testEightRunsThroughTransactionPoolingAreRefusedBeforeWriting() throws {
        try writeMigrations()
        for run in try race([]) {
            XCTAssertEqual(run.status, 1, run.output)
            let error = try run.document()["error"] as? [String: Any] ?? [:]
            XCTAssertEqual(error["errorCode"] as? String, "TRANSACTION_POOLING", run.output)
            let message = error["message"] as? String ?? ""
            for part in ["pool_mode=transaction", "advisory lock", "Nothing was changed", "session-mode pool", "lockMode=transaction"] {
                XCTAssertTrue(message.contains(part), "\(part) missing from: \(message)")
            }
        }
        XCTAssertFalse(try project.tableExists("public.flyway_schema_history"))
        XCTAssertFalse(try project.tableExists("runs"))
        try assertNoAdvisoryLockLeft()
    }

    func testEightRunsWithTransactionLocksApplyEveryFileOnce() throws {
        try writeMigrations()
        var executed = 0
        for run in try race(["-lockMode=transaction"]) {
            XCTAssertEqual(run.status, 0, run.output)
            executed += try run.document()["migrationsExecuted"] as? Int ?? -100
        }
        XCTAssertEqual(executed, 4, "each file is applied by exactly one of the runs")
        XCTAssertEqual(try project.column("SELECT file FROM runs ORDER BY file"), ["R", "V1", "V2", "V3"])
        XCTAssertEqual(try project.history().map { [$0[0] ?? "R", $0[3], $0[5]] },
                       [["1", "V1__runs.sql", "true"], ["2", "V2__more.sql", "true"], ["3", "V3__again.sql", "true"], ["R", "R__view.sql", "true"]])
        try assertNoAdvisoryLockLeft()

        // A changed repeatable is applied again, once, by the next racers.
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW run_files AS SELECT file, at FROM runs;\nINSERT INTO runs (file) VALUES ('R2');\n")
        executed = 0
        for run in try race(["-lockMode=transaction"]) {
            XCTAssertEqual(run.status, 0, run.output)
            executed += try run.document()["migrationsExecuted"] as? Int ?? -100
        }
        XCTAssertEqual(executed, 1)
        XCTAssertEqual(try project.column("SELECT file FROM runs WHERE file LIKE 'R%' ORDER BY file"), ["R", "R2"])
        try assertNoAdvisoryLockLeft()
    }

    /// A new schema for the history, created by whichever racer locks first.
    func testEightRunsWithTransactionLocksCreateTheSchemaOnce() throws {
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        for run in try race(["-lockMode=transaction", "-schemas=newschema"]) { XCTAssertEqual(run.status, 0, run.output) }
        XCTAssertEqual(try project.history(table: "newschema.flyway_schema_history").map { [$0[0] ?? $0[2], $0[3]] },
                       [["SCHEMA", "\"newschema\""], ["1", "V1__t.sql"]])
        try assertNoAdvisoryLockLeft()
    }

    func testTransactionLocksRefuseAFileThatCannotRunInATransaction() throws {
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.write("sql/V2__index.sql", "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n")
        for run in try race(["-lockMode=transaction"], count: 1) {
            XCTAssertEqual(run.status, 1, run.output)
            let error = try run.document()["error"] as? [String: Any] ?? [:]
            XCTAssertEqual(error["errorCode"] as? String, "SCRIPT_ERROR", run.output)
            XCTAssertEqual(error["path"] as? String, "sql/V2__index.sql", run.output)
            XCTAssertTrue((error["message"] as? String ?? "").contains("lockMode=transaction"), run.output)
        }
        XCTAssertFalse(try project.tableExists("public.flyway_schema_history"), "nothing is written")
        XCTAssertFalse(try project.tableExists("t"))
    }

    /// A session pool keeps one server connection per client: the session lock is safe there, so it is used.
    func testSessionPoolingIsAccepted() throws {
        let sessionPool = try TemporaryPgBouncer(cluster: project.cluster, poolMode: "session")
        defer { sessionPool.stop() }
        try writeMigrations()
        var executed = 0
        for run in try race([], count: 4, through: sessionPool) {
            XCTAssertEqual(run.status, 0, run.output)
            executed += try run.document()["migrationsExecuted"] as? Int ?? -100
        }
        XCTAssertEqual(executed, 4)
        try assertNoAdvisoryLockLeft()
    }
}
