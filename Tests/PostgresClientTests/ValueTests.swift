import PostgresClient
import XCTest

/// Types that need no server.
final class ValueTests: XCTestCase {
    func testAffectedRowsReadsTheCommandTagLikePQcmdTuples() {
        let cases: [(String, Int?)] = [
            ("INSERT 0 5", 5), ("INSERT 0 0", 0), ("UPDATE 3", 3), ("DELETE 0", 0), ("SELECT 12", 12),
            ("MERGE 2", 2), ("COPY 5000", 5000), ("FETCH 1", 1), ("MOVE 4", 4),
            ("CREATE TABLE", nil), ("BEGIN", nil), ("", nil), ("INSERT 0", nil), ("UPDATE x", nil),
            ("SELECT", nil), ("INSERT 0 1 2", nil),
        ]
        for (tag, expected) in cases {
            XCTAssertEqual(QueryResult(commandTag: tag).affectedRows, expected, tag)
        }
    }

    func testQueryResultAccessors() {
        let result = QueryResult(columns: ["a", "b"], rows: [["1", nil], ["2", "x"]], commandTag: "SELECT 2")
        XCTAssertEqual(result.value("b", row: 1), "x")
        XCTAssertNil(result.value("b"))
        XCTAssertNil(result.value("c"))
        XCTAssertNil(result.value("a", row: 2))
        XCTAssertEqual(result.scalar, "1")
        XCTAssertFalse(result.isEmpty)
        XCTAssertNil(QueryResult().scalar)
        XCTAssertTrue(QueryResult().isEmpty)
    }

    func testSQLStatePatternsMatchCodesAndClasses() {
        XCTAssertTrue(SQLState.uniqueViolation ~= SQLState("23505"))
        XCTAssertTrue(SQLState.integrityConstraintViolation ~= SQLState.uniqueViolation)
        XCTAssertFalse(SQLState.uniqueViolation ~= SQLState.integrityConstraintViolation)
        XCTAssertFalse(SQLState.uniqueViolation ~= SQLState.foreignKeyViolation)
        XCTAssertFalse(SQLState.syntaxErrorOrAccessRuleViolation ~= SQLState.uniqueViolation)
        XCTAssertFalse(SQLState.undefinedTable ~= (nil as SQLState?))
        XCTAssertNotEqual(SQLState.integrityConstraintViolation, SQLState.uniqueViolation)
        XCTAssertEqual(SQLState.lockNotAvailable.classCode, "55")
        XCTAssertEqual(SQLState.undefinedTable.rawValue, "42P01")
        XCTAssertEqual("\(SQLState.insufficientPrivilege)", "42501")

        let error: Error = PostgresError(message: "boom", sqlState: .lockNotAvailable)
        XCTAssertTrue(SQLState.lockNotAvailable ~= error)
        XCTAssertTrue(SQLState.objectNotInPrerequisiteState ~= error)
        XCTAssertFalse(SQLState.queryCanceled ~= error)
        XCTAssertFalse(SQLState.lockNotAvailable ~= (PostgresError(message: "no state") as Error))

        func kind(_ state: SQLState?) -> String {
            switch state {
            case .uniqueViolation: return "unique"
            case .integrityConstraintViolation: return "integrity"
            case nil: return "none"
            default: return "other"
            }
        }
        XCTAssertEqual(kind(.uniqueViolation), "unique")
        XCTAssertEqual(kind(.foreignKeyViolation), "integrity")
        XCTAssertEqual(kind(nil), "none")
        XCTAssertEqual(kind(.syntaxError), "other")
    }

    func testPostgresErrorDescription() {
        var error = PostgresError(message: "could not connect")
        XCTAssertEqual(error.description, "could not connect")
        error.sqlState = .syntaxError
        XCTAssertEqual(error.description, "could not connect (SQLSTATE 42601)")
        error.hint = "try again"
        XCTAssertEqual(error.description, "could not connect (SQLSTATE 42601)\nHINT: try again")
        error.detail = "details"
        XCTAssertEqual(error.description, "could not connect (SQLSTATE 42601)\nDETAIL: details\nHINT: try again")
        XCTAssertEqual(error.localizedDescription, error.description)
        error.position = 7
        XCTAssertTrue(String(reflecting: error).contains("position: 7"))
    }
}
