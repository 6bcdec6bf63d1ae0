import XCTest
@testable import MigrateCore

/// `migrate new`'s numbering and file names, without files or a clock.
final class VersionNumberingTests: XCTestCase {
    /// 2026-11-30 08:44:21 UTC.
    let now = 1_796_028_261

    /// Each highest version and the one `new` gives after it.
    func assertNext(_ cases: KeyValuePairs<String, String>, file: StaticString = #filePath, line: UInt = #line) {
        for (highest, expected) in cases {
            XCTAssertEqual(VersionNumbering.next(after: highest, now: now), expected, "after \(highest)", file: file, line: line)
        }
    }

    func testCountsUpTheLastPartKeepingPaddingAndSeparators() {
        XCTAssertEqual(VersionNumbering.next(after: nil, now: now), "1")
        assertNext(["1": "2", "9": "10", "001": "002", "009": "010", "099": "100", "999": "1000", "0": "1",
                    "1_2": "1_3", "1.2": "1.3", "1.9": "1.10", "1_2.09": "1_2.10",
                    "123456789012345678901234567899": "123456789012345678901234567900"])
    }

    func testTimestampsBecomeTheCurrentTimeAboveTheHighest() {
        assertNext(["20240829162505": "20261130084421", "202408291625": "202611300844"])
        // Ahead of the clock: one unit past it, rolling over as time does.
        assertNext(["20261130084421": "20261130084422", "20991231235959": "21000101000000",
                    "202611300844": "202611300845", "202611302359": "202612010000"])
        // Flyway add's counter-then-timestamp versions.
        assertNext(["002_20240829162505": "003_20261130084421", "1.20240829162505": "2.20261130084421"])
    }

    func testNumbersThatAreNoDatesCountUp() {
        // Year 0000, month 13, 30 February, hour 24, 13 digits.
        assertNext(["000000000042": "000000000043", "20241332000000": "20241332000001", "20240230000000": "20240230000001",
                    "20240101246000": "20240101246001", "2024082916250": "2024082916251"])
    }

    func testDescriptionsBecomeNamesThatReadBackAsTyped() throws {
        XCTAssertEqual(try NextMigration.nameText(of: "add orders"), "add_orders")
        XCTAssertEqual(try NextMigration.nameText(of: "  add  orders \n"), "add__orders")
        XCTAssertEqual(try NextMigration.nameText(of: "feature_B"), "feature_B")
        XCTAssertEqual(try NextMigration.nameText(of: "élève 🎓"), "élève_🎓")
        XCTAssertThrowsError(try NextMigration.nameText(of: " \t ")) { XCTAssertEqual($0 as? NewMigrationError, .noDescription) }
        for unsafe in ["a/b", "a\\b", "a:b", "a*b", "a?b", "a\"b", "a<b", "a>b", "a|b", "a\u{7}b", "a\nb"] {
            XCTAssertThrowsError(try NextMigration.nameText(of: unsafe), unsafe) { error in
                guard case .unsafeCharacter = error as? NewMigrationError else { return XCTFail("\(unsafe): \(error)") }
            }
        }
    }
}
