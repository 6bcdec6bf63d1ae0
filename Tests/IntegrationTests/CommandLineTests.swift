import ArgumentParser
import MigrateCore
import PostgresClient
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
        let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool)
        XCTAssertThrowsError(try command.loadConfiguration()) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("cleanDisable") && text.contains("cleanDisabled"), text)
        }
    }

    func testParsedSettingsBecomeConfiguration() throws {
        let arguments = FlywayArguments.normalize(["-url=postgresql://u@/db?host=/tmp", "validate", "--schemas", "app", "-cleanDisabled=false"], knownKeys: keys)
        let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool)
        XCTAssertEqual(command.commands, [.validate])
        let configuration = try command.loadConfiguration()
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

    func testSeveralCommandsDebugAndHelpSpellings() throws {
        let arguments = FlywayArguments.normalize(["migrate", "-cleanDisabled=false", "clean", "migrate", "validate", "-X", "-q"], knownKeys: keys)
        let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool)
        XCTAssertEqual(command.commands, [.migrate, .clean, .migrate, .validate])
        XCTAssertTrue(command.debug)
        XCTAssertTrue(command.quiet)
        XCTAssertEqual(MigrateTool.helpAliases(["-?"]), ["--help"])
        XCTAssertEqual(MigrateTool.helpAliases(["help"]), ["--help"])
        XCTAssertThrowsError(try MigrateTool.parseAsRoot(["banana"]))
    }

    /// The common path skips swift-argument-parser; it must read what the parser reads, and leave the rest to it.
    func testFastPathAgreesWithTheParser() throws {
        for line in [["migrate", "-cleanDisabled=false", "clean", "migrate", "validate", "-X", "-q"],
                     ["-url=postgres://x/db", "info", "--schemas", "a,b"], ["--out-of-order", "migrate", "--quiet", "--debug"]] {
            let arguments = FlywayArguments.normalize(line, knownKeys: keys)
            let parsed = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool).invocation
            let fast = try XCTUnwrap(Invocation.fastParse(arguments), "\(line)")
            XCTAssertEqual(fast.commands, parsed.commands)
            XCTAssertEqual(fast.settings, parsed.settings)
            XCTAssertEqual(fast.quiet, parsed.quiet)
            XCTAssertEqual(fast.debug, parsed.debug)
        }
        for line in [["--help"], ["--version"], ["banana"], ["-url=x"], ["migrate", "-h"]] {
            XCTAssertNil(Invocation.fastParse(FlywayArguments.normalize(line, knownKeys: keys)), "\(line)")
        }
    }

    func testVersionAnsweredEarlyMatchesTheParsersAnswer() throws {
        let project = try MigrateProject()
        let early = try project.migrate(["--version"], withURL: false)
        XCTAssertEqual(early.status, 0, early.output)
        XCTAssertEqual(early.stdout, MigrateTool.version + "\n")
        XCTAssertEqual(MigrateTool.configuration.version, MigrateTool.version)
        XCTAssertEqual(try project.migrate(["-url=postgresql:///x", "--version"], withURL: false).stdout, early.stdout)
        XCTAssertTrue(Invocation.asksOnlyForVersion(FlywayArguments.normalize(["-user=me", "--version"], knownKeys: keys)))
        XCTAssertFalse(Invocation.asksOnlyForVersion(FlywayArguments.normalize(["migrate", "--version"], knownKeys: keys)))
        // With anything else on the line the argument parser answers: the same text.
        let parsed = try project.migrate(["-q", "--version"], withURL: false)
        XCTAssertEqual(parsed.status, 0, parsed.output)
        XCTAssertEqual(parsed.stdout, early.stdout)
    }

    func testEveryKeySpellingFoldsToTheSameSetting() throws {
        for spelling in [["-baselineVersion=2"], ["--baseline-version", "2"], ["--baseline_version", "2"], ["--BASELINE_VERSION=2"]] {
            let arguments = FlywayArguments.normalize(["baseline"] + spelling, knownKeys: keys)
            let command = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool)
            XCTAssertEqual(try command.loadConfiguration().baselineVersion, "2", "\(spelling)")
        }
    }

    func testEnvironmentsAndTheirSelectionInEverySpelling() throws {
        let arguments = FlywayArguments.normalize(["-environments.ci.url=postgres://ci/db", "info",
                                                   "--environments.ci.flyway.table", "ci_history", "--environment", "ci"], knownKeys: keys)
        XCTAssertEqual(arguments, ["info", "--setting", "environments.ci.url=postgres://ci/db",
                                   "--setting", "environments.ci.flyway.table=ci_history", "--setting", "environment=ci"])
        let configuration = try XCTUnwrap(try MigrateTool.parseAsRoot(arguments) as? MigrateTool).loadConfiguration()
        XCTAssertEqual(configuration.environment, "ci")
        XCTAssertEqual(configuration.url, "postgres://ci/db")
        XCTAssertEqual(configuration.table, "ci_history")
    }

    func testOutputMasksSecretsOnlyWhereTheyAreValues() {
        let masker = SecretMasker(secrets: ["e"])
        XCTAssertEqual(masker.mask("Created schema \"s2\" where every e stays"), "Created schema \"s2\" where every e stays")
        XCTAssertFalse(masker.mask("postgres://u:e@h/db").contains(":e@"))
    }
}
