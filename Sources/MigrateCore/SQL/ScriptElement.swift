// INTERFACE STUB — to be implemented (helper: SQL engine).
import Foundation

/// One SQL statement from a script, with where it starts in the file.
public struct SQLStatement: Sendable, Equatable {
    /// The statement text as it appears in the file (after placeholder replacement), without the terminating ';'.
    public var text: String
    /// 1-based line and column (in unicode scalars) of the statement's first character.
    public var line: Int
    public var column: Int
    /// True for `COPY … FROM STDIN`: data lines follow as `.copyData` elements, then `.copyEnd`.
    public var isCopyFromStdin: Bool
    public init(text: String, line: Int, column: Int = 1, isCopyFromStdin: Bool = false) {
        self.text = text; self.line = line; self.column = column; self.isCopyFromStdin = isCopyFromStdin
    }
    /// Whether PostgreSQL refuses this statement inside a transaction block on a server of this version (e.g. 150004).
    public func requiresNoTransaction(serverVersion: Int) -> Bool { fatalError("stub") }
}

/// What a script yields, in file order.
public enum ScriptElement: Sendable, Equatable {
    case statement(SQLStatement)
    /// One line of COPY data, with its "\n".
    case copyData(String)
    /// The `\.` line (or end of file) that ends COPY data.
    case copyEnd(line: Int)
}

/// A problem in a script file itself (unterminated quote, unknown placeholder, bad encoding…).
public struct SQLScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int?
    public var message: String
    public init(file: String, line: Int, column: Int? = nil, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }
    public var description: String {
        "\(file):\(line)\(column.map { ":\($0)" } ?? ""): \(message)"
    }
}

/// Streams a script file: decoding, placeholder replacement, splitting. Memory stays flat.
public struct SQLScriptReader {
    public init(url: URL, displayName: String, encoding: String.Encoding = .utf8, placeholders: PlaceholderReplacer? = nil) throws { fatalError("stub") }
    public mutating func next() throws -> ScriptElement? { fatalError("stub") }
}

/// Replaces `${name}` (configurable prefix/suffix) in script text. Names match case-insensitively.
public struct PlaceholderReplacer: Sendable {
    public init(values: [String: String], prefix: String = "${", suffix: String = "}") { fatalError("stub") }
    /// Throws SQLScriptError naming file, line and placeholder when a name has no value.
    public func replace(in line: String, file: String, lineNumber: Int) throws -> String { fatalError("stub") }
}
