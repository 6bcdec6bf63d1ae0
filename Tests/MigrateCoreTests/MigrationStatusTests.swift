import Foundation
import XCTest
@testable import MigrateCore

final class MigrationStatusTests: XCTestCase {
    func file(_ version: String?, _ description: String, checksum: Int32 = 1) -> MigrationFile {
        let kind: MigrationKind = version.map { .versioned(MigrationVersion($0)!) } ?? .repeatable
        let name = version.map { "V\($0)__\(description).sql" } ?? "R__\(description).sql"
        return MigrationFile(kind: kind, description: description, script: name, filepath: "/x/" + name, checksum: checksum)
    }

    var rank = 0
    func row(_ version: String?, _ description: String, checksum: Int32? = 1, type: String = "SQL", success: Bool = true) -> AppliedMigration {
        rank += 1
        return AppliedMigration(installedRank: rank, version: version.flatMap(MigrationVersion.init), versionText: version, description: description,
                                type: type, script: version.map { "V\($0)__\(description).sql" } ?? "R__\(description).sql", checksum: checksum,
                                installedBy: "me", installedOn: "2026-01-01 00:00:00", executionTime: 1, success: success)
    }

    func states(_ status: MigrationStatus) -> [String] {
        status.entries.map { "\($0.version ?? $0.description):\($0.state.rawValue)" }
    }

    func testPendingInVersionOrderThenRepeatables() {
        let files = [file("1", "a"), file("1.1", "b"), file("2", "c"), file("10", "d"), file(nil, "views")]
        let status = MigrationStatus(resolved: files, applied: [])
        XCTAssertEqual(status.pending.map { $0.version?.text ?? $0.description }, ["1", "1.1", "2", "10", "views"])
    }

    func testAppliedAreSuccessAndNothingPending() {
        let files = [file("1", "a"), file("2", "b")]
        let status = MigrationStatus(resolved: files, applied: [row("1", "a"), row("2", "b")])
        XCTAssertEqual(states(status), ["1:Success", "2:Success"])
        XCTAssertTrue(status.pending.isEmpty)
        XCTAssertEqual(status.currentVersion?.text, "2")
        XCTAssertTrue(status.validationProblems(allowPending: false, ignore: []).isEmpty)
    }

    func testChecksumMismatchUsesFlywayWording() {
        let status = MigrationStatus(resolved: [file("1", "a", checksum: 5)], applied: [row("1", "a", checksum: 4)])
        let problems = status.validationProblems(allowPending: true, ignore: [])
        XCTAssertEqual(problems.map(\.kind), [.checksumMismatch])
        XCTAssertEqual(problems[0].message, "Migration checksum mismatch for migration version 1\n-> Applied to database : 4\n-> Resolved locally    : 5\nEither revert the changes to the migration, or run repair to update the schema history.")
    }

    func testMissingFutureIgnoredPendingFailed() {
        let files = [file("1", "a"), file("3", "c"), file("5", "e")]
        let rows = [row("1", "a"), row("2", "b"), row("4", "d"), row("6", "f", success: false)]
        let status = MigrationStatus(resolved: files, applied: rows)
        XCTAssertEqual(states(status), ["1:Success", "2:Missing", "4:Missing", "6:Failed (Future)", "3:Ignored", "5:Pending"])
        let kinds = status.validationProblems(allowPending: false, ignore: try! IgnorePattern.parse(["*:future"])).map(\.kind)
        XCTAssertEqual(kinds, [.missingLocally, .missingLocally, .notApplied, .pending])
        XCTAssertEqual(status.validationProblems(allowPending: true, ignore: []).map(\.kind),
                       [.missingLocally, .missingLocally, .failedMigration, .notApplied])
        let messages = status.validationProblems(allowPending: false, ignore: []).map(\.message)
        XCTAssertTrue(messages.contains { $0.hasPrefix("Detected applied migration not resolved locally: 2.") })
        XCTAssertTrue(messages.contains { $0.hasPrefix("Detected resolved migration not applied to database: 3.\nTo ignore this migration") })
        XCTAssertTrue(messages.contains { $0.hasPrefix("Detected resolved migration not applied to database: 5.\nTo fix this error, either run migrate") })
    }

    func testOutOfOrderMakesIgnoredPending() {
        let status = MigrationStatus(resolved: [file("1", "a"), file("2", "b"), file("3", "c")], applied: [row("1", "a"), row("3", "c")], outOfOrder: true)
        XCTAssertEqual(status.pending.map { $0.version!.text }, ["2"])
    }

    func testBaselineHidesOlderFilesAndTargetStops() {
        let files = [file("1", "a"), file("2", "b"), file("3", "c"), file("4", "d")]
        let status = MigrationStatus(resolved: files, applied: [row("2", "<< Flyway Baseline >>", checksum: nil, type: "BASELINE")],
                                     target: .version(MigrationVersion("3")!))
        XCTAssertEqual(states(status), ["2:Baseline", "1:Below Baseline", "3:Pending", "4:Above Target"])
        XCTAssertEqual(status.pending.map { $0.version!.text }, ["3"])
        XCTAssertTrue(status.validationProblems(allowPending: true, ignore: []).isEmpty)
    }

    func testRepeatablesOutdatedAndSuperseded() {
        let files = [file("1", "a"), file(nil, "views", checksum: 9), file(nil, "funcs", checksum: 3)]
        let rows = [row("1", "a"), row(nil, "views", checksum: 7), row(nil, "views", checksum: 8), row(nil, "funcs", checksum: 3)]
        let status = MigrationStatus(resolved: files, applied: rows)
        XCTAssertEqual(states(status), ["1:Success", "views:Superseded", "views:Outdated", "funcs:Success"])
        XCTAssertEqual(status.pending.map(\.description), ["views"])
        XCTAssertEqual(status.validationProblems(allowPending: false, ignore: []).map(\.kind), [.outdatedRepeatable])
    }

    func testDeletedRowsCancelMissing() {
        let rows = [row("1", "a"), row("2", "b"), row("2", "b", type: "DELETE")]
        let status = MigrationStatus(resolved: [file("1", "a")], applied: rows)
        XCTAssertEqual(states(status), ["1:Success", "2:Deleted", "2:Deleted"])
        XCTAssertTrue(status.validationProblems(allowPending: false, ignore: []).isEmpty)
    }

    func testIgnorePatternsParse() throws {
        XCTAssertEqual(try IgnorePattern.parse(["*:pending", "Repeatable:Missing"]), [IgnorePattern(type: "*", status: "pending"), IgnorePattern(type: "repeatable", status: "missing")])
        XCTAssertThrowsError(try IgnorePattern.parse(["pending"]))
    }
}
