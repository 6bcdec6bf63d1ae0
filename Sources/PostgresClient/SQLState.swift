// INTERFACE STUB — to be implemented (helper: PostgresClient).
public struct SQLState: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static let undefinedTable: SQLState = "42P01"
    public static let syntaxError: SQLState = "42601"
    public static let activeSQLTransaction: SQLState = "25001"
}
