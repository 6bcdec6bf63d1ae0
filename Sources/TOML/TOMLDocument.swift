internal import TOMLKit

/// A parsed TOML document as plain Swift values, with the line where each key is written.
///
/// TOMLKit (toml++) does the parsing. This module is its only user, and keeps its types out of its own
/// interface; TOMLKit imports Foundation, whose members the modules using this one must not pick up (see
/// `memberImportVisibility` in Package.swift).
public struct TOMLDocument: Sendable {
    /// The top-level table.
    public let root: [String: TOMLNode]
    private let keyLines: TOMLKeyLines

    public init(parsing text: String) throws(TOMLSyntaxError) {
        keyLines = TOMLKeyLines(text)
        if let abortingError = keyLines.abortingError { throw abortingError }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TOMLSyntaxError(line: error.source.begin.line, column: error.source.begin.column, message: error.description)
        } catch {
            throw TOMLSyntaxError(line: 1, column: 1, message: "the file could not be parsed as TOML")
        }
        root = Self.entries(of: table)
    }

    /// The 1-based line where the key at `path` is written: its own line, else that of the nearest written
    /// ancestor (a key inside an inline table), else of its first written descendant (a table only named
    /// by dotted headers such as `[environments.prod.flyway]`).
    public func line(of path: [String]) -> Int {
        keyLines.line(of: path)
    }

    // MARK: From TOMLKit

    private static func entries(of table: TOMLTable) -> [String: TOMLNode] {
        var entries: [String: TOMLNode] = [:]
        for (key, value) in table { entries[key] = node(value) }
        return entries
    }

    private static func node(_ value: TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .date, .time, .dateTime: return .dateTime
        case .array: return .array(value.array.map { $0.map(node) } ?? [])
        case .table: return .table(value.table.map(entries) ?? [:])
        }
    }
}

/// A TOML value.
public indirect enum TOMLNode: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// A date, a time or both: no setting takes one.
    case dateTime
    case array([TOMLNode])
    case table([String: TOMLNode])

    /// `a string`, `an array`…: how messages name what was found.
    public var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a floating-point number"
        case .boolean: return "a boolean"
        case .dateTime: return "a date or time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML syntax error, where toml++ found it (1-based line and column).
public struct TOMLSyntaxError: Error, Equatable, Sendable {
    public var line: Int
    public var column: Int
    public var message: String
}
