import FoundationEssentials
import Glibc

/// A problem in a script file itself (unterminated quote, unknown placeholder, bad encoding…).
public struct SQLScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 when the problem is not on a line (the file cannot be opened or read).
    public var line: Int
    public var column: Int?
    public var message: String

    public init(file: String, line: Int, column: Int? = nil, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    /// `V3__x.sql:12:5: message`, or `V3__x.sql: message` without a line.
    public var description: String {
        guard line > 0 else { return "\(file): \(message)" }
        return "\(file):\(line)\(column.map { ":\($0)" } ?? ""): \(message)"
    }
}
