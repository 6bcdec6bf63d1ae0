import Foundation
import XCTest

/// SIGTERM and SIGINT from an operator: the running statement is cancelled on the server, the file rolled
/// back, the advisory lock released, and migrate exits non-zero saying so.
final class CancellationTests: XCTestCase {
    private func sleepingStatements(_ project: MigrateProject) throws -> Int {
        Int(try project.scalar("""
            SELECT count(*)::text FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep(30)%' AND state = 'active'
            """) ?? "") ?? -1
    }

    private func interrupt(with signal: Int32, name: String) throws {
        let project = try MigrateProject()
        try project.write("sql/V1__first.sql", "CREATE TABLE first (a int);\n")
        try project.write("sql/V2__slow.sql", "CREATE TABLE slow (a int);\nSELECT pg_sleep(30);\n")
        let running = try project.start(["-outputType=json", "migrate"])
        try waitUntil("V2's pg_sleep to run") { try sleepingStatements(project) == 1 }
        running.process.kill(signal)
        try waitUntil("the statement, the lock and the file to be gone", timeout: 2) {
            try sleepingStatements(project) == 0
                && project.scalar("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'") == "0"
        }
        let run = running.wait()
        XCTAssertNotEqual(run.status, 0)
        let error = try XCTUnwrap(try run.document()["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "INTERRUPTED")
        XCTAssertEqual(error["path"] as? String, "sql/V2__slow.sql")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.hasPrefix("Interrupted by \(name) while running sql/V2__slow.sql"), message)
        XCTAssertTrue(message.contains("nothing of it was applied"), message)
        XCTAssertTrue(try project.tableExists("first"), "V1 was committed before the signal")
        XCTAssertFalse(try project.tableExists("slow"), "V2 was rolled back")
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
    }

    func testSIGTERMDuringAStatementCancelsItAndLeavesNothingBehind() throws {
        try interrupt(with: SIGTERM, name: "SIGTERM")
    }

    func testSIGINTDuringAStatementCancelsItAndLeavesNothingBehind() throws {
        try interrupt(with: SIGINT, name: "SIGINT")
    }
}
