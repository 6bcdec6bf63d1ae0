import ArgumentParser
import MigrateCore
import XCTest
@testable import migrate

/// Flyway's command-line shapes, parsed without a database.
final class CommandLineTests: XCTestCase {
    let keys = ConfigurationLoader.knownKeyNames

    func testFlywayStyleOptionsBeforeAndAfterTheCommand() {
        XCTAssertEqual(FlywayArguments.normalize(["-url=jdbc:postgresql://h/db", "migrate", "-target=3"], knownKeys: keys),
                       ["migrate", "--setting", "url=jdbc:postgresql://h/db", "--setting", "target=3"])
        XCTAssertEqual(FlywayArguments.normalize(["info", "-placeholders.owner=app", "-schemas=a,b"], knownKeys: keys),
                       ["info", "--setting", "placeholders.owner=app", "--setting", "schemas=a,b"])
    }

    func testConventionalSpellings() {
        XCTAssertEqual(FlywayArguments.normalize(["migrate", "--url", "postgres://x/db", "--baseline-version", "2", "--out-of-order", "-q"], knownKeys: keys),
                       ["migrate", "--setting", "url=postgres://x/db", "--setting", "baseline-version=2", "--setting", "out-of-order=true", "-q"])
        XCTAssertEqual(FlywayArguments.normalize(["--clean-disabled", "false", "clean"], knownKeys: keys),
                       ["clean", "--setting", "clean-disabled=false"])
        XCTAssertEqual(FlywayArguments.normalize(["--help"], knownKeys: keys), ["--help"])
        XCTAssertEqual(FlywayArguments.normalize(["migrate", "--help"], knownKeys: keys), ["migrate", "--help"])
    }

    func testUnknownKeysReachTheLoaderWhichSuggests() throws {
        let arguments = FlywayArguments.normalize(["migrate", "-cleanDisable=false"], knownKeys: keys)
        let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool.Migrate)
        XCTAssertThrowsError(try command.options.loadConfiguration()) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("cleanDisable") && text.contains("cleanDisabled"), text)
        }
    }

    func testParsedSettingsBecomeConfiguration() throws {
        let arguments = FlywayArguments.normalize(["-url=postgresql://u@/db?host=/tmp", "validate", "--schemas", "app", "-cleanDisabled=false"], knownKeys: keys)
        let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool.Validate)
        let configuration = try command.options.loadConfiguration()
        XCTAssertEqual(configuration.url, "postgresql://u@/db?host=/tmp")
        XCTAssertEqual(configuration.schemas, ["app"])
        XCTAssertFalse(configuration.cleanDisabled)
    }

    func testInfoTableRendering() {
        let table = TextTable.render(header: ["A", "Bee"], rows: [["1", "x"], ["22", "yyyy"]])
        XCTAssertEqual(table, """
            +----+------+
            | A  | Bee  |
            +----+------+
            | 1  | x    |
            | 22 | yyyy |
            +----+------+
            """)
    }

    func testOutputMasksSecrets() {
        let output = Output(secrets: ["hunter2"], quiet: false)
        XCTAssertEqual(output.redact("password=hunter2 and hunter2"), "password=*** and ***")
    }
}
