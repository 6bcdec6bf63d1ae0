import XCTest
@testable import MigrateCore

final class MigrationVersionTests: XCTestCase {
    func v(_ text: String) -> MigrationVersion { MigrationVersion(text)! }

    func testNumericOrderPartByPart() {
        let sorted = ["10", "2", "1.1", "1", "1.10", "1.9", "1.2.10", "1.2.9"].map(v).sorted().map(\.text)
        XCTAssertEqual(sorted, ["1", "1.1", "1.2.9", "1.2.10", "1.9", "1.10", "2", "10"])
    }

    func testTrailingZerosAndLeadingZerosAreEqual() {
        XCTAssertEqual(v("1.0"), v("1"))
        XCTAssertEqual(v("1.0.0"), v("1"))
        XCTAssertEqual(v("001"), v("1"))
        XCTAssertEqual(v("1.01"), v("1.1"))
        XCTAssertEqual(Set([v("1.0"), v("1")]).count, 1)
        XCTAssertFalse(v("1.0") < v("1"))
        XCTAssertTrue(v("0.9") < v("1"))
    }

    func testUnderscoreBecomesDotAndTextIsKept() {
        XCTAssertEqual(v("1_2").text, "1.2")
        XCTAssertEqual(v("001").text, "001")
        XCTAssertEqual(v("2024_01_15"), v("2024.1.15"))
    }

    func testHugeVersionsCompareWithoutOverflow() {
        XCTAssertTrue(v("20240101120000") < v("20240101120001"))
        XCTAssertTrue(v("99999999999999999999999") < v("100000000000000000000000"))
    }

    func testMoreThanFourPartsAndTrailingZeroParts() {
        XCTAssertEqual(v("1.2.3.4.0"), v("1.2.3.4"))
        XCTAssertEqual(v("1.2.3.4.0.0"), v("1.2.3.4"))
        XCTAssertEqual(Set([v("1.2.3.4.0"), v("1.2.3.4")]).count, 1)
        XCTAssertEqual(v("1.2.3.4.5"), v("1.2.3.4.05"))
        XCTAssertNotEqual(v("1.2.3.4.5"), v("1.2.3.4"))
        XCTAssertEqual(Set([v("1.2.3.4.5"), v("1.2.3.4.05"), v("1.2.3.4")]).count, 2)
        let sorted = ["1.2.3.5", "1.2.3.4.0.6", "1.2.3.4.5", "1.2.3.4", "1.2.3.4.0.5", "1.2.3.3.9"].map(v).sorted().map(\.text)
        XCTAssertEqual(sorted, ["1.2.3.3.9", "1.2.3.4", "1.2.3.4.0.5", "1.2.3.4.0.6", "1.2.3.4.5", "1.2.3.5"])
    }

    func testInvalidVersions() {
        for text in ["", "1.x", "1..2", ".1", "1.", "a", "1-2", " 1"] {
            XCTAssertNil(MigrationVersion(text), text)
        }
    }
}

final class MigrationNamingTests: XCTestCase {
    let naming = MigrationNaming()

    func testVersionedAndRepeatable() {
        XCTAssertEqual(naming.parse("V1__init.sql"), .versioned(MigrationVersion("1")!, description: "init"))
        XCTAssertEqual(naming.parse("V1_1__add_status_column.sql"), .versioned(MigrationVersion("1.1")!, description: "add status column"))
        XCTAssertEqual(naming.parse("V2.0.1__x__y.sql"), .versioned(MigrationVersion("2.0.1")!, description: "x  y"))
        XCTAssertEqual(naming.parse("R__views.sql"), .repeatable(description: "views"))
        XCTAssertEqual(naming.parse("V3__upper.SQL"), .versioned(MigrationVersion("3")!, description: "upper"))
    }

    func testNotMigrations() {
        XCTAssertEqual(naming.parse("README.md"), .notAMigration)
        XCTAssertEqual(naming.parse("V1__x.sql.conf"), .notAMigration)
    }

    func testInvalidNamesSayWhy() {
        for name in ["V1_x.sql", "v1__x.sql", "V__x.sql", "V1.x__y.sql", "R1__x.sql", "init.sql"] {
            guard case .invalid(let reason) = naming.parse(name) else { return XCTFail("\(name) should be invalid") }
            XCTAssertTrue(reason.contains("V<version>__<description>.sql"), reason)
        }
    }

    func testCustomPrefixSeparatorSuffix() {
        let custom = MigrationNaming(versionedPrefix: "M", repeatablePrefix: "RR", separator: "-", suffixes: [".pgsql", ".sql"])
        XCTAssertEqual(custom.parse("M5-five.pgsql"), .versioned(MigrationVersion("5")!, description: "five"))
        XCTAssertEqual(custom.parse("RR-views.sql"), .repeatable(description: "views"))
    }

    func testBaselineMigrations() {
        XCTAssertEqual(naming.parse("B3__create_table.sql"), .baseline(MigrationVersion("3")!, description: "create table"))
        XCTAssertEqual(MigrationNaming(baselinePrefix: "IB").parse("IB1_2__x.sql"), .baseline(MigrationVersion("1.2")!, description: "x"))
        guard case .invalid(let reason) = naming.parse("B__x.sql") else { return XCTFail("B without a version is invalid") }
        XCTAssertTrue(reason.contains("missing version after 'B'"), reason)
    }

    func testCallbacksLongestEventFirst() {
        XCTAssertEqual(naming.parse("afterMigrate.sql"), .callback(.afterMigrate, description: ""))
        XCTAssertEqual(naming.parse("afterMigrate__grants_for_app.sql"), .callback(.afterMigrate, description: "grants for app"))
        XCTAssertEqual(naming.parse("afterMigrateApplied.sql"), .callback(.afterMigrateApplied, description: ""))
        XCTAssertEqual(naming.parse("beforeEachMigrateStatement__log.SQL"), .callback(.beforeEachMigrateStatement, description: "log"))
        XCTAssertEqual(naming.parse("beforeEachMigrate.sql"), .callback(.beforeEachMigrate, description: ""))
        XCTAssertEqual(naming.parse("createSchema.sql"), .callback(.createSchema, description: ""))
        XCTAssertEqual(MigrationNaming(separator: "-").parse("afterClean-vacuum.sql"), .callback(.afterClean, description: "vacuum"))
        // Every event is a callback name.
        for event in CallbackEvent.allCases {
            XCTAssertEqual(naming.parse("\(event.rawValue).sql"), .callback(event, description: ""), event.rawValue)
        }
    }

    func testNamesThatOnlyLookLikeCallbacksSayWhichEventWasMeant() {
        let cases = ["afterMigrat.sql": "did you mean afterMigrate", "AfterMigrate.sql": "did you mean afterMigrate",
                     "beforeMigration.sql": "did you mean beforeMigrate", "afterMigrateX__y.sql": "text after 'afterMigrate' must follow the '__' separator",
                     "beforeeachmigrate.sql": "did you mean beforeEachMigrate",
                     "beforeConnect.sql": "only as a script", "afterDeploy__x.sql": "deploy command, which migrate does not have"]
        for (name, expected) in cases {
            guard case .misnamedCallback(let reason) = naming.parse(name) else { return XCTFail("\(name): \(naming.parse(name))") }
            XCTAssertTrue(reason.contains(expected), "\(name): \(reason)")
        }
        // Not callbacks at all: still the migration naming error.
        guard case .invalid = naming.parse("add_orders.sql") else { return XCTFail("a plain name is a misnamed migration") }
    }

    /// Execution order: the fast path (four plain numbers) and the general one (longer versions) agree.
    func testExecutionOrderWithCompactAndLongVersions() {
        func file(_ version: String?, _ description: String) -> MigrationFile {
            MigrationFile(kind: version.map { .versioned(MigrationVersion($0)!) } ?? .repeatable, description: description,
                          script: description, filepath: "/x/" + description, checksum: 0)
        }
        let compact = [file("10", "j"), file("1.1", "b"), file(nil, "z"), file("2", "c"), file("1", "a"), file(nil, "m"), file("1.10", "d")]
        XCTAssertEqual(MigrationScanner.inExecutionOrder(compact).map(\.description), ["a", "b", "d", "c", "j", "m", "z"])
        let long = compact + [file("1.1.1.1.1", "e"), file("99999999999999999999", "k")]
        XCTAssertEqual(MigrationScanner.inExecutionOrder(long).map(\.description), ["a", "b", "e", "d", "c", "j", "k", "m", "z"])
    }
}
