import XCTest
@testable import MigrateCore

/// Statements of an in-memory script (COPY data elements are not expected here).
func scriptStatements(
    _ text: String, placeholders: PlaceholderReplacer? = nil, file: StaticString = #filePath, line: UInt = #line
) throws -> [SQLStatement] {
    var reader = SQLScriptReader(text: text, displayName: "test.sql", placeholders: placeholders)
    var statements: [SQLStatement] = []
    while let element = try reader.next() {
        guard case .statement(let statement) = element else {
            XCTFail("unexpected element \(element)", file: file, line: line)
            continue
        }
        statements.append(statement)
    }
    return statements
}

/// Just the texts of an in-memory script's statements.
func scriptTexts(_ text: String, placeholders: PlaceholderReplacer? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    try scriptStatements(text, placeholders: placeholders, file: file, line: line).map(\.text)
}

/// The error reading `text` throws, or a test failure when it throws none.
func scriptError(
    _ text: String, displayName: String = "test.sql", placeholders: PlaceholderReplacer? = nil,
    file: StaticString = #filePath, line: UInt = #line
) -> SQLScriptError? {
    var reader = SQLScriptReader(text: text, displayName: displayName, placeholders: placeholders)
    do {
        while try reader.next() != nil {}
        XCTFail("expected an SQLScriptError", file: file, line: line)
    } catch let error as SQLScriptError {
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}

/// Every element of a script given as bytes, read `chunkSize` bytes at a time.
func scriptElements(
    bytes: [UInt8], encoding: String.Encoding = .utf8, chunkSize: Int, placeholders: PlaceholderReplacer? = nil
) throws -> [ScriptElement] {
    var reader = SQLScriptReader(bytes: bytes, encoding: encoding, displayName: "test.sql",
                                 placeholders: placeholders, chunkSize: chunkSize)
    return try reader.allElements()
}

func statement(_ text: String, line: Int, column: Int = 1, copy: Bool = false) -> ScriptElement {
    .statement(SQLStatement(text: text, line: line, column: column, isCopyFromStdin: copy))
}
