// INTERFACE STUB — to be implemented (helper: PostgresClient).
/// Rows copied out of a PGresult, as text.
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// "INSERT 0 1", "CREATE TABLE"…
    public var commandTag: String
    public var affectedRows: Int? { nil }
    public init(columns: [String] = [], rows: [[String?]] = [], commandTag: String = "") {
        self.columns = columns; self.rows = rows; self.commandTag = commandTag
    }
}
