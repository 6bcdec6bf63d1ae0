import XCTest

@testable import MigrateCore

/// The `.conf` syntax, read as Flyway's CLI reads it.
final class ConfigurationPropertiesFileTests: XCTestCase {
    private func parse(_ text: String, environment: [String: String] = [:]) throws -> PropertiesFile {
        try PropertiesFile(parsing: text, environment: environment)
    }

    private func values(_ text: String, environment: [String: String] = [:]) throws -> [String: String] {
        Dictionary(try parse(text, environment: environment).entries.map { ($0.key, $0.value) }) { $1 }
    }

    func testSeparatorsCommentsAndBlankLines() throws {
        let text = """
            # a comment
            ! another comment
               # an indented comment

            flyway.a=1
            flyway.b: 2
            flyway.c 3
            flyway.d = 4
                flyway.e=5
            flyway.f = x = y
            flyway.g=
            flyway.h:=x
            flyway.i\t\t:\tvalue with  inner  spaces
            """
        XCTAssertEqual(try values(text), [
            "flyway.a": "1", "flyway.b": "2", "flyway.c": "3", "flyway.d": "4", "flyway.e": "5",
            "flyway.f": "x = y", "flyway.g": "", "flyway.h": "=x", "flyway.i": "value with  inner  spaces",
        ])
    }

    func testLineNumbersCountCommentsAndContinuations() throws {
        let file = try parse("# c\n\nflyway.a=1\nflyway.b=x,\\\n  y\nflyway.c=3\n")
        XCTAssertEqual(file.entries, [
            .init(key: "flyway.a", value: "1", line: 3),
            .init(key: "flyway.b", value: "x,y", line: 4),
            .init(key: "flyway.c", value: "3", line: 6),
        ])
    }

    func testTrailingAndLeadingWhitespaceIsTrimmed() throws {
        XCTAssertEqual(try values("flyway.a=value   \t\nflyway.b =   padded  "), ["flyway.a": "value", "flyway.b": "padded"])
    }

    func testContinuationJoinsLinesWithoutTheirIndentation() throws {
        let text = "flyway.locations=filesystem:a,\\\n    filesystem:b,\\\n\tfilesystem:c\nflyway.table=t"
        XCTAssertEqual(try values(text), ["flyway.locations": "filesystem:a,filesystem:b,filesystem:c", "flyway.table": "t"])
    }

    func testContinuationLineStartingWithHashIsPartOfTheValue() throws {
        XCTAssertEqual(try values("flyway.a=x\\\n#y"), ["flyway.a": "x#y"])
    }

    func testTrailingBackslashBeforeAPropertyOrBlankLineIsLiteral() throws {
        // Flyway only continues when the next line is neither empty nor a `flyway.…=` property.
        XCTAssertEqual(try values("flyway.locations=C:\\sql\\\nflyway.table=t"),
                       ["flyway.locations": "C:\\sql\\", "flyway.table": "t"])
        XCTAssertEqual(try values("flyway.a=end\\\n\nflyway.b=2"), ["flyway.a": "end\\", "flyway.b": "2"])
        XCTAssertEqual(try values("flyway.a=last\\"), ["flyway.a": "last\\"])
    }

    func testBackslashesInTheFileAreLiteralAsInFlyway() throws {
        let text = #"""
            flyway.password=pa\ss\tw\n\\x
            flyway.locations=filesystem:C:\migrations\new
            flyway.placeholders.escaped=caf\u00e9
            """#
        XCTAssertEqual(try values(text), [
            "flyway.password": #"pa\ss\tw\n\\x"#,
            "flyway.locations": #"filesystem:C:\migrations\new"#,
            "flyway.placeholders.escaped": #"caf\u00e9"#,
        ])
    }

    func testUnicodeTextIsKeptAsIs() throws {
        XCTAssertEqual(try values("flyway.placeholders.greeting=héllo wörld 🌍\nflyway.baselineDescription=初期"),
                       ["flyway.placeholders.greeting": "héllo wörld 🌍", "flyway.baselineDescription": "初期"])
    }

    func testCRLFLineEndingsAndByteOrderMark() throws {
        XCTAssertEqual(try values("\u{FEFF}flyway.a=1\r\nflyway.b=x,\\\r\n y\r\n"), ["flyway.a": "1", "flyway.b": "x,y"])
    }

    func testEnvironmentVariablesAreExpanded() throws {
        let file = try parse("flyway.user=${DB_USER}\nflyway.url=jdbc:postgresql://${DB_HOST}:${DB_PORT}/app_${DB_USER}",
                             environment: ["DB_USER": "deploy", "DB_HOST": "db.internal", "DB_PORT": "6432"])
        XCTAssertEqual(file.entries.map(\.value), ["deploy", "jdbc:postgresql://db.internal:6432/app_deploy"])
        XCTAssertTrue(file.missingVariables.isEmpty)
    }

    func testMissingVariableBecomesEmptyAndIsReportedWithItsLine() throws {
        let file = try parse("# ${IN_A_COMMENT}\nflyway.password=${NOPE}\nflyway.user=a${NOPE}b${ALSO_NOPE}")
        XCTAssertEqual(file.entries.map(\.value), ["", "ab"])
        XCTAssertEqual(file.missingVariables.map { "\($0.line):\($0.name)" }, ["2:NOPE", "3:NOPE", "3:ALSO_NOPE"])
    }

    func testOnlySimpleVariableNamesAreExpanded() throws {
        XCTAssertEqual(try values("flyway.a=${not-a-name} ${} ${UNCLOSED", environment: ["UNCLOSED": "x"]),
                       ["flyway.a": "${not-a-name} ${} ${UNCLOSED"])
    }

    func testEscapesInAnExpandedValueAreInterpretedLikeFlyway() throws {
        // Flyway expands after protecting the file's backslashes, so a variable's own escapes count.
        XCTAssertEqual(try values("flyway.a=${V}", environment: ["V": #"tab\there\u00e9"#]), ["flyway.a": "tab\there\u{e9}"])
    }

    func testMalformedUnicodeEscapeFromAVariableIsAnError() {
        XCTAssertThrowsError(try parse("\nflyway.a=${V}", environment: ["V": #"\u12"#])) { error in
            XCTAssertEqual(error as? PropertiesFile.SyntaxError, .init(line: 2, message: "malformed \\uXXXX escape"))
        }
    }
}
