import ArgumentParser
import MigrateCore
import XCTest
@testable import migrate

/// How `new`'s description and `-undo` are read from the command line, without running anything.
final class NewCommandLineTests: XCTestCase {
    let keys = ConfigurationLoader.knownKeyNames

    func normalize(_ arguments: [String]) -> [String] { FlywayArguments.normalize(arguments, knownKeys: keys) }

    func testTheWordsAfterNewAreItsDescriptionWhereverTheOptionsStand() {
        XCTAssertEqual(normalize(["new", "add", "orders"]), ["new", "--description", "add orders"])
        XCTAssertEqual(normalize(["new", "add orders", "-undo"]), ["new", "--description", "add orders", "--undo"])
        XCTAssertEqual(normalize(["-url=x", "new", "-undo", "add", "--locations", "db", "orders", "-q"]),
                       ["new", "--setting", "url=x", "--setting", "locations=db", "--description", "add orders", "--undo", "-q"])
        // Command names after new are words of the description.
        XCTAssertEqual(normalize(["new", "fix", "info", "table"]), ["new", "--description", "fix info table"])
        // Flyway's spelling.
        XCTAssertEqual(normalize(["new", "-description=feature_B", "--UNDO"]), ["new", "--description", "feature_B", "--undo"])
        XCTAssertEqual(normalize(["new", "--description", "x"]), ["new", "--description", "x"])
    }

    func testFastPathAndParserAgreeOnNew() throws {
        let arguments = normalize(["new", "add", "orders", "-undo", "-X"])
        let parsed = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool).invocation
        let fast = try XCTUnwrap(Invocation.fastParse(arguments))
        for invocation in [parsed, fast] {
            XCTAssertEqual(invocation.commands, [.new])
            XCTAssertEqual(invocation.descriptions, ["add orders"])
            XCTAssertTrue(invocation.undo)
            XCTAssertTrue(invocation.debug)
        }
        // Usage problems are left to the parser, which reports them (exit 64).
        for line in [["new"], ["new", " "], ["new", "-undo"], ["info", "new", "x"], ["info", "-undo"], ["migrate", "-description=x"],
                     ["new", "a", "-description=b"]] {
            let arguments = normalize(line)
            XCTAssertNil(Invocation.fastParse(arguments), "\(line)")
            XCTAssertThrowsError(try MigrateTool.parseAsRoot(arguments), "\(line)") { error in
                XCTAssertEqual(MigrateTool.exitCode(for: error), ExitCode(64), "\(line)")
            }
        }
    }
}
