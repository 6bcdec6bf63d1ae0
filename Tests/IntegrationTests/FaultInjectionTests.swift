import Foundation
import PostgresClient
import TestSupport
import XCTest

/// Faults injected while `migrate` works, against a real server: the server stopped (`pg_ctl stop -m
/// immediate`), migrate killed (SIGKILL), the session terminated (`pg_terminate_backend`). Each hits a point
/// the test controls: the migration blocks on a row of `fixture.gate` that the test holds locked, the test
/// sees its session waiting in pg_stat_activity, then strikes. Afterwards the database holds each file with its
/// history row or neither, the error says what is known, and the next `migrate` finishes the job, applying
/// nothing twice. Tests that stop the server bring their own cluster.
final class FaultInjectionTests: XCTestCase {
    /// A row the migrations below wait for while the test holds it locked (in a schema of its own, so the
    /// migrations' schema stays empty until migrate starts).
    private func makeGate(_ project: MigrateProject) throws -> Connection {
        try project.db().execute("CREATE SCHEMA fixture; CREATE TABLE fixture.gate (id int PRIMARY KEY); INSERT INTO fixture.gate VALUES (1)")
        let holder = try project.newSession()
        try holder.execute("BEGIN; SELECT * FROM fixture.gate FOR UPDATE")
        return holder
    }

    private static let waitAtGate = "SELECT * FROM fixture.gate FOR UPDATE;\n"

    /// A cluster of its own, for a test that stops the server, with commits durable as on a production
    /// server (the shared cluster's synchronous_commit=off could lose the last commit in a crash).
    private func ownCluster() throws -> TemporaryCluster {
        let cluster = try TemporaryCluster.start(settings: ["synchronous_commit=on"])
        addTeardownBlock { cluster.stop() }
        return cluster
    }

    private func crashAndRestart(_ project: MigrateProject) throws {
        try project.cluster.crash()
        try project.cluster.restart()
        project.disconnect()
    }

    private func error(of run: MigrateProject.Run, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(run.status, 1, run.output, file: file, line: line)
        return try XCTUnwrap(try run.document(file: file, line: line)["error"] as? [String: Any], run.output, file: file, line: line)
    }

    private func versions(_ project: MigrateProject) throws -> [String] {
        try project.history().map { "\($0[0] ?? $0[2] ?? "") \($0[5] ?? "")" }
    }

    // MARK: A transactional file

    /// The server stops while V2 waits, in one message with V3. libpq only sees the connection close, so
    /// the COMMITs sent with V2 and V3 may or may not have run: the error says so, naming both, instead of
    /// claiming a rollback. (After the restart neither is there: the crash cut V2 off.)
    func testServerStoppedDuringATransactionalFile() throws {
        let project = try MigrateProject(cluster: try ownCluster())
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__wait.sql", "CREATE TABLE two (id int);\nINSERT INTO two VALUES (1);\n" + Self.waitAtGate + "INSERT INTO two VALUES (2);\n")
        try project.write("sql/V3__three.sql", "CREATE TABLE three (id int);\n")
        let holder = try makeGate(project)
        defer { holder.close() }
        try project.migrateOK(["migrate", "-target=1"])

        let migrate = try project.start(["-outputType=json", "migrate"])
        try project.waitForBackendsBlocked()
        try crashAndRestart(project)
        let run = migrate.wait()
        let error = try error(of: run)
        XCTAssertEqual(error["path"] as? String, "sql/V2__wait.sql")
        XCTAssertEqual(error["lineNumber"] as? Int, 3, "the statement that was running")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("server closed the connection unexpectedly"), message)
        XCTAssertTrue(message.contains("after the migration's COMMIT was sent (and those of sql/V3__three.sql, sent with it), so whether each was applied is unknown"), message)
        XCTAssertFalse(message.contains("rolled back"), message)
        XCTAssertEqual(try run.document()["migrationsExecuted"] as? Int, 0)

        XCTAssertEqual(try versions(project), ["1 true"])
        XCTAssertFalse(try project.tableExists("two") || project.tableExists("three"))
        let next = try project.json(["migrate"])
        XCTAssertEqual(next["migrationsExecuted"] as? Int, 2)
        XCTAssertEqual(try versions(project), ["1 true", "2 true", "3 true"])
        XCTAssertEqual(try project.column("SELECT id::text FROM two ORDER BY id"), ["1", "2"])
    }

    /// Killed while V2 waits: its server process does not notice (it is waiting, and the client is only
    /// read between messages), so once the gate opens it runs the rest of the message, COMMIT included, and
    /// only then finds migrate gone. Whole file and row; the next run has nothing to do.
    func testMigrateKilledDuringATransactionalFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__wait.sql", "CREATE TABLE one (id int);\nINSERT INTO one VALUES (1);\n" + Self.waitAtGate + "INSERT INTO one VALUES (2);\n")
        let holder = try makeGate(project)

        let migrate = try project.start(["migrate"])
        try project.waitForBackendsBlocked()
        migrate.kill()
        XCTAssertEqual(migrate.wait().status, 128 + SIGKILL)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "1",
                       "the orphaned session still holds the migration lock, so no other migrate can start meanwhile")
        try holder.execute("COMMIT")
        holder.close()
        try project.waitForOtherSessionsToEnd()

        XCTAssertEqual(try versions(project), ["1 true"])
        XCTAssertEqual(try project.column("SELECT id::text FROM one ORDER BY id"), ["1", "2"])
        XCTAssertEqual(try project.json(["migrate"])["migrationsExecuted"] as? Int, 0)
        XCTAssertEqual(try project.column("SELECT id::text FROM one ORDER BY id"), ["1", "2"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"), "0")
    }

    /// The session is terminated while V3 waits, in one message with V1, V2 and V4. The server reports the
    /// termination at V3's statement, so what is known is exact: V1 and V2 committed, V3 rolled back, V4
    /// never ran. The next run applies V3 and V4 once.
    func testSessionTerminatedInAMessageOfSeveralFiles() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/V3__wait.sql", "CREATE TABLE three (id int);\n" + Self.waitAtGate)
        try project.write("sql/V4__four.sql", "CREATE TABLE four (id int);\n")
        let holder = try makeGate(project)

        let migrate = try project.start(["-outputType=json", "migrate"])
        let blocked = try project.waitForBackendsBlocked()
        XCTAssertEqual(try project.scalar("SELECT pg_terminate_backend($1)::text", [String(blocked[0])]), "true")
        let run = migrate.wait()
        let error = try error(of: run)
        XCTAssertEqual(error["path"] as? String, "sql/V3__wait.sql")
        XCTAssertEqual(error["lineNumber"] as? Int, 2)
        XCTAssertEqual(error["sqlState"] as? String, "57P01")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("terminating connection due to administrator command"), message)
        XCTAssertTrue(message.contains("The migration was rolled back; nothing of it was applied."), message)
        XCTAssertEqual((try run.document()["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["1", "2"])

        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
        XCTAssertFalse(try project.tableExists("three") || project.tableExists("four"))
        try holder.execute("ROLLBACK")
        XCTAssertEqual(try project.json(["migrate"])["migrationsExecuted"] as? Int, 2)
        XCTAssertEqual(try versions(project), ["1 true", "2 true", "3 true", "4 true"])
    }

    // MARK: A large COPY

    /// The rows of V2's COPY, streamed to the file: 80,000 rows, 8.6 MB. Bigger than what migrate keeps in
    /// memory (2 MB), so the run streams it from disk, and far bigger than the socket buffers, so migrate is
    /// still sending when row 1,000 stops at the gate (a trigger): the COPY is under way, deterministically,
    /// without the 100 MB and seconds a race against a running COPY would need.
    private static let copyRows = 80_000

    private func writeCopySet(_ project: MigrateProject) throws {
        try project.write("sql/V1__big.sql", """
            CREATE TABLE big (id int PRIMARY KEY, payload text);
            CREATE FUNCTION big_gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.id = 1000 THEN PERFORM 1 FROM fixture.gate FOR SHARE; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER big_gate BEFORE INSERT ON big FOR EACH ROW EXECUTE FUNCTION big_gate();
            """)
        let url = project.directory.appendingPathComponent("sql/V2__copy.sql")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        let payload = String(repeating: "x", count: 100)
        var chunk = "COPY big (id, payload) FROM stdin;\n"
        for id in 1...Self.copyRows {
            chunk += "\(id)\t\(payload)\n"
            if chunk.utf8.count >= 1 << 16 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data((chunk + "\\.\n").utf8))
    }

    /// Waits until V2's COPY stops at the gate, part way through its data.
    private func waitForCopyUnderWay(_ project: MigrateProject) throws {
        try project.waitForBackendsBlocked()
        let progress = try project.db().query("SELECT tuples_processed, bytes_processed FROM pg_stat_progress_copy").rows
        XCTAssertEqual(progress.count, 1, "\(progress)")
        let (tuples, bytes) = (Int(progress.first?[0] ?? "") ?? 0, Int(progress.first?[1] ?? "") ?? 0)
        XCTAssertTrue(tuples > 0 && tuples < Self.copyRows && bytes > 0, "COPY progress: \(tuples) rows, \(bytes) bytes")
    }

    func testServerStoppedDuringALargeCopy() throws {
        let project = try MigrateProject(cluster: try ownCluster())
        try writeCopySet(project)
        let holder = try makeGate(project)
        defer { holder.close() }
        try project.migrateOK(["migrate", "-target=1"])

        let migrate = try project.start(["-outputType=json", "migrate"])
        try waitForCopyUnderWay(project)
        try crashAndRestart(project)
        let error = try error(of: migrate.wait())
        XCTAssertEqual(error["path"] as? String, "sql/V2__copy.sql")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("The migration was rolled back; nothing of it was applied."), message)

        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM big"), "0")
        XCTAssertEqual(try versions(project), ["1 true"])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM big"), String(Self.copyRows))
        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
    }

    /// Killed mid-COPY: the orphaned server process reads what was sent, meets the end of the connection
    /// inside the COPY and rolls it back.
    func testMigrateKilledDuringALargeCopy() throws {
        let project = try MigrateProject()
        try writeCopySet(project)
        let holder = try makeGate(project)
        try project.migrateOK(["migrate", "-target=1"])

        let migrate = try project.start(["migrate"])
        try waitForCopyUnderWay(project)
        migrate.kill()
        XCTAssertEqual(migrate.wait().status, 128 + SIGKILL)
        try holder.execute("COMMIT")
        holder.close()
        try project.waitForOtherSessionsToEnd()

        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM big"), "0")
        XCTAssertEqual(try versions(project), ["1 true"])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM big"), String(Self.copyRows))
        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
    }

    // MARK: A non-transactional file

    /// V2 builds an index concurrently; the build waits for the test's open transaction on the table (as it
    /// waits for any writer), with its index already in the catalog, INVALID until the build is done.
    private func writeIndexSet(_ project: MigrateProject) throws -> Connection {
        try project.write("sql/V1__big.sql", "CREATE TABLE big (id int);\nINSERT INTO big SELECT generate_series(1, 1000);\n")
        try project.write("sql/V2__index.sql", "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);\n")
        try project.write("sql/V3__after.sql", "CREATE TABLE after_index (id int);\n")
        try project.migrateOK(["migrate", "-target=1"])
        let writer = try project.newSession()
        try writer.execute("BEGIN; LOCK TABLE big IN ROW EXCLUSIVE MODE")
        return writer
    }

    private func indexValidity(_ project: MigrateProject) throws -> String? {
        try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass('big_id_idx')")
    }

    /// After an interrupted non-transactional file: the history holds it as failed (recorded before it
    /// started), so the next migrate stops, naming the invalid index with the statement that drops it, and
    /// writes nothing. Dropped and repaired, the next run applies V2 and V3 once.
    private func assertInterruptedIndexBuildIsNamedThenRecovered(_ project: MigrateProject, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try versions(project), ["1 true", "2 false"], file: file, line: line)
        XCTAssertEqual(try indexValidity(project), "false", file: file, line: line)
        let blocked = try project.jsonFailure(["migrate"], file: file, line: line)
        XCTAssertEqual(blocked.error["errorCode"] as? String, "FAILED_VERSIONED_MIGRATION", file: file, line: line)
        let message = blocked.error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("failed migration (version 2 (index))"), message, file: file, line: line)
        XCTAssertTrue(message.contains("DROP INDEX CONCURRENTLY public.big_id_idx;  -- on public.big"), message, file: file, line: line)
        XCTAssertEqual(try versions(project), ["1 true", "2 false"], file: file, line: line)
        XCTAssertFalse(try project.tableExists("after_index"), file: file, line: line)

        try project.db().execute("DROP INDEX CONCURRENTLY public.big_id_idx")
        try project.migrateOK(["repair"], file: file, line: line)
        // (-lint=off: the index set is written without IF NOT EXISTS on purpose, which lint warns about.)
        let done = try project.json(["migrate", "-lint=off"], file: file, line: line)
        XCTAssertEqual(done["migrationsExecuted"] as? Int, 2, file: file, line: line)
        XCTAssertEqual(done["warnings"] as? [String], [], file: file, line: line)
        XCTAssertEqual(try versions(project), ["1 true", "2 true", "3 true"], file: file, line: line)
        XCTAssertEqual(try indexValidity(project), "true", file: file, line: line)
    }

    func testServerStoppedDuringANonTransactionalFile() throws {
        let project = try MigrateProject(cluster: try ownCluster())
        let writer = try writeIndexSet(project)
        defer { writer.close() }

        let migrate = try project.start(["-outputType=json", "migrate"])
        try project.waitForBackendsBlocked()
        try crashAndRestart(project)
        let error = try error(of: migrate.wait())
        XCTAssertEqual(error["path"] as? String, "sql/V2__index.sql")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("ran outside a transaction: statements before this one stay applied, and this one may have run in part or in full"), message)
        XCTAssertTrue(message.contains("It is recorded as failed"), message)
        XCTAssertTrue(message.contains("The next 'migrate' names any INVALID index"), message)
        try assertInterruptedIndexBuildIsNamedThenRecovered(project)
    }

    func testSessionTerminatedDuringANonTransactionalFile() throws {
        let project = try MigrateProject()
        let writer = try writeIndexSet(project)

        let migrate = try project.start(["-outputType=json", "migrate"])
        let blocked = try project.waitForBackendsBlocked()
        XCTAssertEqual(try project.scalar("SELECT pg_terminate_backend($1)::text", [String(blocked[0])]), "true")
        let error = try error(of: migrate.wait())
        XCTAssertEqual(error["sqlState"] as? String, "57P01")
        XCTAssertTrue((error["message"] as? String ?? "").contains("It is recorded as failed"), "\(error)")
        try writer.execute("COMMIT")
        try assertInterruptedIndexBuildIsNamedThenRecovered(project)
    }

    /// Killed while the index build waits: the orphaned build finishes once the writer is done, valid, but
    /// migrate never learns it. The row written before V2 started says failed, so the next run stops rather
    /// than building the index again; the operator checks, drops or keeps it, repairs, and migrates.
    func testMigrateKilledDuringANonTransactionalFile() throws {
        let project = try MigrateProject()
        let writer = try writeIndexSet(project)

        let migrate = try project.start(["migrate"])
        try project.waitForBackendsBlocked()
        migrate.kill()
        XCTAssertEqual(migrate.wait().status, 128 + SIGKILL)
        try writer.execute("COMMIT")
        writer.close()
        try project.waitForOtherSessionsToEnd()

        XCTAssertEqual(try versions(project), ["1 true", "2 false"])
        XCTAssertEqual(try indexValidity(project), "true", "the orphaned build completed")
        let blocked = try project.jsonFailure(["migrate"])
        XCTAssertEqual(blocked.error["errorCode"] as? String, "FAILED_VERSIONED_MIGRATION")
        XCTAssertFalse((blocked.error["message"] as? String ?? "").contains("INVALID"), "\(blocked.error)")
        XCTAssertFalse(try project.tableExists("after_index"))
        try project.db().execute("DROP INDEX big_id_idx")
        try project.migrateOK(["repair"])
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try versions(project), ["1 true", "2 true", "3 true"])
    }

    /// A concurrent build that fails on its own (duplicate keys): the connection is still there, so the
    /// error itself names the invalid index it left; a run that would build it again is warned.
    func testFailedConcurrentIndexBuildNamesTheIndexItLeft() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (code text);\nINSERT INTO t VALUES ('a'), ('a');\n")
        try project.write("sql/V2__unique.sql", "CREATE UNIQUE INDEX CONCURRENTLY t_code_key ON t (code);\n")
        let failed = try project.jsonFailure(["migrate"])
        XCTAssertEqual(failed.error["sqlState"] as? String, "23505")
        let message = failed.error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("It is recorded as failed"), message)
        XCTAssertTrue(message.contains("DROP INDEX CONCURRENTLY public.t_code_key;  -- on public.t"), message)
        XCTAssertEqual(try versions(project), ["1 true", "2 false"])

        // Repaired without dropping it: the next run warns before building the index again (and failing on its name).
        try project.migrateOK(["repair"])
        let again = try project.jsonFailure(["migrate", "-lint=off"])  // (lint would also warn: no IF NOT EXISTS)
        XCTAssertEqual(again.document["warnings"] as? [String], [
            "index public.t_code_key on public.t is INVALID (left by a failed or interrupted concurrent index build): drop it with DROP INDEX CONCURRENTLY public.t_code_key;",
        ])
        try project.db().execute("DROP INDEX CONCURRENTLY t_code_key")
        try project.db().execute("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)")
        try project.migrateOK(["repair"])
        XCTAssertEqual(try project.json(["migrate", "-lint=off"])["warnings"] as? [String], [])
        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
    }

    /// A script that commits migrate's transaction itself runs on outside a transaction, as psql runs it;
    /// terminated after that, the failure cannot be recorded any more, and the error says so and what follows.
    func testSessionTerminatedAfterTheScriptCommittedSaysTheFailureCouldNotBeRecorded() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__commits.sql", "CREATE TABLE a (id int);\nCOMMIT;\nINSERT INTO a VALUES (1);\n" + Self.waitAtGate
                          + "INSERT INTO a VALUES (2);\n")
        let holder = try makeGate(project)

        let migrate = try project.start(["-outputType=json", "migrate"])
        let blocked = try project.waitForBackendsBlocked()
        XCTAssertEqual(try project.scalar("SELECT pg_terminate_backend($1)::text", [String(blocked[0])]), "true")
        let error = try error(of: migrate.wait())
        XCTAssertEqual(error["lineNumber"] as? Int, 4)
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("statements before this one stay applied, and this one may have run in part or in full."), message)
        XCTAssertTrue(message.contains("migrate could not record the failure in the history: "), message)
        XCTAssertTrue(message.contains("The next 'migrate' would run the file again from its first statement: undo what it applied first."), message)
        XCTAssertEqual(try project.column("SELECT id::text FROM a"), ["1"])
        XCTAssertEqual(try versions(project), [])

        try holder.execute("ROLLBACK")
        try project.db().execute("DROP TABLE a")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.column("SELECT id::text FROM a ORDER BY id"), ["1", "2"])
        XCTAssertEqual(try versions(project), ["1 true"])
    }

    // MARK: Between two files

    /// beforeEachMigrate waits at the gate once V1 is recorded: V1 is committed, V2's transaction holds
    /// nothing of V2 yet.
    private func writeTwoFilesWithAPause(_ project: MigrateProject) throws {
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/beforeEachMigrate.sql",
                          "SELECT g.* FROM fixture.gate g, flyway_schema_history h WHERE h.version = '1' FOR UPDATE OF g;\n")
    }

    func testServerStoppedBetweenTwoFiles() throws {
        let project = try MigrateProject(cluster: try ownCluster())
        try writeTwoFilesWithAPause(project)
        let holder = try makeGate(project)
        defer { holder.close() }

        let migrate = try project.start(["-outputType=json", "migrate"])
        try project.waitForBackendsBlocked()
        try crashAndRestart(project)
        let run = migrate.wait()
        let error = try error(of: run)
        XCTAssertEqual(error["errorCode"] as? String, "CALLBACK_ERROR")
        XCTAssertTrue((error["message"] as? String ?? "").contains("beforeEachMigrate"), "\(error)")
        XCTAssertEqual((try run.document()["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["1"])

        XCTAssertEqual(try versions(project), ["1 true"])
        XCTAssertTrue(try project.tableExists("one"))
        XCTAssertFalse(try project.tableExists("two"))
        XCTAssertEqual(try project.json(["migrate"])["migrationsExecuted"] as? Int, 1)
        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
    }

    func testMigrateKilledBetweenTwoFiles() throws {
        let project = try MigrateProject()
        try writeTwoFilesWithAPause(project)
        let holder = try makeGate(project)

        let migrate = try project.start(["migrate"])
        try project.waitForBackendsBlocked()
        migrate.kill()
        XCTAssertEqual(migrate.wait().status, 128 + SIGKILL)
        try holder.execute("ROLLBACK")
        holder.close()
        try project.waitForOtherSessionsToEnd()

        XCTAssertEqual(try versions(project), ["1 true"])
        XCTAssertFalse(try project.tableExists("two"))
        XCTAssertEqual(try project.json(["migrate"])["migrationsExecuted"] as? Int, 1)
        XCTAssertEqual(try versions(project), ["1 true", "2 true"])
    }

    // MARK: The session terminated mid-file

    func testSessionTerminatedDuringATransactionalFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__wait.sql", "CREATE TABLE one (id int);\n" + Self.waitAtGate)
        let holder = try makeGate(project)

        let migrate = try project.start(["-outputType=json", "migrate"])
        let blocked = try project.waitForBackendsBlocked()
        XCTAssertEqual(try project.scalar("SELECT pg_terminate_backend($1)::text", [String(blocked[0])]), "true")
        let error = try error(of: migrate.wait())
        XCTAssertEqual(error["sqlState"] as? String, "57P01")
        XCTAssertTrue((error["message"] as? String ?? "").contains("The migration was rolled back; nothing of it was applied."), "\(error)")
        XCTAssertEqual(try versions(project), [], "the history table was created; V1 was rolled back")
        XCTAssertFalse(try project.tableExists("one"))
        try holder.execute("ROLLBACK")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try versions(project), ["1 true"])
    }
}
