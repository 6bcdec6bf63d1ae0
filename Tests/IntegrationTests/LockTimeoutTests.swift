import Foundation
import PostgresClient
import XCTest

/// lockTimeout, statementTimeout and lockRetries from the built binary: a migration blocked by another
/// session times out, is rolled back, names who blocked it, and runs again.
final class LockTimeoutTests: XCTestCase {
    /// A project with `t` created by V1, and a V2 that needs an ACCESS EXCLUSIVE lock on it.
    private func blockedProject() throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (a int);\n")
        try project.migrateOK(["migrate"])
        try project.write("sql/V2__add_b.sql", "ALTER TABLE t ADD COLUMN b int;\n")
        return project
    }

    /// A session holding ACCESS SHARE on `t` in an open transaction, as a long report would; its pid.
    private func holdReadLock(_ project: MigrateProject) throws -> (Connection, Int) {
        let blocker = try project.newSession()
        try blocker.execute("BEGIN; SELECT count(*) FROM t")
        return (blocker, blocker.backendPID)
    }

    /// `migrate` (JSON) blocked by `blocker`, timed out (no longer waiting), then blocked again — so at least one
    /// retry has happened — and done once `blocker` commits.
    private func migrateThroughARetry(_ project: MigrateProject, lockTimeout: String, blocker: Connection) throws -> MigrateProject.Run {
        let running = try project.start(["-outputType=json", "-lockTimeout=\(lockTimeout)", "-lockRetries=50", "migrate"])
        try project.waitForBackendsBlocked()
        try waitUntil("the first attempt to time out") { try project.backendsWaitingForALock().isEmpty }
        try project.waitForBackendsBlocked()
        try blocker.execute("COMMIT")
        return running.wait()
    }

    private func columnExists(_ project: MigrateProject, _ name: String) throws -> Bool {
        try project.scalar("SELECT count(*)::text FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = $1", [name]) == "1"
    }

    func testBlockedMigrationRetriesNamesTheBlockerAndSucceedsOnceItCommits() throws {
        let project = try blockedProject()
        let (blocker, blockerPID) = try holdReadLock(project)
        let run = try migrateThroughARetry(project, lockTimeout: "200ms", blocker: blocker)
        XCTAssertEqual(run.status, 0, run.output)

        let document = try run.document()
        XCTAssertEqual(document["migrationsExecuted"] as? Int, 1)
        let conflicts = document["lockConflicts"] as? [[String: Any]] ?? []
        XCTAssertFalse(conflicts.isEmpty, run.output)
        let first = try XCTUnwrap(conflicts.first)
        XCTAssertEqual(first["script"] as? String, "sql/V2__add_b.sql")
        XCTAssertEqual(first["sqlState"] as? String, "55P03")
        XCTAssertEqual(first["attempt"] as? Int, 1)
        XCTAssertEqual(first["attempts"] as? Int, 51)
        XCTAssertNotNil(first["retryInMilliseconds"] as? Int)
        let blockers = first["blockers"] as? [[String: Any]] ?? []
        XCTAssertEqual(blockers.first?["pid"] as? Int, blockerPID, run.output)
        XCTAssertEqual(blockers.first?["query"] as? String, "BEGIN; SELECT count(*) FROM t")
        XCTAssertEqual(blockers.first?["state"] as? String, "idle in transaction")
        XCTAssertTrue(run.stderr.contains("blocked by pid \(blockerPID)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("retrying in"), run.stderr)

        XCTAssertTrue(try columnExists(project, "b"))
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"]])
    }

    /// Small files go to the server several to a message: the one that times out runs again alone, the one
    /// before it stays committed (applied once), the one after it runs after the retry.
    func testLockTimeoutInAMessageOfSeveralFilesRetriesThatFileAlone() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (a int);\nCREATE TABLE log (file text);\n")
        try project.migrateOK(["migrate"])
        try project.write("sql/V2__log.sql", "INSERT INTO log VALUES ('V2');\n")
        try project.write("sql/V3__add_b.sql", "ALTER TABLE t ADD COLUMN b int;\nINSERT INTO log VALUES ('V3');\n")
        try project.write("sql/V4__log.sql", "INSERT INTO log VALUES ('V4');\n")
        let (blocker, _) = try holdReadLock(project)
        let run = try migrateThroughARetry(project, lockTimeout: "100ms", blocker: blocker)
        XCTAssertEqual(run.status, 0, run.output)
        let conflicts = try run.document()["lockConflicts"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(conflicts.compactMap { $0["script"] as? String }), ["sql/V3__add_b.sql"])
        XCTAssertEqual(try project.column("SELECT file FROM log ORDER BY file"), ["V2", "V3", "V4"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"], ["3", "true"], ["4", "true"]])
    }

    func testBlockerThatNeverCommitsEndsInAClearFailureWithNothingApplied() throws {
        let project = try blockedProject()
        let (blocker, blockerPID) = try holdReadLock(project)
        defer { _ = try? blocker.execute("ROLLBACK") }
        let run = try project.migrate(["-outputType=json", "-lockTimeout=100ms", "-lockRetries=2", "migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        let document = try run.document()
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "LOCK_CONFLICT")
        XCTAssertEqual(error["sqlState"] as? String, "55P03")
        XCTAssertEqual(error["path"] as? String, "sql/V2__add_b.sql")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("Gave up after 3 attempts (lockRetries=2)"), message)
        XCTAssertTrue(message.contains("blocked by pid \(blockerPID)"), message)
        XCTAssertTrue(message.contains("nothing of it was applied"), message)
        XCTAssertEqual((document["lockConflicts"] as? [Any])?.count, 2, "the two retried attempts")

        XCTAssertFalse(try columnExists(project, "b"))
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "0")
    }

    /// The timeouts hold inside each file only: a later session (and the callback after the migrations)
    /// sees the server's defaults again, whether the file ran in a transaction or not, alone or several to a message.
    func testTimeoutsDoNotOutliveTheFile() throws {
        let project = try MigrateProject()
        let record = "INSERT INTO seen VALUES ('%@', current_setting('lock_timeout'), current_setting('statement_timeout'));\n"
        try project.write("sql/V1__seen.sql", "CREATE TABLE seen (file text, lock_timeout text, statement_timeout text);\n"
                          + String(format: record, "V1"))
        try project.write("sql/V2__second.sql", String(format: record, "V2"))
        try project.write("sql/V3__outside.sql", "-- flyway:executeInTransaction=false\n" + String(format: record, "V3"))
        try project.write("sql/V4__after.sql", String(format: record, "V4"))
        try project.write("sql/afterMigrate.sql", String(format: record, "afterMigrate"))
        try project.migrateOK(["-lockTimeout=3s", "-statementTimeout=2min", "migrate"])
        XCTAssertEqual(try project.db().query("SELECT file, lock_timeout, statement_timeout FROM seen ORDER BY file").rows, [
            ["V1", "3s", "2min"], ["V2", "3s", "2min"], ["V3", "3s", "2min"], ["V4", "3s", "2min"], ["afterMigrate", "0", "0"],
        ])
        XCTAssertEqual(try project.scalar("SHOW lock_timeout"), "0")

        // lockTimeout=0 sets nothing: the file runs with the session's value.
        try project.write("sql/V5__off.sql", String(format: record, "V5"))
        try project.migrateOK(["-lockTimeout=0", "migrate"])
        XCTAssertEqual(try project.db().query("SELECT lock_timeout, statement_timeout FROM seen WHERE file = 'V5'").rows, [["0", "0"]])
    }

    func testBadDurationIsRefusedBeforeConnecting() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (a int);\n")
        let run = try project.migrate(["-lockTimeout=5 seconds", "migrate"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("expected a duration such as 500ms, 5s, 2min or 1h"), run.stderr)
        XCTAssertTrue(run.stderr.contains("'5 seconds'"), run.stderr)
        XCTAssertFalse(try project.tableExists("t"))
    }
}
