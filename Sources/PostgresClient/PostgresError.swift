// INTERFACE STUB — to be implemented (helper: PostgresClient).
/// An error from the server (with SQLSTATE and fields) or from libpq (connection, protocol: message only).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public var sqlState: SQLState?
    public var severity: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement sent, from the server's 'P' field.
    public var position: Int?
    public var context: String?
    public var failedStatementIndex: Int?
    public init(message: String, sqlState: SQLState? = nil) { self.message = message; self.sqlState = sqlState }
    public var description: String { message }
}
