import Foundation
import XCTest

final class ConcurrencyTests: XCTestCase {
    func testTwoProcessesStartedAtOnceApplyEachFileExactlyOnce() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__counter.sql", "CREATE TABLE runs (file text);\nINSERT INTO runs VALUES ('V1');\nSELECT pg_sleep(0.5);\n")
        try project.write("sql/V2__more.sql", "INSERT INTO runs VALUES ('V2');\nSELECT pg_sleep(0.5);\n")
        try project.write("sql/V3__last.sql", "INSERT INTO runs VALUES ('V3');\n")
        // Each process writes only its own slot, under the lock; the project is only read.
        nonisolated(unsafe) var results = [MigrateProject.Run?](repeating: nil, count: 3)
        nonisolated(unsafe) let shared = project
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            let run = try? shared.migrate(["migrate"])
            lock.lock(); results[index] = run; lock.unlock()
        }
        for run in results {
            XCTAssertEqual(run?.status, 0, run?.output ?? "did not run")
        }
        XCTAssertEqual(try project.column("SELECT file FROM runs ORDER BY file"), ["V1", "V2", "V3"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "2", "3"])
        XCTAssertEqual(results.compactMap { $0 }.filter { $0.stdout.contains("Successfully applied 3 migrations") }.count, 1)
    }

    func testLockUsesFlywaysKeySoFlywayAndMigrateExcludeEachOther() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        // Hold Flyway's lock for the default table from another session, as a running Flyway would.
        // Used by the delayed unlock only, while this thread waits in migrateOK.
        nonisolated(unsafe) let holder = try project.db()
        try holder.query("SELECT pg_advisory_lock(77433833903597)")
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) { _ = try? holder.query("SELECT pg_advisory_unlock(77433833903597)") }
        let run = try project.migrateOK(["migrate"])
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 1.4, "migrate must wait for the lock holder")
        XCTAssertTrue(run.stderr.contains("another migration is running"), run.stderr)
        XCTAssertTrue(try project.tableExists("a"))
    }

    func testLockRetryCountGivesUpWithFlywaysMessage() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        let holder = try project.db()
        try holder.query("SELECT pg_advisory_lock(77433833903597)")
        defer { _ = try? holder.query("SELECT pg_advisory_unlock(77433833903597)") }
        let run = try project.migrate(["migrate", "-lockRetryCount=2"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("Number of retries exceeded while attempting to acquire the PostgreSQL advisory lock"), run.stderr)
        XCTAssertTrue(run.stderr.contains("held by server process \(holder.backendPID)"), run.stderr)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"), "nothing may happen without the lock")
    }

    func testCreateIndexConcurrentlyDoesNotHangBehindOurLock() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__table.sql", "CREATE TABLE big (id int);\nINSERT INTO big SELECT generate_series(1, 1000);\n")
        try project.write("sql/V2__index.sql", "CREATE INDEX CONCURRENTLY big_id_idx ON big (id);\n")
        // lock_timeout turns a hang into an error, so this test cannot block forever.
        let run = try project.migrateOK(["migrate", "-initSql=SET lock_timeout = '20s'"])
        XCTAssertTrue(run.stdout.contains("Successfully applied 2 migrations"), run.output)
        XCTAssertEqual(try project.scalar("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'big_id_idx'::regclass"), "true")
    }
}

final class ConfigurationIntegrationTests: XCTestCase {
    func testConfFilesEnvironmentAndCommandLinePrecedence() throws {
        let project = try MigrateProject()
        try project.write("migrations/V1__from_conf_location.sql", "CREATE TABLE from_conf (id int);\n")
        try project.write("conf/base.conf", """
            # Flyway syntax
            flyway.url=\(project.url)
            flyway.locations=filesystem:migrations
            flyway.table=wrong_table
            """)
        try project.write("conf/override.conf", "flyway.table=${HISTORY_TABLE}\n")
        try project.migrate(["-configFiles=conf/base.conf,conf/override.conf", "migrate"], environment: ["HISTORY_TABLE": "conf_history"], withURL: false)
        XCTAssertTrue(try project.tableExists("conf_history"))
        XCTAssertTrue(try project.tableExists("from_conf"))
        // Environment beats files, command line beats environment.
        try project.write("migrations/V2__two.sql", "CREATE TABLE two (id int);\n")
        let run = try project.migrate(["migrate", "-configFiles=conf/base.conf", "-table=cli_history"],
                                      environment: ["FLYWAY_TABLE": "env_history"], withURL: false)
        XCTAssertEqual(run.status, 1, "cli_history does not exist and the schema is not empty: refused")
        try project.migrateOK(["-configFiles=conf/base.conf", "migrate"], environment: ["FLYWAY_TABLE": "conf_history"])
        XCTAssertTrue(try project.tableExists("two"))
    }

    func testNoURLUsesLibpqEnvironmentAndJDBCURLsWork() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        let cluster = project.cluster
        // No url at all: libpq's PG* variables decide.
        try project.migrateOK(["migrate"], environment: [
            "PGHOST": cluster.socketDirectory, "PGPORT": String(cluster.port), "PGDATABASE": project.database, "PGUSER": "postgres",
        ], withURL: false)
        XCTAssertTrue(try project.tableExists("a"))
        // A Flyway JDBC URL, user as a key, the socket directory as pgjdbc-style host parameter.
        try project.write("sql/V2__b.sql", "CREATE TABLE b (id int);\n")
        let socket = cluster.socketDirectory.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cluster.socketDirectory
        let jdbc = "jdbc:postgresql://localhost:\(cluster.port)/\(project.database)?host=\(socket)&ApplicationName=migrate-test"
        try project.migrateOK(["migrate", "-url=\(jdbc)", "-user=postgres"], withURL: false)
        XCTAssertTrue(try project.tableExists("b"))
    }

    func testDefaultConfFileAndUnknownKeySuggestion() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        try project.write("flyway.conf", "flyway.url=\(project.url)\nflyway.cleanDisable=false\n")
        let run = try project.migrate(["migrate"], withURL: false)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("cleanDisable"), run.stderr)
        XCTAssertTrue(run.stderr.contains("cleanDisabled"), run.stderr)
        XCTAssertTrue(run.stderr.contains("flyway.conf:2"), run.stderr)
        try project.write("flyway.conf", "flyway.url=\(project.url)\n")
        try project.migrateOK(["migrate"])
        XCTAssertTrue(try project.tableExists("a"))
    }

    func testPasswordNeverAppearsInOutput() throws {
        let project = try MigrateProject()
        let secret = "Sup3r-S3cret-pw"
        try project.write("sql/V1__a.sql", "CREATE TABLE a (id int);\n")
        let socket = project.cluster.socketDirectory
        let badURL = "postgresql://postgres:\(secret)@/\(project.database)?host=\(socket)&port=1"
        let runs = [
            try project.migrate(["-url=\(badURL)", "migrate"], withURL: false),
            try project.migrate(["-url=jdbc:postgresql://127.0.0.1:1/db?password=\(secret)", "info"], withURL: false),
            try project.migrate(["migrate", "-password=\(secret)", "-user=postgres", "-url=jdbc:postgresql://127.0.0.1:1/x", "-connectRetries=bad"], withURL: false),
            try project.migrate(["info"], environment: ["FLYWAY_PASSWORD": secret]),
            try project.migrate(["migrate", "-password=\(secret)"]),
        ]
        for run in runs {
            XCTAssertFalse(run.output.contains(secret), run.output)
            XCTAssertFalse(run.output.contains("S3cret"), run.output)
        }
        XCTAssertEqual(runs[0].status, 1)
        XCTAssertEqual(runs[1].status, 1)
        XCTAssertEqual(runs[4].status, 0, runs[4].output)
    }

    func testConnectRetriesRetryThenFailWithOneClearError() throws {
        let project = try MigrateProject()
        let socket = project.cluster.socketDirectory
        let run = try project.migrate(["-url=postgresql://postgres@/\(project.database)?host=\(socket)&port=1", "migrate",
                                       "-connectRetries=2", "-connectRetriesInterval=1"], withURL: false)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("retry 1 of 2"), run.stderr)
        XCTAssertTrue(run.stderr.contains("retry 2 of 2"), run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "ERROR:").count - 1, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("cannot connect to"), run.stderr)
    }
}
