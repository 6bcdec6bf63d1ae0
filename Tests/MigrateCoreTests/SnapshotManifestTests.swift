import Foundation
import XCTest

@testable import MigrateCore

/// The parts of `snapshot` and `seed` that need no database: the manifest, header lines, load order, masks.
final class SnapshotManifestTests: XCTestCase {
    func testManifestTextParsesBackToTheSameManifest() throws {
        var manifest = SnapshotManifest(schemaVersion: MigrationVersion("006")!, versionText: "006", created: "2026-11-30T12:00:00Z",
                                        tables: ["sites", "machines", "other.log"])
        manifest.rows = ["sites": 2, "machines": 6, "other.log": 0]
        manifest.masked = ["machines": ["api_token", "serial"]]
        manifest.excluded = ["audit_log"]
        XCTAssertEqual(try SnapshotManifest(parsing: manifest.text, path: "seed/v006/manifest"), manifest)
    }

    func testManifestProblemsNameTheFileAndLine() {
        func problem(_ text: String) -> String {
            do {
                _ = try SnapshotManifest(parsing: text, path: "seed/v1/manifest")
                return "parsed"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(problem("schema_version=1\ntables=a\nrows.a=x\n"), "seed/v1/manifest:3: rows.a must be a row count, got 'x'")
        XCTAssertTrue(problem("# c\nschema_version=1\ntabels=a\n").hasPrefix("seed/v1/manifest:3: unknown key 'tabels'"))
        XCTAssertTrue(problem("tables=a\n").hasPrefix("seed/v1/manifest: no schema_version"))
        XCTAssertTrue(problem("schema_version=1\n").hasPrefix("seed/v1/manifest: no tables"))
        XCTAssertEqual(problem("schema_version=1\nnonsense\n"), "seed/v1/manifest:2: expected key=value, got 'nonsense'")
    }

    func testHeaderLinesWithQuotedNames() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("header-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("id,\"a, b\",\"say \"\"hi\"\"\"\r\n1,2,3\n".utf8).write(to: file)
        XCTAssertEqual(try SnapshotFolder.header(of: file.path, display: "t.csv"), ["id", "a, b", "say \"hi\""])
        try Data("id,,x\n".utf8).write(to: file)
        XCTAssertThrowsError(try SnapshotFolder.header(of: file.path, display: "t.csv")) { error in
            XCTAssertEqual("\(error)", "t.csv:1: column 2 of the header line has no name")
        }
        try Data("".utf8).write(to: file)
        XCTAssertThrowsError(try SnapshotFolder.header(of: file.path, display: "t.csv"))
    }

    func testLoadOrderPutsParentsFirstIgnoresSelfReferencesAndBreaksCycles() {
        let tables = ["a", "b", "c", "d", "e"].map { DataTable(schema: "s", name: $0, label: $0) }
        let catalog = DataTables(tables: tables, references: [
            (child: "a", parent: "c"), (child: "c", parent: "e"), (child: "e", parent: "e"),
            (child: "b", parent: "d"), (child: "d", parent: "b"),
        ])
        let (order, cycles) = catalog.loadOrder(["a", "b", "c", "d", "e"])
        XCTAssertEqual(order, ["e", "c", "a", "b", "d"])
        XCTAssertEqual(cycles, ["b"])
        // References to tables left out do not hold anything back.
        XCTAssertEqual(catalog.loadOrder(["a", "c"]).order, ["c", "a"])
        XCTAssertEqual(catalog.loadOrder(["a"]).order, ["a"])
    }

    func testMasksKeepTheColumnsType() {
        func column(_ base: String, category: String = "U", length: Int? = nil) -> DataColumn {
            DataColumn(name: "c", type: base, baseType: base, category: category, isGenerated: false, maxLength: length, sequence: nil)
        }
        XCTAssertEqual(SnapshotPlan.maskExpression(for: column("text", category: "S"), quoted: "\"c\""), "'masked-' || md5(\"c\"::text)")
        XCTAssertEqual(SnapshotPlan.maskExpression(for: column("character varying", category: "S", length: 12), quoted: "c"), "left(md5(c::text), 12)")
        XCTAssertEqual(SnapshotPlan.maskExpression(for: column("uuid"), quoted: "c"), "md5(c::text)::uuid")
        XCTAssertEqual(SnapshotPlan.maskExpression(for: column("bytea"), quoted: "c"), "decode(md5(c::text), 'hex')")
        XCTAssertNil(SnapshotPlan.maskExpression(for: column("bigint", category: "N"), quoted: "c"))
        XCTAssertTrue(SnapshotPlan.looksSecret("Password_Hash"))
        XCTAssertTrue(SnapshotPlan.looksSecret("github_api_key"))
        XCTAssertFalse(SnapshotPlan.looksSecret("email"))
    }
}
