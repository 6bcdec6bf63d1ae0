import XCTest
@testable import MigrateCore

/// `migrate new`'s numbering and file names, without files or a clock.
final class VersionNumberingTests: XCTestCase {
    /// 2026-11-30 08:44:21 UTC.
    let now = 1_796_028_261

    func next(_ highest: String?) -> String { VersionNumbering.next(after: highest, now: now) }

    func testCountsUpTheLastPartKeepingPaddingAndSeparators() {
        XCTAssertEqual(next(nil), "1")
        XCTAssertEqual(next("1"), "2")
        XCTAssertEqual(next("9"), "10")
        XCTAssertEqual(next("001"), "002")
        XCTAssertEqual(next("009"), "010")
        XCTAssertEqual(next("099"), "100")
        XCTAssertEqual(next("999"), "1000")
        XCTAssertEqual(next("1_2"), "1_3")
        XCTAssertEqual(next("1.2"), "1.3")
        XCTAssertEqual(next("1.9"), "1.10")
        XCTAssertEqual(next("1_2.09"), "1_2.10")
        XCTAssertEqual(next("0"), "1")
        XCTAssertEqual(next("123456789012345678901234567899"), "123456789012345678901234567900")
    }

    func testTimestampsBecomeTheCurrentTimeAboveTheHighest() {
        XCTAssertEqual(next("20240829162505"), "20261130084421")
        XCTAssertEqual(next("202408291625"), "202611300844")
        // Ahead of the clock: one unit past it, rolling over as time does.
        XCTAssertEqual(next("20261130084421"), "20261130084422")
        XCTAssertEqual(next("20991231235959"), "21000101000000")
        XCTAssertEqual(next("202611300844"), "202611300845")
        XCTAssertEqual(next("202611302359"), "202612010000")
        // Flyway add's counter-then-timestamp versions.
        XCTAssertEqual(next("002_20240829162505"), "003_20261130084421")
        XCTAssertEqual(next("1.20240829162505"), "2.20261130084421")
    }

    func testNumbersThatAreNoDatesCountUp() {
        XCTAssertEqual(next("000000000042"), "000000000043")
        XCTAssertEqual(next("20241332000000"), "20241332000001")  // month 13
        XCTAssertEqual(next("20240230000000"), "20240230000001")  // 30 February
        XCTAssertEqual(next("20240101246000"), "20240101246001")  // hour 24
        XCTAssertEqual(next("2024082916250"), "2024082916251")    // 13 digits
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
