import Foundation
import XCTest

/// `migrate new <description> [-undo]` from the built binary: the next file's name in the numbering the
/// folder already uses, what it holds, and that `migrate` then applies it under the description typed.
final class NewCommandTests: XCTestCase {
    /// A URL nothing answers at: `new` must not try it.
    private let unreachableURL = "-url=postgresql://nobody@/nowhere?host=/nonexistent-socket-dir"

    /// Runs `new` with JSON output and no reachable database; returns the document.
    @discardableResult
    private func new(_ project: MigrateProject, _ arguments: [String], expectSuccess: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try project.migrate(["-outputType=json", unreachableURL, "new"] + arguments, withURL: false)
        XCTAssertEqual(run.status == 0, expectSuccess, "new \(arguments): exit \(run.status)\n\(run.output)", file: file, line: line)
        return try run.document(file: file, line: line)
    }

    /// The file names in `folder` (relative to the project), sorted.
    private func files(_ project: MigrateProject, _ folder: String = "sql") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: project.directory.appendingPathComponent(folder).path).sorted()
    }

    private func path(_ project: MigrateProject, _ relative: String) -> String {
        project.directory.appendingPathComponent(relative).path
    }

    /// The name `new` gives after `existing` (empty files in sql/).
    private func nextName(after existing: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let project = try MigrateProject()
        for name in existing { try project.write("sql/" + name, "") }
        let document = try new(project, ["next"], file: file, line: line)
        let filepath = try XCTUnwrap(document["filepath"] as? String, file: file, line: line)
        XCTAssertEqual(try files(project), (existing + [URL(fileURLWithPath: filepath).lastPathComponent]).sorted(), file: file, line: line)
        return URL(fileURLWithPath: filepath).lastPathComponent
    }

    func testZeroPaddedNumbersKeepTheirWidth() throws {
        let project = try MigrateProject()
        try project.write("sql/V001__init.sql", "CREATE TABLE t (id int);\n")
        let document = try new(project, ["add", "orders"])
        XCTAssertEqual(document["operation"] as? String, "new")
        XCTAssertEqual(document["version"] as? String, "002")
        XCTAssertEqual(document["description"] as? String, "add orders")
        XCTAssertEqual(document["filepath"] as? String, path(project, "sql/V002__add_orders.sql"))
        XCTAssertNil(document["undoFilepath"] as? String)
        XCTAssertNil(document["error"])
        XCTAssertEqual(try String(contentsOfFile: path(project, "sql/V002__add_orders.sql"), encoding: .utf8), "-- Migration 002: add orders\n")

        XCTAssertEqual(try nextName(after: ["V001__a.sql", "V009__b.sql"]), "V010__next.sql")
        XCTAssertEqual(try nextName(after: ["V098__a.sql", "V099__b.sql"]), "V100__next.sql")
        XCTAssertEqual(try nextName(after: ["V8__a.sql", "V9__b.sql"]), "V10__next.sql")
    }

    func testUnderscoredAndDottedVersionsCountUpTheirLastPart() throws {
        XCTAssertEqual(try nextName(after: ["V1_1__a.sql", "V1_2__b.sql"]), "V1_3__next.sql")
        XCTAssertEqual(try nextName(after: ["V1.1__a.sql", "V1.2__b.sql"]), "V1.3__next.sql")
        XCTAssertEqual(try nextName(after: ["V1.9__a.sql", "V1.10__b.sql", "V1.2__c.sql"]), "V1.11__next.sql")
        XCTAssertEqual(try nextName(after: ["V2024.01.009__a.sql"]), "V2024.01.010__next.sql")
    }

    func testTimestampVersionsTakeTheCurrentUTCTimeAboveTheHighest() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"

        let before = formatter.string(from: Date())
        let name = try nextName(after: ["V20000101120000__a.sql", "V20010101120000__b.sql"])
        let after = formatter.string(from: Date())
        let version = String(name.dropFirst().prefix(14))
        XCTAssertTrue(name.hasSuffix("__next.sql") && name.count == "V__next.sql".count + 14, name)
        XCTAssertTrue(before <= version && version <= after, "\(version) not between \(before) and \(after)")

        // To the minute when the files are.
        let minuteBefore = String(formatter.string(from: Date()).prefix(12))
        let minuteName = try nextName(after: ["V200001011200__a.sql"])
        let minuteAfter = String(formatter.string(from: Date()).prefix(12))
        let minute = String(minuteName.dropFirst().prefix(12))
        XCTAssertEqual(minuteName, "V\(minute)__next.sql")
        XCTAssertTrue(minuteBefore <= minute && minute <= minuteAfter, "\(minute) not between \(minuteBefore) and \(minuteAfter)")

        // The issue's folder, V20261130120000__: the next name is a 14-digit UTC time above it, whether the
        // clock is past it (the current time) or not yet (one second after it).
        let issueCase = try nextName(after: ["V20261130120000__x.sql"])
        let issueVersion = String(issueCase.dropFirst().prefix(14))
        XCTAssertEqual(issueCase, "V\(issueVersion)__next.sql")
        XCTAssertTrue(issueVersion.allSatisfy(\.isNumber) && issueVersion > "20261130120000", issueCase)
        XCTAssertTrue(issueVersion == "20261130120001" || issueVersion >= before, issueCase)

        // A highest timestamp ahead of the clock: one second (or minute) after it, never below.
        XCTAssertEqual(try nextName(after: ["V20991231235959__future.sql"]), "V21000101000000__next.sql")
        XCTAssertEqual(try nextName(after: ["V209912312359__future.sql"]), "V210001010000__next.sql")

        // Flyway add's style: a counter then a timestamp; the counter counts up, the timestamp is now.
        let flywayStyle = try nextName(after: ["V001_20000101120000__feature_A.sql", "V002_20010829162505__feature_B.sql"])
        XCTAssertTrue(flywayStyle.hasPrefix("V003_") && flywayStyle.hasSuffix("__next.sql"), flywayStyle)
        let stamp = String(flywayStyle.dropFirst("V003_".count).prefix(14))
        XCTAssertTrue(stamp >= before, "\(stamp) is before \(before)")
    }

    func testEmptyOrMissingFolderStartsAtOneAndIsCreated() throws {
        XCTAssertEqual(try nextName(after: []), "V1__next.sql")

        let project = try MigrateProject()
        try project.remove("sql")
        let document = try new(project, ["-locations=filesystem:db/migrations", "first", "table"])
        XCTAssertEqual(document["filepath"] as? String, path(project, "db/migrations/V1__first_table.sql"))
        XCTAssertEqual(try files(project, "db/migrations"), ["V1__first_table.sql"])
    }

    func testUndoWritesTheMatchingUFile() throws {
        let project = try MigrateProject()
        try project.write("sql/V3__old.sql", "")
        let run = try project.migrateOK(["new", "-undo", "add", "orders"], withURL: false)
        XCTAssertEqual(run.stdout, "Created sql/V4__add_orders.sql\nCreated sql/U4__add_orders.sql\n")
        XCTAssertEqual(try files(project), ["U4__add_orders.sql", "V3__old.sql", "V4__add_orders.sql"])
        XCTAssertEqual(try String(contentsOfFile: path(project, "sql/U4__add_orders.sql"), encoding: .utf8), "-- Undo of migration 4: add orders\n")

        let document = try new(project, ["add orders", "again", "--undo"])
        XCTAssertEqual(document["filepath"] as? String, path(project, "sql/V5__add_orders_again.sql"))
        XCTAssertEqual(document["undoFilepath"] as? String, path(project, "sql/U5__add_orders_again.sql"))
    }

    func testNamingSettingsAndEveryLocationAreHonoured() throws {
        let project = try MigrateProject()
        try project.write("sql/M3-x.pgsql", "")
        try project.write("legacy/M7-old.pgsql", "")
        // Undo and baseline files count too: a new file must sort after every version in use.
        try project.write("sql/UNDO_8-y.pgsql", "")
        try project.write("legacy/sub/B9-baseline.pgsql", "")
        let document = try new(project, ["-locations=filesystem:sql,legacy", "-sqlMigrationPrefix=M", "-sqlMigrationSeparator=-",
                                         "-sqlMigrationSuffixes=.pgsql,.sql", "-undoSqlMigrationPrefix=UNDO_", "-undo", "add", "orders"])
        XCTAssertEqual(document["filepath"] as? String, path(project, "sql/M10-add_orders.pgsql"))
        XCTAssertEqual(document["undoFilepath"] as? String, path(project, "sql/UNDO_10-add_orders.pgsql"))
        XCTAssertEqual(try files(project, "legacy"), ["M7-old.pgsql", "sub"])
    }

    func testQuietPrintsOnlyThePathsForScripts() throws {
        let project = try MigrateProject()
        let run = try project.migrateOK(["-q", "new", "add", "orders", "-undo"], withURL: false)
        XCTAssertEqual(run.stdout, "sql/V1__add_orders.sql\nsql/U1__add_orders.sql\n")
        XCTAssertEqual(run.stderr, "")
    }

    /// The file migrates, and `info` and the history read back the description typed.
    func testNewFilesMigrateUnderTheDescriptionTyped() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__init.sql", "CREATE TABLE t (id int);\n")
        let orders = try XCTUnwrap(try new(project, ["add orders"])["filepath"] as? String)
        try "CREATE TABLE orders (id int);\n".write(toFile: orders, atomically: true, encoding: .utf8)
        // Flyway's own spelling of the option; and a file holding only its header comment.
        XCTAssertEqual(try new(project, ["-description=ajouter élève  café"])["description"] as? String, "ajouter élève  café")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[1], $0[3], $0[5]] }, [
            ["1", "init", "V1__init.sql", "true"],
            ["2", "add orders", "V2__add_orders.sql", "true"],
            ["3", "ajouter élève  café", "V3__ajouter_élève__café.sql", "true"],
        ])
        XCTAssertTrue(try project.tableExists("orders"))
    }

    func testTheHeaderIsWrittenInTheConfiguredEncoding() throws {
        let project = try MigrateProject()
        try new(project, ["-encoding=ISO-8859-1", "élève"])
        let bytes = try Data(contentsOf: project.directory.appendingPathComponent("sql/V1__élève.sql"))
        XCTAssertEqual(Array(bytes), Array("-- Migration 1: ".utf8) + [0xE9, 0x6C, 0xE8, 0x76, 0x65, 0x0A])
        try project.migrateOK(["migrate", "-encoding=ISO-8859-1"])
        XCTAssertEqual(try project.history().map { $0[1] }, ["élève"])
    }

    func testMissingDescriptionIsAUsageError() throws {
        let project = try MigrateProject()
        for arguments in [["new"], ["new", "   "], ["new", "-undo"]] {
            let run = try project.migrate(arguments, withURL: false)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.output)")
            XCTAssertTrue(run.stderr.contains("new: no description given; usage: migrate new <description> [-undo]"), run.stderr)
        }
        let combined = try project.migrate(["new", "x", "-url=postgresql:///x", "info", "-undo"], withURL: false)
        XCTAssertEqual(combined.status, 0, "words after new are its description, commands' names included: \(combined.output)")
        XCTAssertEqual(try files(project), ["U1__x_info.sql", "V1__x_info.sql"])

        let alone = try project.migrate(["info", "new", "x"], withURL: false)
        XCTAssertEqual(alone.status, 64, alone.output)
        XCTAssertTrue(alone.stderr.contains("new runs on its own (got info new)"), alone.stderr)
        let stray = try project.migrate(["info", "-undo"], withURL: false)
        XCTAssertEqual(stray.status, 64, stray.output)
        XCTAssertTrue(stray.stderr.contains("options of the new command"), stray.stderr)
        XCTAssertEqual(try files(project), ["U1__x_info.sql", "V1__x_info.sql"])
    }

    func testUnsafeDescriptionsAreRefusedNotRewritten() throws {
        let project = try MigrateProject()
        for (description, shown) in [("orders/items", "'/'"), ("why?", "'?'"), ("a:b", "':'"), ("tab\there", "control character U+9")] {
            let document = try new(project, [description], expectSuccess: false)
            let error = try XCTUnwrap(document["error"] as? [String: Any])
            XCTAssertEqual(error["errorCode"] as? String, "INVALID_DESCRIPTION")
            XCTAssertEqual(error["message"] as? String,
                           "new: the description \"\(description)\" contains \(shown), which a file name cannot hold (nor / \\ : * ? \" < > | or control characters)")
            XCTAssertEqual(document["operation"] as? String, "new")
        }
        let long = try new(project, [String(repeating: "x", count: 260)], expectSuccess: false)
        XCTAssertTrue(((long["error"] as? [String: Any])?["message"] as? String)?.contains("more than file systems take (255)") ?? false, "\(long)")
        XCTAssertEqual(try files(project), [])
    }

    func testAnExistingFileIsNeverOverwritten() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__init.sql", "")
        // A folder bearing the next file's name (folders hold no versions of their own).
        try FileManager.default.createDirectory(atPath: path(project, "sql/V2__add_orders.sql"), withIntermediateDirectories: false)
        let document = try new(project, ["add orders"], expectSuccess: false)
        let error = try XCTUnwrap(document["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "FILE_EXISTS")
        XCTAssertEqual(error["path"] as? String, "sql/V2__add_orders.sql")
        XCTAssertEqual(error["message"] as? String, "new: sql/V2__add_orders.sql already exists; it was left as it is and nothing was written")

        // The undo file's name taken (a dangling link): the versioned file is not written either.
        try symlink(path(project, "sql/gone"), path(project, "sql/U2__add_customers.sql"))
        let undo = try project.migrate([unreachableURL, "new", "add customers", "-undo"], withURL: false)
        XCTAssertEqual(undo.status, 1, undo.output)
        XCTAssertEqual(undo.stderr, "ERROR: new: sql/U2__add_customers.sql already exists; it was left as it is and nothing was written\n")
        XCTAssertEqual(try files(project), ["U2__add_customers.sql", "V1__init.sql", "V2__add_orders.sql"])
    }

    func testLocationThatIsNotAFolderIsAnError() throws {
        let project = try MigrateProject()
        let classpath = try new(project, ["-locations=classpath:db/migration", "add orders"], expectSuccess: false)
        let error = try XCTUnwrap(classpath["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "CONFIGURATION")
        XCTAssertEqual(error["message"] as? String, "location 'classpath:db/migration' is not supported: use a directory, optionally prefixed with 'filesystem:'")

        try project.write("plain.txt", "")
        let file = try project.migrate(["new", "-locations=plain.txt", "add orders"], withURL: false)
        XCTAssertEqual(file.status, 1, file.output)
        XCTAssertEqual(file.stderr, "ERROR: new: location 'plain.txt' is not a directory (plain.txt)\n")
        XCTAssertEqual(try files(project), [])
    }

    private func symlink(_ target: String, _ link: String) throws {
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
    }
}
