/// One rule broken by one statement, where it is and what to do instead.
public struct LintFinding: Sendable, Encodable, Equatable {
    public var rule: String
    /// The file as migrate shows it (relative to its location), and the statement's 1-based line and column.
    public var file: String
    /// The file's absolute path (GitHub annotations name files from the repository's root).
    public var filepath: String
    public var line: Int
    public var column: Int
    /// The statement's first line.
    public var statement: String
    /// Why it is dangerous, naming the table or index concerned.
    public var message: String
    public var safeForm: String
    /// The table the statement works on, and, when migrate could read it, how big it is on the server.
    public var table: String?
    public var tableSize: String?

    /// `file:line:column: [rule] message`: the one-line form used in warnings and errors.
    public var summary: String { "\(file):\(line):\(column): [\(rule)] \(message)" }
}

/// A statement the lint could not check (libpg_query's grammar is older than the statement's syntax). Never a failure.
public struct LintNote: Sendable, Encodable, Equatable {
    public var file: String
    public var filepath: String
    public var line: Int
    public var column: Int
    public var statement: String
    public var message: String

    public var summary: String { "\(file):\(line):\(column): note: \(message)" }
}
