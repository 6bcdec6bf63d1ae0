import XCTest

@testable import MigrateCore

/// Matching two catalogs: one-sided objects reported through their parent, differences by definition; and the
/// line diff the text report shows under a difference.
final class SchemaComparisonTests: XCTestCase {
    private func object(_ type: String, _ name: String, _ definition: String, parent: (String, String)? = ("Schema", "public")) -> CatalogObject {
        CatalogObject(key: .init(objectType: type, schema: "public", name: name), definition: definition,
                      parent: parent.map { .init(objectType: $0.0, schema: "public", name: $0.1) })
    }

    private func catalog(_ objects: [CatalogObject]) -> [CatalogObject.Key: CatalogObject] {
        Dictionary(uniqueKeysWithValues: objects.map { ($0.key, $0) })
    }

    func testOneSidedObjectsAreReportedThroughTheirParent() {
        let schema = object("Schema", "public", "CREATE SCHEMA public", parent: nil)
        let source = catalog([schema, object("Table", "orders", "CREATE TABLE public.orders (id int)"),
                              object("View", "v", "CREATE VIEW public.v AS SELECT 1")])
        let target = catalog([schema, object("Table", "orders", "CREATE TABLE public.orders (id bigint)"),
                              object("Table", "hotfix", "CREATE TABLE public.hotfix (id int)"),
                              object("Index", "hotfix_idx", "CREATE INDEX hotfix_idx …", parent: ("Table", "hotfix")),
                              object("Grant", "TABLE public.hotfix TO app", "GRANT …", parent: ("Table", "hotfix")),
                              object("Index", "orders_idx", "CREATE INDEX orders_idx …", parent: ("Table", "orders"))])
        let comparison = SchemaComparison(source: source, target: target)
        XCTAssertEqual(comparison.onlyInSource.map(\.label), ["view public.v"])
        XCTAssertEqual(comparison.onlyInSource.first?.definitionBefore, "CREATE VIEW public.v AS SELECT 1")
        XCTAssertNil(comparison.onlyInSource.first?.definitionAfter)
        // The new table's index and grant go with it; an index on a table both have is reported itself.
        XCTAssertEqual(comparison.onlyInTarget.map(\.label), ["table public.hotfix", "index public.orders_idx"])
        XCTAssertEqual(comparison.differences, [DriftedObject(name: "orders", schema: "public", objectType: "Table",
                                                              definitionBefore: "CREATE TABLE public.orders (id int)",
                                                              definitionAfter: "CREATE TABLE public.orders (id bigint)")])
        XCTAssertEqual(comparison.objectsCompared, 7)
        XCTAssertEqual(DriftedObject(name: "TABLE public.hotfix TO app", schema: "public", objectType: "Grant").label,
                       "grant TABLE public.hotfix TO app")
    }

    func testIdenticalCatalogsHaveNoDrift() {
        let objects = catalog([object("Table", "t", "CREATE TABLE public.t ()"), object("Function", "f()", "CREATE FUNCTION …")])
        let comparison = SchemaComparison(source: objects, target: objects)
        XCTAssertTrue(comparison.onlyInSource.isEmpty && comparison.onlyInTarget.isEmpty && comparison.differences.isEmpty)
    }

    func testLineDiffShowsOnlyChangedLinesRemovedFirst() {
        let before = "CREATE FUNCTION f()\nBEGIN\n  RETURN 1;\nEND"
        let after = "CREATE FUNCTION f()\nBEGIN\n  PERFORM log();\n  RETURN 2;\nEND"
        XCTAssertEqual(LineDiff.changes(from: before, to: after),
                       [.removed("  RETURN 1;"), .added("  PERFORM log();"), .added("  RETURN 2;")])
        XCTAssertEqual(LineDiff.changes(from: "a", to: "a"), [])
        XCTAssertEqual(LineDiff.changes(from: "a\nb", to: "b"), [.removed("a")])
        XCTAssertEqual(LineDiff.changes(from: "b", to: "b\nc"), [.added("c")])
    }
}
