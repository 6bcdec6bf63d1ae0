import Foundation
import XCTest

@testable import MigrateCore

/// The `check.` settings `check -drift` implements, and those of Flyway's check it refuses.
final class CheckDriftSettingsTests: ConfigurationTestCase {
    func testBuildSettingsFromEverySource() throws {
        try write("flyway.conf", "flyway.check.buildUrl=jdbc:postgresql://db:5433/build\nflyway.check.failOnDrift=false\n")
        let configuration = try load([("check.buildUser", "builder")], environment: ["FLYWAY_CHECK_BUILD_PASSWORD": "s3cret-pw"])
        XCTAssertEqual(configuration.checkBuildUrl, "jdbc:postgresql://db:5433/build")
        XCTAssertEqual(configuration.checkBuildUser, "builder")
        XCTAssertEqual(configuration.checkBuildPassword, "s3cret-pw")
        XCTAssertFalse(configuration.checkFailOnDrift)
        XCTAssertTrue(Configuration().checkFailOnDrift, "drift fails the run unless told otherwise")
        XCTAssertEqual(configuration.source(of: "check.buildPassword"), "environment variable FLYWAY_CHECK_BUILD_PASSWORD")
        XCTAssertFalse(configuration.description.contains("s3cret-pw"), configuration.description)
    }

    func testBuildPasswordsAreSecrets() throws {
        let configuration = try load([("check.buildUrl", "postgresql://builder:url-pw@db/build"), ("check.buildPassword", "key-pw")])
        XCTAssertTrue(configuration.secrets.contains("url-pw"), "\(configuration.secrets)")
        XCTAssertTrue(configuration.secrets.contains("key-pw"), "\(configuration.secrets)")
    }

    func testBadBuildURLAndCredentialsWithoutOneAreRefused() {
        XCTAssertEqual(loadError([("check.buildUrl", "mysql://db/x")]),
                       "command line -check.buildUrl: unsupported URL scheme 'mysql' (expected jdbc:postgresql://host:port/database, postgres://…, postgresql://… or a libpq string like 'host=… dbname=…')")
        XCTAssertEqual(loadError([("check.buildUser", "builder")]),
                       "command line -check.buildUser: it is for the database check.buildUrl names; set check.buildUrl too")
    }

    func testFlywaysOtherCheckSettingsAreRefused() throws {
        try write("flyway.conf", "flyway.check.buildEnvironment=build\n")
        XCTAssertEqual(loadError([("check.generateDriftResolutionScripts", "true")]), """
            flyway.conf:1: flyway.check.buildEnvironment is not supported by migrate: migrate's check has -drift only, set with check.buildUrl, check.buildUser, check.buildPassword and check.failOnDrift
            command line -check.generateDriftResolutionScripts: flyway.check.generateDriftResolutionScripts is not supported by migrate: migrate's check has -drift only, set with check.buildUrl, check.buildUser, check.buildPassword and check.failOnDrift
            """)
    }
}
