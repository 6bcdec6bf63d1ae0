import TOML
import XCTest

/// TOMLKit's values copied into TOMLNode, and the lines of keys found in the text.
final class TOMLDocumentTests: XCTestCase {
    func testValuesOfEveryKind() throws {
        let document = try TOMLDocument(parsing: """
            s = "text"
            i = -7
            f = 2.5
            b = true
            d = 1979-05-27T07:32:00Z
            a = ["x", 1]
            [t]
            k = 'v'
            """)
        XCTAssertEqual(document.root["s"], .string("text"))
        XCTAssertEqual(document.root["i"], .integer(-7))
        XCTAssertEqual(document.root["f"], .float(2.5))
        XCTAssertEqual(document.root["b"], .boolean(true))
        XCTAssertEqual(document.root["d"], .dateTime)
        XCTAssertEqual(document.root["a"], .array([.string("x"), .integer(1)]))
        XCTAssertEqual(document.root["t"], .table(["k": .string("v")]))
    }

    func testLinesOfKeysWhereverTheyAreWritten() throws {
        let document = try TOMLDocument(parsing: """
            top = 1   # a comment with [brackets] and key = "value"
            [flyway]
            locations = [
              "filesystem:a",  # more
              "filesystem:b",
            ]
            initSql = \"\"\"
            SET a = 1;
            [not.a.table]
            \"\"\"
            literal = '''
            x = 1
            '''
            "quoted.key" = 2
            dotted . key = 3
            inline = { first = 1, second = { third = "}" } }
            after = true

            [ environments . "prod db" ]
            url = "u"
            [environments.prod.flyway]
            table = "t"
            [[array.of.tables]]
            name = "n"
            """)
        XCTAssertEqual(document.line(of: ["top"]), 1)
        XCTAssertEqual(document.line(of: ["flyway"]), 2)
        XCTAssertEqual(document.line(of: ["flyway", "locations"]), 3)
        XCTAssertEqual(document.line(of: ["flyway", "initSql"]), 7)
        XCTAssertEqual(document.line(of: ["flyway", "literal"]), 11)
        XCTAssertEqual(document.line(of: ["flyway", "quoted.key"]), 14)
        XCTAssertEqual(document.line(of: ["flyway", "dotted", "key"]), 15)
        XCTAssertEqual(document.line(of: ["flyway", "inline", "second", "third"]), 16)
        XCTAssertEqual(document.line(of: ["flyway", "after"]), 17)
        XCTAssertEqual(document.line(of: ["environments", "prod db", "url"]), 20)
        XCTAssertEqual(document.line(of: ["environments", "prod"]), 21, "a table named only by a dotted header")
        XCTAssertEqual(document.line(of: ["environments", "prod", "flyway", "table"]), 22)
        XCTAssertEqual(document.line(of: ["array", "of", "tables", "name"]), 24)
        XCTAssertNil(document.root["not"])
    }

    func testSyntaxErrorsCarryLineAndColumn() {
        XCTAssertThrowsError(try TOMLDocument(parsing: "a = 1\nb = \n")) { error in
            let syntax = error as? TOMLSyntaxError
            XCTAssertEqual(syntax?.line, 2)
            XCTAssertGreaterThan(syntax?.column ?? 0, 1)
            XCTAssertFalse(syntax?.message.isEmpty ?? true)
        }
    }
}
