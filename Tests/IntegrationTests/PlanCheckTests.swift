import Foundation
import XCTest

/// Every pending file is read and checked before the first write: a broken V3 means V1 and V2 are not
/// applied, and neither the schema nor the history table is created.
final class PlanCheckTests: XCTestCase {
    private func assertNothingWritten(_ project: MigrateProject, _ run: MigrateProject.Run, naming expected: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNotEqual(run.status, 0, run.output, file: file, line: line)
        XCTAssertTrue(run.stderr.contains(expected), "expected '\(expected)' in:\n\(run.stderr)", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_namespace WHERE nspname = 'app'"), "0", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_class WHERE relname IN ('one', 'two', 'flyway_schema_history')"), "0",
                       "nothing of V1/V2 and no history table", file: file, line: line)
    }

    private func project(withV3 content: [UInt8]) throws -> MigrateProject {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/V3__three.sql", bytes: content)
        return project
    }

    func testUnterminatedDollarQuoteInV3StopsBeforeV1() throws {
        let project = try project(withV3: Array("CREATE TABLE three (id int);\nCREATE FUNCTION f() RETURNS int AS $body$\n  SELECT 1;\n".utf8))
        let run = try project.migrate(["-schemas=app", "migrate"])
        try assertNothingWritten(project, run, naming: "V3__three.sql:2")
    }

    func testNULByteIsAnErrorAtItsPosition() throws {
        let project = try project(withV3: Array("create table n1(x int);\ninsert into n1 values (1);".utf8) + [0] + Array("\ninsert into n1 values (2);\n".utf8))
        let run = try project.migrate(["-schemas=app", "migrate"])
        try assertNothingWritten(project, run, naming: "V3__three.sql:2:27: NUL byte")
        XCTAssertFalse(try project.tableExists("n1"))
    }

    func testBadScriptConfigurationInV3StopsBeforeV1() throws {
        let project = try project(withV3: Array("CREATE TABLE three (id int);\n".utf8))
        try project.write("sql/V3__three.sql.conf", "executeInTransaction=maybe\n")
        let run = try project.migrate(["-schemas=app", "migrate"])
        try assertNothingWritten(project, run, naming: "V3__three.sql.conf:1")
    }

    func testUnknownPlaceholderInV3StopsBeforeV1() throws {
        let project = try project(withV3: Array("CREATE TABLE ${missing} (id int);\n".utf8))
        let run = try project.migrate(["-schemas=app", "migrate"])
        try assertNothingWritten(project, run, naming: "V3__three.sql:1")
    }

    func testMixedV3StopsBeforeV1() throws {
        let project = try project(withV3: Array("CREATE TABLE three (id int);\nCREATE INDEX CONCURRENTLY three_idx ON three (id);\n".utf8))
        let run = try project.migrate(["-schemas=app", "migrate"])
        try assertNothingWritten(project, run, naming: "V3__three.sql:2")
    }

    func testScanErrorsComeFirstEvenWhenTheServerIsUnreachable() throws {
        // The files are read while connecting: a misnamed file is still the error, not the connection.
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2-two.sql", "CREATE TABLE two (id int);\n")
        let unreachable = try project.migrate(["-url=postgresql://postgres@127.0.0.1:1/none", "-validateMigrationNaming=true",
                                               "-outputType=json", "migrate"], withURL: false)
        XCTAssertEqual(unreachable.status, 1, unreachable.output)
        let error = try XCTUnwrap(try unreachable.document()["error"] as? [String: Any], unreachable.output)
        XCTAssertTrue((error["message"] as? String ?? "").contains("V2-two.sql"), "\(error)")
        // Reachable, the same error, and nothing written.
        let run = try project.migrate(["-validateMigrationNaming=true", "migrate"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stderr.contains("V2-two.sql"), run.stderr)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    func testBadSettingsAreRejectedBeforeConnecting() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        for setting in ["-ignoreMigrationPatterns=bogus", "-target=banana", "-baselineVersion=x.y", "-encoding=EBCDIC"] {
            // An unreachable URL: a setting checked before connecting fails on the setting, not the connection.
            let run = try project.migrate(["-url=postgresql://nobody@127.0.0.1:1/none", setting, "-schemas=app", "migrate"], withURL: false)
            XCTAssertNotEqual(run.status, 0, setting)
            let key = String(setting.dropFirst().prefix { $0 != "=" })
            XCTAssertTrue(run.stderr.contains(key), "\(setting): \(run.stderr)")
            XCTAssertFalse(run.stderr.contains("connect"), "\(setting) must fail before connecting: \(run.stderr)")
        }
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_namespace WHERE nspname = 'app'"), "0")
    }

    func testFailOnMissingLocationsAndCherryPick() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__one.sql", "CREATE TABLE one (id int);\n")
        try project.write("sql/V2__two.sql", "CREATE TABLE two (id int);\n")
        try project.write("sql/V3__three.sql", "CREATE TABLE three (id int);\n")

        let missing = try project.migrate(["-locations=filesystem:sql,filesystem:nowhere", "-failOnMissingLocations=true", "migrate"])
        XCTAssertNotEqual(missing.status, 0, missing.output)
        XCTAssertTrue(missing.stderr.contains("nowhere"), missing.stderr)
        XCTAssertFalse(try project.tableExists("flyway_schema_history"), "checked before anything is created")
        // Without it, a missing location is only a warning.
        let warned = try project.migrateOK(["-locations=filesystem:sql,filesystem:nowhere", "-target=1", "migrate"])
        XCTAssertTrue(warned.stderr.contains("nowhere"), warned.stderr)

        try project.migrateOK(["-cherryPick=3", "-outOfOrder=true", "migrate"])
        XCTAssertTrue(try project.tableExists("three"))
        XCTAssertFalse(try project.tableExists("two"), "cherryPick applies only the versions listed")
        XCTAssertEqual(try project.history().map { $0[0] }, ["1", "3"])
        let unknown = try project.migrate(["-cherryPick=7", "migrate"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("cherryPick"), unknown.stderr)
    }
}
