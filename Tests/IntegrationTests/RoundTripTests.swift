import Foundation
import XCTest

/// What goes to the server in one message: a file in a transaction of its own with its history row and its
/// COMMIT (one round trip for a small file, errors still located in the file), and the migration lock with
/// the history read.
final class RoundTripTests: XCTestCase {
    /// The messages `-X` reports as sent, in order (each `DEBUG: <ms> ms: <text>` entry, text possibly
    /// spanning lines).
    private func messages(_ stderr: String) -> [String] {
        stderr.components(separatedBy: "DEBUG: ").dropFirst().map { entry in
            let text = entry.drop { $0 != ":" }.dropFirst()  // "0.12 ms: " → the text
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func testSmallFilesInARowShareOneMessageEachInItsOwnTransaction() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\nSELECT pg_sleep(0.3);\n")
        try project.write("sql/V3__c.sql", "CREATE TABLE c (id int);\n")
        let run = try project.migrateOK(["-X", "-outputType=json", "migrate"])
        let sent = messages(run.stderr)
        // One message starts with the session reset of V1 and holds all three files (-X shows its first
        // 2,000 characters).
        let files = sent.filter { $0.hasPrefix("RESET ALL") }
        XCTAssertEqual(files.count, 1, run.stderr)
        let message = try XCTUnwrap(files.first)
        XCTAssertTrue(message.contains("CREATE TABLE a (id int)") && message.contains("CREATE TABLE b (id int)"), message)
        // No message of its own for a history row or a COMMIT after a file.
        XCTAssertEqual(sent.filter { $0 == "COMMIT" }.count, 1, "only the history table's creation commits on its own:\n\(run.stderr)")
        XCTAssertFalse(sent.contains { $0.hasPrefix("INSERT INTO \"public\".\"flyway_schema_history\"") }, run.stderr)
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2", "3"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM a"), "1")
        // Each row records its own file's time, not the time since the message began.
        let times = try project.column("SELECT execution_time::text FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")
            .map { Int($0 ?? "") ?? -1 }
        XCTAssertEqual(times.count, 3)
        XCTAssertTrue(times[0] >= 0 && times[0] < 300 && times[1] >= 300 && times[2] >= 0 && times[2] < 300, "\(times)")
        let result = try run.document()
        let migrations = try XCTUnwrap(result["migrations"] as? [[String: Any]])
        XCTAssertEqual(migrations.map { $0["version"] as? String }, ["1", "2", "3"])
        XCTAssertEqual(migrations.map { $0["executionTime"] as? Int }, times, "\(migrations)")
    }

    func testFailureInAChainKeepsTheFilesBeforeItAndNothingAfter() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n\nSELECT 1 / (SELECT count(*) - 1 FROM b);\n")
        try project.write("sql/V3__c.sql", "CREATE TABLE c (id int);\n")
        let (failed, error) = try project.jsonFailure(["migrate"])
        XCTAssertEqual(error["sqlState"] as? String, "22012")
        XCTAssertEqual(error["lineNumber"] as? Int, 4)
        XCTAssertTrue((error["message"] as? String ?? "").contains("V2__b.sql:4"), "\(error)")
        XCTAssertEqual((failed["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["1"], "\(failed)")
        XCTAssertEqual(failed["migrationsExecuted"] as? Int, 1, "the count agrees with the list")
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
        XCTAssertTrue(try project.tableExists("a"))
        XCTAssertFalse(try project.tableExists("b"))
        XCTAssertFalse(try project.tableExists("c"))

        // Fixed, the rest applies.
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2", "3"])
    }

    func testSyntaxErrorInALaterFileOfAChainIsLocatedThere() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        try project.write("sql/V3__c.sql", "CREATE TABLE c (id int);\n-- the next line is wrong\nCREATE TABLE d (id int,,);\n")
        let (failed, error) = try project.jsonFailure(["migrate"])
        XCTAssertEqual(error["sqlState"] as? String, "42601")
        XCTAssertTrue((error["message"] as? String ?? "").contains("V3__c.sql:3:24"), "\(error)")
        // The server parses a whole message before running any of it: V1 and V2 are sent again without V3,
        // and end up applied as they would have been one at a time.
        XCTAssertEqual((failed["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["1", "2"], "\(failed)")
        XCTAssertEqual(failed["migrationsExecuted"] as? Int, 2, "the count agrees with the list")
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])
        XCTAssertTrue(try project.tableExists("b"))
        XCTAssertFalse(try project.tableExists("c"))
    }

    func testNoticesInAChainNameTheirFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "DO $$ BEGIN RAISE NOTICE 'from one'; END $$;\n")
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\nDO $$ BEGIN RAISE NOTICE 'from two'; END $$;\n")
        let run = try project.migrateOK(["migrate"])
        XCTAssertTrue(run.stderr.contains("NOTICE (V1__a.sql): from one"), run.stderr)
        XCTAssertTrue(run.stderr.contains("NOTICE (V2__b.sql): from two"), run.stderr)
    }

    func testHistoryRowRecordsTheTimeTheServerSpent() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(0.3);\n")
        let result = try project.json(["migrate"])
        let recorded = try XCTUnwrap(Int(try XCTUnwrap(project.scalar("SELECT execution_time::text FROM flyway_schema_history WHERE version = '1'"))))
        XCTAssertGreaterThanOrEqual(recorded, 300)
        XCTAssertLessThan(recorded, 30_000)
        let reported = try XCTUnwrap((result["migrations"] as? [[String: Any]])?.first?["executionTime"] as? Int)
        XCTAssertGreaterThanOrEqual(reported, 300)
    }

    func testFailingCommitNamesTheFileAndKeepsNothingOfIt() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__parent.sql", "CREATE TABLE parent (id int PRIMARY KEY);\n")
        // The deferred foreign key is only checked by the COMMIT that travels with the history row.
        try project.write("sql/V2__child.sql", """
            CREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO child VALUES (42);
            """)
        let (_, error) = try project.jsonFailure(["migrate"])
        XCTAssertEqual(error["sqlState"] as? String, "23503")
        let message = try XCTUnwrap(error["message"] as? String)
        XCTAssertTrue(message.contains("committing") && message.contains("V2__child.sql"), message)
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"], "no row for V2, not even a failed one: it was rolled back")
        XCTAssertTrue(try project.tableExists("parent"))
        XCTAssertFalse(try project.tableExists("child"))
    }

    func testErrorInTheLastStatementIsStillLocatedInTheFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__bad.sql", "CREATE TABLE fine (id int);\n\nSELECT id,\n       nope FROM fine;\n")
        let (_, error) = try project.jsonFailure(["migrate"])
        XCTAssertEqual(error["sqlState"] as? String, "42703")
        XCTAssertEqual(error["lineNumber"] as? Int, 4)
        XCTAssertTrue((error["message"] as? String ?? "").contains("V1__bad.sql:4:8"), "\(error)")
        XCTAssertFalse(try project.tableExists("fine"))
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM flyway_schema_history"), "0")
    }

    func testNoOpMigrateTakesTheLockAndReadsTheHistoryInOneMessage() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate"])
        let run = try project.migrateOK(["-X", "migrate"])
        let sent = messages(run.stderr)
        XCTAssertEqual(sent.count, 3, "the session's description, lock + history, unlock:\n\(run.stderr)")
        let lockMessage = try XCTUnwrap(sent.first { $0.contains("pg_try_advisory_lock") }, run.stderr)
        XCTAssertTrue(lockMessage.contains("FROM \"public\".\"flyway_schema_history\" ORDER BY installed_rank"), lockMessage)
        XCTAssertTrue(sent.last?.contains("pg_advisory_unlock") ?? false, run.stderr)
    }

    func testHistoryIsReadOnlyOnceTheLockIsHeld() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.migrateOK(["migrate"])
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        // Another migration holds the lock and applies V2 while this migrate waits for it; what it
        // read before holding the lock (nothing of V2) must not count.
        nonisolated(unsafe) let holder = try project.db()
        try holder.query("SELECT pg_advisory_lock(77433833903597)")
        nonisolated(unsafe) var waiting: MigrateProject.Run?
        nonisolated(unsafe) let shared = project
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            waiting = try? shared.migrate(["-outputType=json", "-validateOnMigrate=false", "migrate"])
            done.signal()
        }
        Thread.sleep(forTimeInterval: 1)
        try holder.execute("""
            CREATE TABLE two (id int);
            INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
            VALUES (2, '2', 'two', 'SQL', 'V2__two.sql', 0, 'elsewhere', 0, true);
            SELECT pg_advisory_unlock(77433833903597)
            """)
        done.wait()
        let run = try XCTUnwrap(waiting)
        XCTAssertEqual(run.status, 0, run.output)
        let result = try run.document()
        XCTAssertEqual(result["migrationsExecuted"] as? Int, 0, run.stdout)
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2"])
    }
}
