import Foundation
@testable import MigrateCore
import XCTest

final class LocationWalkTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sql/2024"), withIntermediateDirectories: true)
        try Data().write(to: directory.appendingPathComponent("sql/V1__a.sql"))
        try Data().write(to: directory.appendingPathComponent("sql/2024/V2__b.sql"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    private func link(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }

    func testALinkBackToAFolderThatHoldsItIsReportedNotFollowed() throws {
        try link("sql/loop", to: "../sql")
        try link("sql/2024/up", to: "..")
        var walk = LocationWalk()
        let listing = try walk.list(path("sql"))
        XCTAssertEqual(listing.files.map(\.relativePath).sorted(), ["2024/V2__b.sql", "V1__a.sql"])
        XCTAssertEqual(listing.loops.map(\.link.relativePath), ["2024/up", "loop"])
        XCTAssertEqual(listing.loops.map(\.target), ["..", "../sql"])
    }

    func testAFolderReachedTwiceGivesItsFilesOnce() throws {
        try link("sql/again", to: "2024")
        var walk = LocationWalk()
        let first = try walk.list(path("sql"))
        XCTAssertEqual(first.files.map(\.relativePath).sorted(), ["2024/V2__b.sql", "V1__a.sql"], "real folders before links")
        XCTAssertEqual(first.loops.count, 0)
        XCTAssertEqual(try walk.list(path("sql/2024")).files.count, 0, "a location inside one already read")
        XCTAssertEqual(try walk.list(path("sql/../sql")).files.count, 0, "the same location twice")
    }

    func testALinkToAFolderOutsideIsFollowedOnce() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("shared"), withIntermediateDirectories: true)
        try Data().write(to: directory.appendingPathComponent("shared/V3__c.sql"))
        try link("sql/one", to: "../shared")
        try link("sql/two", to: "../shared")
        var walk = LocationWalk()
        let listing = try walk.list(path("sql"))
        XCTAssertEqual(listing.files.map(\.relativePath).sorted(), ["2024/V2__b.sql", "V1__a.sql", "one/V3__c.sql"])
    }

    func testBrokenLinksAreListedWithTheirReason() throws {
        try link("sql/gone.sql", to: "nowhere.sql")
        try link("sql/a", to: "b")
        try link("sql/b", to: "a")
        var walk = LocationWalk()
        let listing = try walk.list(path("sql"))
        XCTAssertEqual(listing.brokenLinks.map(\.link.relativePath), ["a", "b", "gone.sql"])
        XCTAssertEqual(listing.brokenLinks.map(\.target), ["b", "a", "nowhere.sql"])
        XCTAssertEqual(listing.brokenLinks.last?.reason, "No such file or directory")
        XCTAssertEqual(listing.brokenLinks.first?.reason, "Too many levels of symbolic links")
    }

    func testAFolderThatCannotBeListedThrowsItsPath() throws {
        var walk = LocationWalk()
        XCTAssertThrowsError(try walk.list(path("sql/V1__a.sql"))) { error in
            XCTAssertEqual((error as? FileSystemError)?.path, self.path("sql/V1__a.sql"))
        }
    }
}
