import XCTest
@testable import MigrateCore

final class PlaceholderReplacerTests: XCTestCase {
    func testReplacesCaseInsensitivelyEverywhere() throws {
        let replacer = PlaceholderReplacer(values: ["Schema": "app", "flyway:defaultSchema": "public"])
        let texts = try scriptTexts("""
            -- ${schema}
            CREATE TABLE ${schema}.t (note text DEFAULT '${SCHEMA}');
            SET search_path = ${flyway:defaultschema};
            SELECT $$ ${Schema} $$
            """, placeholders: replacer)
        XCTAssertEqual(texts, [
            "CREATE TABLE app.t (note text DEFAULT 'app')", "SET search_path = public", "SELECT $$ app $$",
        ])
    }

    func testCustomPrefixAndSuffix() throws {
        let replacer = PlaceholderReplacer(values: ["x": "1", "y": "2"], prefix: "#[", suffix: "]]")
        XCTAssertEqual(try replacer.replace(in: "SELECT #[x]], '#[Y]]', ${x}, #[x], #[ x]]", file: "f", lineNumber: 1),
                       "SELECT 1, '2', ${x}, #[x], #[ x]]")
        // A suffix that starts with a name character still ends the name.
        let dashSuffix = PlaceholderReplacer(values: ["a": "v", "a-b": "w"], prefix: "<", suffix: "->")
        XCTAssertEqual(try dashSuffix.replace(in: "<a-> <a-b-> <->", file: "f", lineNumber: 1), "v w <->")
    }

    func testUnknownPlaceholderNamesFileLineAndColumn() {
        let error = scriptError("SELECT 1;\nSELECT 'é${missing}';", displayName: "V2__p.sql",
                                placeholders: PlaceholderReplacer(values: [:]))
        XCTAssertEqual(error, SQLScriptError(file: "V2__p.sql", line: 2, column: 10,
                                             message: "No value provided for placeholder ${missing}"))

        let custom = PlaceholderReplacer(values: [:], prefix: "#[", suffix: "]")
        XCTAssertThrowsError(try custom.replace(in: "a #[Who]", file: "R__x.sql", lineNumber: 7)) {
            XCTAssertEqual("\($0)", "R__x.sql:7:3: No value provided for placeholder #[Who]")
        }
    }

    func testPrefixWithoutPlaceholderIsLeftAlone() throws {
        let replacer = PlaceholderReplacer(values: ["a": "1"])
        for text in ["SELECT '${not closed'", "SELECT '${ spaced }'", "SELECT '${}'", "x ${a", "$", "${", "}"] {
            XCTAssertEqual(try replacer.replace(in: text, file: "f", lineNumber: 1), text)
        }
        // A suffix on the next line does not close a placeholder.
        XCTAssertEqual(try scriptTexts("SELECT '${a\n}'", placeholders: replacer), ["SELECT '${a\n}'"])
    }

    func testValuesAreNotScannedAgain() throws {
        let replacer = PlaceholderReplacer(values: ["a": "${b}", "b": "no"])
        XCTAssertEqual(try replacer.replace(in: "${a}${a}", file: "f", lineNumber: 1), "${b}${b}")
    }

    func testReplacementHappensBeforeSplitting() throws {
        let replacer = PlaceholderReplacer(values: ["stmts": "1; SELECT 2", "q": "'"])
        XCTAssertEqual(try scriptTexts("SELECT ${stmts};", placeholders: replacer), ["SELECT 1", "SELECT 2"])
        XCTAssertEqual(try scriptStatements("SELECT ${q}x;y${q}; SELECT 3", placeholders: replacer).map(\.column), [1, 15])
    }

    func testReplacesInCopyData() throws {
        var reader = SQLScriptReader(text: "COPY t FROM stdin;\n${v}\t${V}\n\\.\n", displayName: "d.sql",
                                     placeholders: PlaceholderReplacer(values: ["v": "42"]))
        XCTAssertEqual(try reader.allElements(), [
            statement("COPY t FROM stdin", line: 1, copy: true), .copyData("42\t42\n"), .copyEnd(line: 3),
        ])
        let error = scriptError("COPY t FROM stdin;\n1\n${nope}\n", placeholders: PlaceholderReplacer(values: [:]))
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 1)
    }

    func testOriginalColumnMapsReplacedColumnsBack() throws {
        let replacer = PlaceholderReplacer(values: ["t": "long_name", "e": "é😀"])
        let line = "SELECT ${e}, $x, ${t}.c"
        XCTAssertEqual(try replacer.replace(in: line, file: "f", lineNumber: 1), "SELECT é😀, $x, long_name.c")
        XCTAssertEqual(replacer.originalColumn(of: 1, in: line), 1)
        XCTAssertEqual(replacer.originalColumn(of: 8, in: line), 8, "inside a value: the placeholder's start")
        XCTAssertEqual(replacer.originalColumn(of: 9, in: line), 8)
        XCTAssertEqual(replacer.originalColumn(of: 10, in: line), 12, "the comma after ${e}")
        XCTAssertEqual(replacer.originalColumn(of: 12, in: line), 14, "$x is not a placeholder")
        XCTAssertEqual(replacer.originalColumn(of: 25, in: line), 22, "the dot after ${t}")
        XCTAssertEqual(replacer.originalColumn(of: 26, in: line), 23)
        XCTAssertEqual(replacer.originalColumn(of: 3, in: "no placeholders"), 3)
    }

    /// `${` outside quotes can only be a syntax error for PostgreSQL: refused while reading, before any write.
    func testPlaceholderNeverClosedOutsideQuotesIsRefused() throws {
        let replacer = PlaceholderReplacer(values: ["owner": "bob"])
        let unclosed = scriptError("SELECT ${owner}, 1;\nGRANT ALL ON t TO ${owner;", displayName: "V2__p.sql", placeholders: replacer)
        XCTAssertEqual(unclosed, SQLScriptError(file: "V2__p.sql", line: 2, column: 19,
                                                message: "placeholder ${owner is not closed (a } is missing): PostgreSQL cannot parse ${ outside quotes"))
        let unreplaced = scriptError("SELECT ${owner};")
        XCTAssertEqual(unreplaced?.column, 8)
        XCTAssertTrue(unreplaced?.message.hasPrefix("${owner} is left in the script") == true, "\(String(describing: unreplaced))")
        // In strings, quoted identifiers, dollar quotes and comments it is text, as in Flyway.
        XCTAssertEqual(try scriptTexts("SELECT '${owner', \"${x\";\nDO $$ BEGIN RAISE NOTICE '%', '${y'; END $$;\n-- ${z\n/* ${w */ SELECT 1;",
                                       placeholders: replacer),
                       ["SELECT '${owner', \"${x\"", "DO $$ BEGIN RAISE NOTICE '%', '${y'; END $$", "SELECT 1"])
    }
}
