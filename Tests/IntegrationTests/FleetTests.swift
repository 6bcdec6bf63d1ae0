import Foundation
import PostgresClient
import XCTest

/// Many targets in one run (`-targets=FILE`, `-targetsQuery=SQL`): each target gets its own history, a failure
/// is contained as onError and canary say, and a re-run resumes only what is left.
final class FleetTests: XCTestCase {
    /// A project (whose database holds the targets query's table) and `count` fresh databases, listed in targets.txt.
    private struct Fleet {
        let project: MigrateProject
        let databases: [String]

        init(databases count: Int, lines: (Int, String) -> String = { _, url in url }) throws {
            project = try MigrateProject()
            let tag = UUID().uuidString.prefix(8).lowercased()
            databases = (0..<count).map { "fleet_\(tag)_\($0)" }
            for name in databases { try project.db().execute("CREATE DATABASE \"\(name)\"") }
            let listing = databases.enumerated().map { lines($0.offset, project.cluster.url(database: $0.element)) }
            try project.write("targets.txt", "# tenants\n\n" + listing.joined(separator: "\n") + "\n")
        }

        func url(_ index: Int) -> String { project.cluster.url(database: databases[index]) }

        func db(_ index: Int) throws -> Connection {
            try Connection(parameters: project.cluster.connectionParameters(database: databases[index]))
        }

        /// Runs with the targets file and without -url; JSON document and status.
        func run(_ arguments: [String]) throws -> (status: Int32, document: [String: Any], stderr: String) {
            let run = try project.migrate(["-targets=targets.txt", "-outputType=json"] + arguments, withURL: false)
            return (run.status, try run.document(), run.stderr)
        }

        /// (version, success) of a database's history rows, by rank; nil without a history table.
        func history(_ index: Int, schema: String = "public") throws -> [[String?]]? {
            let connection = try db(index)
            defer { connection.close() }
            guard try connection.query("SELECT to_regclass($1)::text", ["\(schema).flyway_schema_history"]).scalar != nil else { return nil }
            return try connection.query("SELECT version, success::text FROM \(schema).flyway_schema_history ORDER BY installed_rank").rows
        }

        /// installed_rank and installed_on of every row: what a re-run must not touch.
        func stamps(_ index: Int) throws -> [[String?]] {
            let connection = try db(index)
            defer { connection.close() }
            return try connection.query("SELECT installed_rank::text, installed_on::text FROM flyway_schema_history ORDER BY 1").rows
        }
    }

    private func targets(_ document: [String: Any]) -> [[String: Any]] {
        document["targets"] as? [[String: Any]] ?? []
    }

    private func writeMigrations(_ project: MigrateProject) throws {
        try project.write("sql/V1__tenant.sql", "CREATE TABLE tenant (id int, name text, schema_name text);\n")
        try project.write("sql/V2__billing.sql", "CREATE SCHEMA billing;\n")
        try project.write("sql/V3__row.sql", "INSERT INTO tenant VALUES (1, '${tenant}', '${flyway:defaultSchema}');\n")
    }

    /// With -parallel, targets' notices and statements interleave: each line names its target.
    func testServerNoticesAndStatementsAreLabelledWithTheirTarget() throws {
        let fleet = try Fleet(databases: 2)
        try fleet.project.write("sql/V1__hello.sql", "DO $$ BEGIN RAISE NOTICE 'hello from %', current_database(); END $$;\n")
        let run = try fleet.project.migrate(["-targets=targets.txt", "-parallel=2", "-X", "migrate"], withURL: false)
        XCTAssertEqual(run.status, 0, run.output)
        for index in 0..<2 {
            let label = "[\(fleet.url(index))] "
            XCTAssertTrue(run.stderr.contains(label + "NOTICE (V1__hello.sql): hello from \(fleet.databases[index])"), run.stderr)
            XCTAssertTrue(run.stderr.split(separator: "\n").contains { $0.hasPrefix(label) && $0.contains("RAISE NOTICE") }, run.stderr)
        }
    }

    func testTwentyDatabasesFromAFileEachWithItsOwnHistoryAndPlaceholder() throws {
        let fleet = try Fleet(databases: 20) { index, url in "\(url)   placeholders.tenant='Tenant \(index)'  # tenant \(index)" }
        try writeMigrations(fleet.project)
        let run = try fleet.run(["-parallel=4", "migrate"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.document["succeeded"] as? Int, 20)
        let results = targets(run.document)
        XCTAssertEqual(results.count, 20)
        for (index, result) in results.enumerated() {
            XCTAssertEqual(result["target"] as? String, fleet.url(index), "listed order")
            XCTAssertEqual(result["success"] as? Bool, true)
            XCTAssertEqual(result["migrationsExecuted"] as? Int, 3)
            XCTAssertNil(result["initialSchemaVersion"])
            XCTAssertEqual(result["targetSchemaVersion"] as? String, "3")
            XCTAssertEqual(try fleet.history(index)?.map { $0[0] }, ["1", "2", "3"])
            XCTAssertEqual(try fleet.history(index)?.map { $0[1] }, ["true", "true", "true"])
            let row = try fleet.db(index).query("SELECT name, schema_name FROM tenant").rows
            XCTAssertEqual(row, [["Tenant \(index)", "public"]], "the target's own placeholder")
        }
        // Text: a line per target, then the summary; nothing left to do on a second run.
        let again = try fleet.project.migrate(["-targets=targets.txt", "-parallel=4", "migrate"], withURL: false)
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.stdout.contains("\(fleet.url(5)): up to date at 3"), again.stdout)
        XCTAssertTrue(again.stdout.contains("| Already up to date | 20    |"), again.stdout)
    }

    func testTwentySchemasFromAQueryEachWithItsOwnHistoryTable() throws {
        let project = try MigrateProject()
        try writeMigrations(project)
        let schemas = (1...20).map { String(format: "tenant_%02d", $0) }
        try project.db().execute("CREATE TABLE public.tenants (name text); "
            + schemas.map { "CREATE SCHEMA \($0); INSERT INTO public.tenants VALUES ('\($0)');" }.joined())
        try project.write("sql/V2__billing.sql", "CREATE TABLE invoices (id int);\n")
        let query = "-targetsQuery=SELECT name FROM tenants ORDER BY name"
        let run = try project.migrate(["-outputType=json", query, "-parallel=4", "-placeholders.tenant=shared", "migrate"])
        XCTAssertEqual(run.status, 0, run.output)
        let results = targets(try run.document())
        XCTAssertEqual(results.map { $0["target"] as? String }, schemas.map { "\(project.database)/\($0)" })
        for schema in schemas {
            XCTAssertEqual(try project.history(table: "\(schema).flyway_schema_history").map { $0[0] }, ["1", "2", "3"])
            XCTAssertEqual(try project.column("SELECT schema_name FROM \(schema).tenant"), [schema], "${flyway:defaultSchema}")
            XCTAssertTrue(try project.tableExists("\(schema).invoices"))
        }
        XCTAssertFalse(try project.tableExists("public.flyway_schema_history"), "the query's database itself is no target")
    }

    func testOneFailingTargetWithOnErrorContinueThenARerunTouchesOnlyIt() throws {
        let fleet = try Fleet(databases: 20) { _, url in "\(url) placeholders.tenant=t" }
        try writeMigrations(fleet.project)
        try fleet.db(7).execute("CREATE SCHEMA billing")  // V2's CREATE SCHEMA billing conflicts here
        let run = try fleet.run(["-parallel=4", "-onError=continue", "migrate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.document["succeeded"] as? Int, 19)
        XCTAssertEqual(run.document["failed"] as? Int, 1)
        let failed = targets(run.document)[7]
        XCTAssertEqual(failed["success"] as? Bool, false)
        XCTAssertEqual(failed["status"] as? String, "failed")
        XCTAssertEqual(failed["targetSchemaVersion"] as? String, "1", "V1 applied before V2 failed")
        let failure = try XCTUnwrap(failed["error"] as? [String: Any])
        XCTAssertTrue((failure["message"] as? String ?? "").contains("schema \"billing\" already exists"), "\(failure)")
        let error = try XCTUnwrap(run.document["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "FLEET_FAILED")
        XCTAssertTrue((error["message"] as? String ?? "").contains("1 of 20 targets failed: \(fleet.url(7))"), "\(error)")
        XCTAssertEqual(try fleet.history(7)?.map { $0[0] }, ["1"])
        let before = try (0..<20).filter { $0 != 7 }.map { try fleet.stamps($0) }

        try fleet.db(7).execute("DROP SCHEMA billing")
        let rerun = try fleet.project.migrate(["-targets=targets.txt", "-parallel=4", "migrate"], withURL: false)
        XCTAssertEqual(rerun.status, 0, rerun.output)
        XCTAssertTrue(rerun.stdout.contains("\(fleet.url(7)): 1 → 3, 2 migrations applied"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("| Succeeded          | 1     |"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("| Already up to date | 19    |"), rerun.stdout)
        XCTAssertEqual(try (0..<20).filter { $0 != 7 }.map { try fleet.stamps($0) }, before, "the others' history is untouched")
        XCTAssertEqual(try fleet.history(7)?.map { $0[0] }, ["1", "2", "3"])
    }

    func testAFailingCanaryStopsTheRun() throws {
        let fleet = try Fleet(databases: 6) { _, url in "\(url) placeholders.tenant=t" }
        try writeMigrations(fleet.project)
        try fleet.db(1).execute("CREATE SCHEMA billing")
        let run = try fleet.run(["-canary=2", "-parallel=2", "-onError=continue", "migrate"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.document["stoppedBy"] as? String, "canary")
        XCTAssertEqual(targets(run.document).map { $0["status"] as? String },
                       ["succeeded", "failed", "untouched", "untouched", "untouched", "untouched"])
        for index in 2..<6 { XCTAssertNil(try fleet.history(index), "target \(index) was never touched") }
        XCTAssertTrue((run.document["error"] as? [String: Any])?["message"].map { "\($0)" }?.contains("a canary failed") ?? false)
    }

    func testByDefaultAFailureLeavesTheTargetsNotStartedUntouched() throws {
        let fleet = try Fleet(databases: 5) { _, url in "\(url) placeholders.tenant=t" }
        try writeMigrations(fleet.project)
        try fleet.db(1).execute("CREATE SCHEMA billing")
        let run = try fleet.project.migrate(["-targets=targets.txt", "migrate"], withURL: false)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("\(fleet.url(1)): FAILED after 1 migration applied"), run.stderr)
        XCTAssertTrue(run.stdout.contains("| Untouched          | 3     |"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Not started (3): \(fleet.url(2)), \(fleet.url(3)), \(fleet.url(4))"), run.stdout)
        XCTAssertEqual(try fleet.history(0)?.count, 3)
        for index in 2..<5 { XCTAssertNil(try fleet.history(index)) }
    }

    func testFleetInfoShowsEachTargetsVersionAndPendingCount() throws {
        let fleet = try Fleet(databases: 3) { _, url in "\(url) placeholders.tenant=t" }
        try writeMigrations(fleet.project)
        try fleet.project.migrateOK(["-url=\(fleet.url(0))", "-placeholders.tenant=t", "migrate"], withURL: false)
        try fleet.project.migrateOK(["-url=\(fleet.url(1))", "-placeholders.tenant=t", "-target=1", "migrate"], withURL: false)
        let run = try fleet.run(["info"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let results = targets(run.document)
        XCTAssertEqual(results.map { $0["targetSchemaVersion"] as? String }, ["3", "1", nil])
        XCTAssertEqual(results.map { $0["pendingCount"] as? Int }, [0, 2, 3])
        let text = try fleet.project.migrate(["-targets=targets.txt", "info"], withURL: false)
        XCTAssertEqual(text.status, 0, text.output)
        XCTAssertTrue(text.stdout.contains("| \(fleet.url(1)) | 1                  | 2       |"), text.stdout)
        XCTAssertNil(try fleet.history(2), "info writes nothing")
    }

    func testABadTargetsFileIsRefusedWithItsLineBeforeAnyTargetIsTouched() throws {
        let fleet = try Fleet(databases: 3)
        try writeMigrations(fleet.project)
        let cases: [(String, String)] = [
            ("\(fleet.url(0))\n\(fleet.url(1)) placeholder.tenant=1\n", "targets.txt:2: unknown setting 'placeholder.tenant'; did you mean 'placeholders.tenant'?"),
            ("\(fleet.url(0))\n\n\(fleet.url(1)) tenant\n", "targets.txt:3: expected key=value after the url, got 'tenant'"),
            ("\(fleet.url(0)) locations=other\n", "targets.txt:1: locations is the same for every target"),
            ("\(fleet.url(0))\nmysql://x/y\n", "targets.txt:2: url: unsupported URL scheme 'mysql'"),
            ("\(fleet.url(0)) placeholders.a='open\n", "targets.txt:1: a quote (') is not closed"),
            ("\(fleet.url(0)) connectRetries=many\n", "targets.txt:1: connectRetries: expected a non-negative integer, got 'many'"),
            ("\(fleet.url(0)) placeholders.t=1\n\(fleet.url(0)) placeholders.t=2\n", "targets.txt:2: lists the same target as targets.txt:1"),
        ]
        for (listing, message) in cases {
            try fleet.project.write("targets.txt", listing)
            let run = try fleet.run(["-placeholders.tenant=t", "migrate"])
            XCTAssertEqual(run.status, 1, listing)
            let error = try XCTUnwrap(run.document["error"] as? [String: Any])
            XCTAssertTrue((error["message"] as? String ?? "").hasPrefix(message), "\(listing) → \(error)")
            for index in 0..<3 { XCTAssertNil(try fleet.history(index), "nothing written for \(listing)") }
        }
        // clean keeps its rails on a fleet: refused for every target before any is touched.
        try fleet.project.write("targets.txt", "\(fleet.url(0))\n\(fleet.url(1)) cleanDisabled=false\n")
        let clean = try fleet.project.migrate(["-targets=targets.txt", "clean"], withURL: false)
        XCTAssertEqual(clean.status, 1)
        XCTAssertTrue(clean.stderr.contains("clean is disabled for 1 of 2 targets (first: \(fleet.url(0))): set cleanDisabled=false"), clean.stderr)
        // Several commands, or a dry run, are refused for a fleet; new never reads the targets.
        let two = try fleet.project.migrate(["-targets=targets.txt", "info", "validate"], withURL: false)
        XCTAssertTrue(two.stderr.contains("targets: a fleet runs one command at a time"), two.stderr)
        let dryRun = try fleet.project.migrate(["-targets=targets.txt", "-dryRunOutput=out.sql", "migrate"], withURL: false)
        XCTAssertTrue(dryRun.stderr.contains("dryRunOutput: a dry run takes one target"), dryRun.stderr)
        try fleet.project.migrateOK(["-targets=missing.txt", "new", "add", "orders"], withURL: false)
        for index in 0..<2 { XCTAssertNil(try fleet.history(index)) }
    }

    func testATargetListedTwiceRunsOnceAndPasswordsAreMaskedEverywhere() throws {
        let fleet = try Fleet(databases: 2)
        try writeMigrations(fleet.project)
        let secret = "Sup3r-Secret-pw"
        let withPassword = fleet.url(0).replacingOccurrences(of: "postgres@", with: "postgres:\(secret)@")
        let missing = fleet.project.cluster.url(database: "no_such_db").replacingOccurrences(of: "postgres@", with: "postgres:\(secret)@")
        try fleet.project.write("targets.txt", """
            \(withPassword) placeholders.tenant=t
            \(fleet.url(1)) placeholders.tenant=t
            \(fleet.url(0)) placeholders.tenant=t
            \(missing) password=\(secret)
            """)
        for arguments in [["-outputType=json", "-onError=continue", "migrate"], ["-onError=continue", "migrate"], ["-X", "info"]] {
            let run = try fleet.project.migrate(["-targets=targets.txt"] + arguments, withURL: false)
            XCTAssertEqual(run.status, 1, "no_such_db fails")
            XCTAssertFalse(run.output.contains(secret), run.output)
            XCTAssertTrue(run.output.contains("targets.txt:3: the same target as targets.txt:1"), run.output)
            if arguments.contains("-outputType=json") {
                let results = targets(try run.document())
                XCTAssertEqual(results.count, 3, "listed twice, run once")
                XCTAssertEqual(results[0]["target"] as? String, fleet.url(0).replacingOccurrences(of: "postgres@", with: "postgres:***@"))
                XCTAssertEqual(results.map { $0["status"] as? String }, ["succeeded", "succeeded", "failed"])
            }
        }
        XCTAssertEqual(try fleet.history(0)?.count, 3)
    }

    func testEveryCommandRunsOnEveryTarget() throws {
        let fleet = try Fleet(databases: 3) { _, url in "\(url) placeholders.tenant=t" }
        try writeMigrations(fleet.project)
        try fleet.project.write("sql/U3__row.sql", "DELETE FROM tenant;\n")
        XCTAssertEqual(try fleet.run(["-parallel=3", "migrate"]).status, 0)

        let undo = try fleet.run(["-parallel=3", "undo"])
        XCTAssertEqual(undo.status, 0, undo.stderr)
        XCTAssertEqual(targets(undo.document).map { $0["targetSchemaVersion"] as? String }, ["2", "2", "2"])
        XCTAssertEqual(targets(undo.document).map { $0["migrationsExecuted"] as? Int }, [1, 1, 1])
        XCTAssertEqual(try fleet.run(["migrate"]).document["succeeded"] as? Int, 3, "re-applied")

        try fleet.db(1).execute("UPDATE flyway_schema_history SET checksum = 42 WHERE version = '1'")
        let validate = try fleet.run(["-onError=continue", "validate"])
        XCTAssertEqual(validate.status, 1)
        XCTAssertEqual(targets(validate.document).map { $0["status"] as? String }, ["succeeded", "failed", "succeeded"])
        XCTAssertEqual(try fleet.run(["repair"]).status, 0)
        XCTAssertEqual(try fleet.run(["validate"]).status, 0, "repaired")

        let clean = try fleet.run(["-cleanDisabled=false", "-parallel=2", "clean"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        for index in 0..<3 { XCTAssertNil(try fleet.history(index)) }
        try fleet.db(2).execute("CREATE TABLE legacy (a int)")
        let baseline = try fleet.run(["-baselineVersion=2", "baseline"])
        XCTAssertEqual(baseline.status, 0, baseline.stderr)
        XCTAssertEqual(try fleet.history(2)?.map { $0[0] }, ["2"])
        let lint = try fleet.project.migrate(["-targets=targets.txt", "-lint.all=true", "lint"], withURL: false)
        XCTAssertEqual(lint.status, 0, lint.output)
    }

    func testSIGINTCancelsTheRunningTargetsAndStartsNoOther() throws {
        let fleet = try Fleet(databases: 3)
        try fleet.project.write("sql/V1__slow.sql", "CREATE TABLE slow (a int);\nSELECT pg_sleep(30);\n")
        let running = try fleet.project.start(["-targets=targets.txt", "-outputType=json", "-parallel=2", "-onError=continue", "migrate"], withURL: false)
        func sleeping() throws -> Int {
            Int(try fleet.project.scalar("SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()") ?? "") ?? -1
        }
        try waitUntil("two targets' pg_sleep to run") { try sleeping() == 2 }
        running.process.kill(SIGINT)
        let run = running.wait()
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(try sleeping(), 0)
        let document = try run.document()
        XCTAssertEqual(document["stoppedBy"] as? String, "SIGINT")
        XCTAssertEqual(targets(document).map { $0["status"] as? String }, ["failed", "failed", "untouched"])
        XCTAssertEqual((targets(document)[0]["error"] as? [String: Any])?["errorCode"] as? String, "INTERRUPTED")
        for index in 0..<2 { XCTAssertEqual(try fleet.history(index)?.count ?? 0, 0, "V1 rolled back") }
        XCTAssertNil(try fleet.history(2))
    }
}
