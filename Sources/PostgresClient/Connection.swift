// INTERFACE STUB — to be implemented (helper: PostgresClient).
import Foundation

/// A server message that is not an error (NOTICE, WARNING, INFO...).
public struct Notice: Sendable, Equatable {
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    public init(severity: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.severity = severity; self.message = message; self.detail = detail; self.hint = hint
    }
}

/// Libpq's view of the session's transaction state.
public enum TransactionStatus: Sendable { case idle, active, inTransaction, inFailedTransaction, unknown }

/// One libpq connection. Owns the PGconn; not thread-safe.
public final class Connection {
    /// Connects with libpq keyword/value pairs (expand_dbname on, so "dbname" may be a URI).
    public init(parameters: [(String, String)]) throws { fatalError("stub") }
    /// Called for every NOTICE/WARNING/INFO the server sends.
    public var noticeHandler: ((Notice) -> Void)?
    /// Server version as an integer (150004 for 15.4).
    public var serverVersion: Int { fatalError("stub") }
    public var transactionStatus: TransactionStatus { fatalError("stub") }
    /// Simple-query protocol: may contain several statements; returns one result per statement.
    @discardableResult public func execute(_ sql: String) throws -> [QueryResult] { fatalError("stub") }
    /// Extended protocol with text parameters ($1, $2…); nil is NULL. One statement.
    @discardableResult public func query(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult { fatalError("stub") }
    /// Starts `COPY … FROM STDIN`; then call sendCopyData… and endCopy.
    public func beginCopy(_ sql: String) throws { fatalError("stub") }
    public func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws { fatalError("stub") }
    public func sendCopyData(_ text: String) throws { fatalError("stub") }
    /// Finishes COPY (errorMessage != nil aborts it) and returns the COPY's result.
    @discardableResult public func endCopy(errorMessage: String? = nil) throws -> QueryResult { fatalError("stub") }
    public func escapeIdentifier(_ identifier: String) -> String { fatalError("stub") }
    public func escapeLiteral(_ literal: String) -> String { fatalError("stub") }
    public func close() {}
    public var isCopyInProgress: Bool { false }
}
