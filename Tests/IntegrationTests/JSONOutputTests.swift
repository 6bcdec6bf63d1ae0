import Foundation
import XCTest

/// `-outputType=json`: one JSON document on stdout per invocation, with Flyway's field names; errors inside
/// the document and a non-zero exit; several commands wrapped in `individualResults`.
final class JSONOutputTests: XCTestCase {
    private func json(_ project: MigrateProject, _ arguments: [String], expectSuccess: Bool = true,
                      file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try project.json(arguments, expectSuccess: expectSuccess, file: file, line: line)
    }

    func testEveryCommandPrintsOneDocumentWithFlywaysFields() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__create_items.sql", "CREATE TABLE items (id int);\n")
        try project.write("sql/V2__add_name.sql", "ALTER TABLE items ADD name text;\n")
        try project.write("sql/R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT id FROM items;\n")

        let info = try json(project, ["info"])
        XCTAssertEqual(info["operation"] as? String, "info")
        XCTAssertEqual(info["allSchemasEmpty"] as? Bool, true)
        let pending = try XCTUnwrap(info["migrations"] as? [[String: Any]])
        XCTAssertEqual(pending.map { $0["state"] as? String }, ["Pending", "Pending", "Pending"])
        XCTAssertEqual(pending.map { $0["category"] as? String }, ["Versioned", "Versioned", "Repeatable"])
        XCTAssertEqual(pending.first?["version"] as? String, "1")
        XCTAssertTrue((pending.first?["filepath"] as? String)?.hasSuffix("sql/V1__create_items.sql") ?? false)

        let migrate = try json(project, ["migrate"])
        XCTAssertEqual(migrate["operation"] as? String, "migrate")
        XCTAssertEqual(migrate["success"] as? Bool, true)
        XCTAssertEqual(migrate["migrationsExecuted"] as? Int, 3)
        XCTAssertNil(migrate["initialSchemaVersion"] as? String)
        XCTAssertEqual(migrate["targetSchemaVersion"] as? String, "2")
        XCTAssertEqual(migrate["schemaName"] as? String, "public")
        XCTAssertEqual(migrate["database"] as? String, project.database)
        let applied = try XCTUnwrap(migrate["migrations"] as? [[String: Any]])
        XCTAssertEqual(applied.map { $0["description"] as? String }, ["create items", "add name", "view"])
        XCTAssertTrue(applied.allSatisfy { $0["executionTime"] is Int && $0["type"] as? String == "SQL" })

        let afterInfo = try json(project, ["info"])
        XCTAssertEqual(afterInfo["schemaVersion"] as? String, "2")
        XCTAssertEqual((afterInfo["migrations"] as? [[String: Any]])?.map { $0["state"] as? String }, ["Success", "Success", "Success"])

        let validate = try json(project, ["validate"])
        XCTAssertEqual(validate["validationSuccessful"] as? Bool, true)
        XCTAssertEqual(validate["validateCount"] as? Int, 3)
        XCTAssertEqual((validate["invalidMigrations"] as? [Any])?.count, 0)

        // Drift: validate fails with the problem in the document and exit 1.
        try project.write("sql/V2__add_name.sql", "ALTER TABLE items ADD name varchar(10);\n")
        let drift = try json(project, ["validate"], expectSuccess: false)
        XCTAssertEqual(drift["validationSuccessful"] as? Bool, false)
        let invalid = try XCTUnwrap(drift["invalidMigrations"] as? [[String: Any]])
        XCTAssertEqual(invalid.first?["version"] as? String, "2")
        XCTAssertEqual((invalid.first?["errorDetails"] as? [String: Any])?["errorCode"] as? String, "CHECKSUM_MISMATCH")
        XCTAssertEqual((drift["error"] as? [String: Any])?["errorCode"] as? String, "VALIDATE_ERROR")

        let repair = try json(project, ["repair"])
        XCTAssertEqual(repair["operation"] as? String, "repair")
        XCTAssertEqual(repair["repairActions"] as? [String], ["ALIGNED_APPLIED_MIGRATION_CHECKSUMS"])
        XCTAssertEqual((repair["migrationsAligned"] as? [[String: Any]])?.first?["version"] as? String, "2")
        XCTAssertEqual((repair["migrationsRemoved"] as? [Any])?.count, 0)

        let clean = try json(project, ["-cleanDisabled=false", "clean"])
        XCTAssertEqual(clean["operation"] as? String, "clean")
        XCTAssertEqual(clean["schemasCleaned"] as? [String], ["public"])
        XCTAssertEqual(clean["schemasDropped"] as? [String], [])
        XCTAssertFalse(try project.tableExists("items"))

        let baseline = try json(project, ["-baselineVersion=5", "baseline"])
        XCTAssertEqual(baseline["operation"] as? String, "baseline")
        XCTAssertEqual(baseline["successfullyBaselined"] as? Bool, true)
        XCTAssertEqual(baseline["baselineVersion"] as? String, "5")
        XCTAssertEqual(try project.history().map { $0[2] }, ["BASELINE"])
    }

    func testFailedMigrateListsWhatRanAndTheErrorInTheDocument() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__ok.sql", "CREATE TABLE ok (id int);\n")
        try project.write("sql/V2__broken.sql", "CREATE TABLE fine (id int);\nSELECT * FROM nowhere;\n")
        let migrate = try json(project, ["migrate"], expectSuccess: false)
        XCTAssertEqual(migrate["operation"] as? String, "migrate")
        XCTAssertEqual(migrate["success"] as? Bool, false)
        XCTAssertEqual((migrate["migrations"] as? [[String: Any]])?.map { $0["version"] as? String }, ["1"])
        let error = try XCTUnwrap(migrate["error"] as? [String: Any])
        XCTAssertEqual(error["sqlState"] as? String, "42P01")
        XCTAssertEqual(error["lineNumber"] as? Int, 2)
        XCTAssertTrue((error["path"] as? String)?.hasSuffix("V2__broken.sql") ?? false, "\(error)")
        XCTAssertTrue((error["message"] as? String)?.contains("nowhere") ?? false)

        // An error before any result: still one document, with the error.
        let bad = try json(project, ["-target=banana", "migrate"], expectSuccess: false)
        XCTAssertEqual((bad["error"] as? [String: Any])?["errorCode"] as? String, "CONFIGURATION")
    }

    func testSeveralCommandsInOneInvocation() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        try project.migrateOK(["migrate"])
        try project.db().execute("INSERT INTO t VALUES (1)")

        // Text: in order, stopping at the first failure; the command the CI conf documents.
        let text = try project.migrateOK(["-cleanDisabled=false", "clean", "migrate", "validate"])
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM t"), "0", "clean ran before migrate")
        XCTAssertTrue(text.stdout.contains("Successfully validated 1 migration"), text.output)
        XCTAssertEqual(text.stdout.components(separatedBy: "Database: ").count, 2, "the target is named once:\n\(text.stdout)")

        let all = try json(project, ["-cleanDisabled=false", "clean", "migrate", "validate"])
        let results = try XCTUnwrap(all["individualResults"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["operation"] as? String }, ["clean", "migrate", "validate"])

        // A failure stops the run: clean is disabled, so migrate and validate never run.
        let stopped = try json(project, ["clean", "migrate", "validate"], expectSuccess: false)
        let partial = try XCTUnwrap(stopped["individualResults"] as? [[String: Any]])
        XCTAssertEqual(partial.count, 1)
        XCTAssertEqual((partial[0]["error"] as? [String: Any])?["errorCode"] as? String, "CLEAN_DISABLED")
    }

    func testDebugShowsStatementsAndTheTargetIsNamed() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let run = try project.migrateOK(["-X", "migrate"])
        XCTAssertTrue(run.stdout.hasPrefix("Database: postgresql:///\(project.database)?host="), run.stdout)
        XCTAssertTrue(run.stdout.contains("(PostgreSQL 1"), run.stdout)
        XCTAssertTrue(run.stderr.contains("DEBUG: ") && run.stderr.contains("pg_try_advisory_lock"), run.stderr)
        XCTAssertTrue(run.stderr.contains("CREATE TABLE t (id int)"), run.stderr)
        let help = try project.migrate(["-?"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("validate"), help.output)
    }

    func testOneCharacterPasswordIsHiddenWithoutGarblingOutput() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__create_e_table.sql", "CREATE TABLE e (e text);\n")
        let run = try project.migrateOK(["-password=e", "-schemas=s2", "migrate"])
        XCTAssertTrue(run.stdout.contains("Created schema \"s2\""), run.stdout)
        XCTAssertTrue(run.stdout.contains("Successfully applied 1 migration to schema \"s2\""), run.stdout)
        XCTAssertFalse(run.output.contains("***"), "nothing to mask here:\n\(run.output)")

        // The password itself appears nowhere, even in a connection error that echoes the URL.
        let secret = "s3cr3t-pw"
        let failed = try project.migrate(["-url=postgresql://postgres:\(secret)@127.0.0.1:1/none", "info"], withURL: false)
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertFalse(failed.output.contains(secret), failed.output)
        let jsonFailed = try project.migrate(["-url=postgresql://postgres:\(secret)@127.0.0.1:1/none", "-outputType=json", "info"], withURL: false)
        XCTAssertFalse(jsonFailed.output.contains(secret), jsonFailed.output)
        XCTAssertEqual((try jsonFailed.document()["error"] as? [String: Any])?["errorCode"] as? String,
                       "DB_CONNECTION")
    }

    func testOutputFileGetsTheDocumentWithWarnings() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        // A path that cannot be written is refused before anything runs.
        let unwritable = try project.migrate(["-outputFile=out/result.json", "migrate"])
        XCTAssertNotEqual(unwritable.status, 0)
        XCTAssertTrue(unwritable.stderr.contains("outputFile"), unwritable.stderr)
        XCTAssertFalse(try project.tableExists("t"))

        try FileManager.default.createDirectory(at: project.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        let run = try project.migrateOK(["-licenseKey=abc", "-outputFile=out/result.json", "migrate"])
        XCTAssertTrue(run.stdout.contains("Successfully applied 1 migration"), "text stays on the terminal:\n\(run.output)")
        try project.migrateOK(["-licenseKey=abc", "-outputFile=out/result.json", "info"])
        let data = try Data(contentsOf: project.directory.appendingPathComponent("out/result.json"))
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(document["operation"] as? String, "info")
        XCTAssertTrue((document["warnings"] as? [String])?.contains { $0.contains("licenseKey") } ?? false, "\(document)")
    }

    func testKeysThatWouldChangeWhatRunsAreRefusedNotIgnored() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        for setting in ["-errorOverrides=S0001:0:I-", "-callbacks=com.example.Callback", "-resolvers=com.example.Resolver"] {
            let run = try project.migrate([setting, "migrate"])
            XCTAssertNotEqual(run.status, 0, setting)
            XCTAssertTrue(run.stderr.contains("not supported"), "\(setting): \(run.stderr)")
        }
        XCTAssertFalse(try project.tableExists("flyway_schema_history"))
    }

    func testBaselineVersionWithUnderscoreSpelling() throws {
        let project = try MigrateProject()
        try project.db().execute("CREATE TABLE existing (id int)")
        try project.migrateOK(["baseline", "--baseline_version", "2"])
        XCTAssertEqual(try project.history().map { $0[0] }, ["2"])
    }
}
