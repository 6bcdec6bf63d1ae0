import Foundation
import XCTest

@testable import MigrateCore

/// The targets file's lines, a target's settings laid over the fleet's, and what makes two listings one target.
final class FleetTargetsTests: XCTestCase {
    func testFieldsKeepQuotedBlanksAndStopAtAComment() throws {
        XCTAssertEqual(try TargetsFile.fields(of: "  'host=a dbname=b'  placeholders.name=\"Tenant Two\" schemas=t2 # note"),
                       ["host=a dbname=b", "placeholders.name=Tenant Two", "schemas=t2"])
        XCTAssertEqual(try TargetsFile.fields(of: "postgres://u:p#w@h/db"), ["postgres://u:p#w@h/db"], "a # inside a field is no comment")
        XCTAssertEqual(try TargetsFile.fields(of: "   # only a comment"), [])
        XCTAssertThrowsError(try TargetsFile.fields(of: "postgres://h/db placeholders.a='open"))
    }

    func testATargetsSettingsOverrideTheFleetsAndItsUrlsCredentialsWin() throws {
        var fleet = Configuration()
        fleet.user = "fleet_user"
        fleet.password = "fleet_pw"
        fleet.placeholders = ["tenant": "none", "region": "eu"]
        let target = FleetTarget(name: "t", listing: "targets.txt", line: 4, url: "postgresql://owner:pw@h/db",
                                 settings: [.init(key: "placeholders.tenant", value: "42"), .init(key: "schemas", value: "tenant_42")])
        let own = try target.configuration(over: fleet)
        XCTAssertEqual(own.placeholders, ["tenant": "42", "region": "eu"])
        XCTAssertEqual(own.schemas, ["tenant_42"])
        XCTAssertNil(own.user, "the url names its user")
        XCTAssertNil(own.password, "the url names its password")
        XCTAssertEqual(own.source(of: "schemas"), "targets.txt:4")
    }

    func testOnlyPerTargetSettingsMayBeOverridden() {
        let target = FleetTarget(name: "t", listing: "targets.txt", line: 2, url: "postgresql://h/db",
                                 settings: [.init(key: "sqlMigrationPrefix", value: "M")])
        XCTAssertThrowsError(try target.configuration(over: Configuration())) { error in
            XCTAssertTrue("\(error)".hasPrefix("targets.txt:2: sqlMigrationPrefix is the same for every target"), "\(error)")
        }
    }

    func testAUrlWithOrWithoutItsPasswordIsOneTarget() throws {
        var a = Configuration(), b = Configuration()
        a.url = "postgresql://app:secret@h:5432/db?sslmode=require"
        b.url = "postgresql://app@h:5432/db?sslmode=require"
        XCTAssertEqual(FleetTarget.identity(of: a), FleetTarget.identity(of: b))
        b.defaultSchema = "other"
        XCTAssertNotEqual(FleetTarget.identity(of: a), FleetTarget.identity(of: b))
    }
}
