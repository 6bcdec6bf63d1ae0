import XCTest
@testable import MigrateCore

/// How UNDO_SQL rows change what the history says (Flyway Teams' audit trail), and what `undo` picks.
extension MigrationStatusTests {
    func undoFile(_ version: String, _ description: String, checksum: Int32 = 7) -> MigrationFile {
        let name = "U\(version)__\(description).sql"
        return MigrationFile(kind: .undo(MigrationVersion(version)!), description: description, script: name, filepath: "/x/" + name,
                             checksum: checksum)
    }

    func undoRow(_ version: String, _ description: String, checksum: Int32? = 7, success: Bool = true) -> AppliedMigration {
        var undo = row(version, description, checksum: checksum, type: "UNDO_SQL", success: success)
        undo.script = "U\(version)__\(description).sql"
        return undo
    }

    var threeFiles: [MigrationFile] { [file("1", "a"), file("2", "b"), file("3", "c")] }
    var undoFiles: [MigrationFile] { [undoFile("2", "b"), undoFile("3", "c")] }

    func testUndoneRowThenUndoRowThenPendingAgain() {
        let status = MigrationStatus(resolved: threeFiles, applied: [row("1", "a"), row("2", "b"), row("3", "c"), undoRow("3", "c")],
                                     undoFiles: undoFiles)
        XCTAssertEqual(states(status), ["1:Success", "2:Success", "3:Undone", "3:Success", "3:Pending"])
        XCTAssertEqual(status.entries.map(\.category), ["Versioned", "Versioned", "Versioned", "Undo", "Versioned"])
        XCTAssertEqual(status.currentVersion?.text, "2")
        XCTAssertEqual(status.pending.map { $0.version!.text }, ["3"])
        XCTAssertEqual(status.entries[3].file?.script, "U3__c.sql", "the undo row is matched with its U file")
        XCTAssertEqual(status.entries.map { status.undoability(of: $0) },
                       [.no, .yes(undoFiles[0]), .notApplicable, .notApplicable, .yes(undoFiles[1])])
        XCTAssertTrue(status.validationProblems(allowPending: true, ignore: []).isEmpty)
    }

    func testReappliedAfterUndoIsInOrderAndTheAuditTrailStays() {
        let rows = [row("1", "a"), row("2", "b"), row("3", "c"), undoRow("3", "c"), undoRow("2", "b"), row("2", "b"), row("3", "c")]
        let status = MigrationStatus(resolved: threeFiles, applied: rows, undoFiles: undoFiles)
        XCTAssertEqual(states(status), ["1:Success", "2:Undone", "3:Undone", "3:Success", "2:Success", "2:Success", "3:Success"])
        XCTAssertEqual(status.currentVersion?.text, "3")
        XCTAssertTrue(status.pending.isEmpty)
        // The next undo reverts the re-applied V3 (rank 7), not the undone one.
        let plan = try! status.undoPlan(target: nil, cherryPick: [], locations: ["sql"])
        XCTAssertEqual(plan.map { $0.reverts.applied?.installedRank }, [7])
    }

    func testChangedUndoFileFailsValidationAndAFailedUndoIsAFailure() {
        var status = MigrationStatus(resolved: threeFiles, applied: [row("1", "a"), row("2", "b"), undoRow("2", "b", checksum: 6)],
                                     undoFiles: undoFiles)
        let problems = status.validationProblems(allowPending: true, ignore: [])
        XCTAssertEqual(problems.map(\.kind), [.checksumMismatch])
        XCTAssertTrue(problems[0].message.hasPrefix("Migration checksum mismatch for undo migration version 2\n-> Applied to database : 6\n-> Resolved locally    : 7"),
                      problems[0].message)
        XCTAssertEqual(problems[0].filepath, "/x/U2__b.sql")

        // A U file that failed outside a transaction: nothing is undone, and the failure shows.
        status = MigrationStatus(resolved: threeFiles, applied: [row("1", "a"), row("2", "b"), undoRow("2", "b", success: false)], undoFiles: undoFiles)
        XCTAssertEqual(states(status), ["1:Success", "2:Success", "2:Failed", "3:Pending"])
        XCTAssertEqual(status.currentVersion?.text, "2")
    }

    func testUndoPlanTargetsCherryPicksAndRefusals() throws {
        let all = [file("1", "a"), file("2", "b"), file("3", "c"), file("4", "d")]
        // Applied out of order: 1, 3, 4, then 2; undo goes by applied order, newest first.
        let rows = [row("1", "a"), row("3", "c"), row("4", "d"), row("2", "b")]
        let undos = [undoFile("2", "b"), undoFile("3", "c"), undoFile("4", "d")]
        let status = MigrationStatus(resolved: all, applied: rows, undoFiles: undos, outOfOrder: true)
        func versions(_ target: String?, _ picks: [String] = []) throws -> [String] {
            try status.undoPlan(target: target.map { MigrationVersion($0)! }, cherryPick: picks, locations: ["sql"]).map { $0.file.version!.text }
        }
        XCTAssertEqual(try versions(nil), ["2"])
        XCTAssertEqual(try versions("1"), ["2", "4", "3"])
        XCTAssertEqual(try versions("3"), ["4"])
        XCTAssertEqual(try versions("4"), [])
        XCTAssertEqual(try versions(nil, ["3", "4"]), ["4", "3"], "cherryPick: reverse of the listed order")

        XCTAssertThrowsError(try versions("0")) { error in
            XCTAssertEqual(String(describing: error), "Unable to undo migration to version 1 (a): no undo migration of version 1 was found in sql. Nothing was undone.")
        }
        XCTAssertThrowsError(try versions(nil, ["views"])) { XCTAssertTrue(String(describing: $0).contains("repeatables have no undo"), "\($0)") }
        XCTAssertThrowsError(try versions(nil, ["5"])) { XCTAssertTrue(String(describing: $0).contains("not applied"), "\($0)") }

        let baselined = MigrationStatus(resolved: all, applied: [row("2", "<< Flyway Baseline >>", checksum: nil, type: "BASELINE"), row("3", "c")],
                                        undoFiles: undos)
        XCTAssertEqual(try baselined.undoPlan(target: nil, cherryPick: [], locations: ["sql"]).map { $0.file.version!.text }, ["3"])
        XCTAssertThrowsError(try baselined.undoPlan(target: MigrationVersion("1"), cherryPick: [], locations: ["sql"])) {
            XCTAssertTrue(String(describing: $0).contains("version 2: it is the baseline"), "\($0)")
        }
        XCTAssertEqual(baselined.undoability(of: baselined.entries[0]), .no)
    }

    func testUndoFileNames() {
        let naming = MigrationNaming()
        XCTAssertEqual(naming.parse("U1.2__drop_orders.sql"), .undo(MigrationVersion("1.2")!, description: "drop orders"))
        XCTAssertEqual(MigrationNaming(undoPrefix: "UNDO").parse("UNDO3__x.sql"), .undo(MigrationVersion("3")!, description: "x"))
        // Longest prefix first: with undo prefix "VU", "VU1__x.sql" is an undo file, "V1__x.sql" a migration.
        let overlapping = MigrationNaming(undoPrefix: "VU")
        XCTAssertEqual(overlapping.parse("VU1__x.sql"), .undo(MigrationVersion("1")!, description: "x"))
        XCTAssertEqual(overlapping.parse("V1__x.sql"), .versioned(MigrationVersion("1")!, description: "x"))
        guard case .invalid(let reason) = naming.parse("U__x.sql") else { return XCTFail("an undo file needs a version") }
        XCTAssertTrue(reason.contains("missing version after 'U'"), reason)
    }
}
