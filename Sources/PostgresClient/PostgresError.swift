internal import CLibPQ
import FoundationEssentials
import Glibc

/// An error from the server (with SQLSTATE and fields) or from libpq (connection, protocol: message only).
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible, LocalizedError {
    /// The server's SQLSTATE; nil for errors raised by libpq itself (connection, protocol, client misuse).
    public var sqlState: SQLState?
    /// `ERROR`, `FATAL`, `PANIC` (not localized when the server sends the `V` field, as 9.6+ does).
    public var severity: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement sent, from the server's 'P' field.
    /// For `execute` of a multi-statement string it counts from the start of the whole string.
    public var position: Int?
    /// In a multi-statement `execute`, the 0-based index of the statement that failed (how many
    /// statements completed before it), so callers can tell which one it was when there is no position.
    public var failedStatementIndex: Int?
    /// The connection was gone once the error was read (server stopped or crashed, session terminated,
    /// network lost). When `sqlState` is nil too, libpq noticed the loss itself: statements after
    /// `failedStatementIndex` may have run on the server, their results lost on the way.
    public var connectionLost = false
    /// Position inside `internalQuery` (an internally generated query, e.g. in PL/pgSQL), 1-based.
    public var internalPosition: Int?
    public var internalQuery: String?
    /// The call stack (PL/pgSQL functions, `COPY t, line 3, column a: "x"`), one frame per line.
    public var context: String?
    public var schemaName: String?
    public var tableName: String?
    public var columnName: String?
    public var dataTypeName: String?
    public var constraintName: String?
    /// How a connection attempt failed; nil for every other error.
    public var connectionFailure: ConnectionFailure?

    public init(message: String, sqlState: SQLState? = nil) { self.message = message; self.sqlState = sqlState }

    /// `message (SQLSTATE xxxxx)`, then `DETAIL: …` and `HINT: …` lines when present.
    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState.rawValue))" }
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    public var errorDescription: String? { description }

    /// Every field that is set, one per line.
    public var debugDescription: String {
        var lines = ["PostgresError: \(message)"]
        func add(_ label: String, _ value: CustomStringConvertible?) {
            if let value { lines.append("  \(label): \(value)") }
        }
        add("sqlState", sqlState)
        add("severity", severity)
        add("detail", detail)
        add("hint", hint)
        add("position", position)
        add("internalPosition", internalPosition)
        add("internalQuery", internalQuery)
        add("context", context)
        add("schema", schemaName)
        add("table", tableName)
        add("column", columnName)
        add("dataType", dataTypeName)
        add("constraint", constraintName)
        add("connectionFailure", connectionFailure.map { "\($0)" })
        return lines.joined(separator: "\n")
    }
}

/// How a connection attempt failed, as far as libpq can tell.
public enum ConnectionFailure: Sendable, Equatable {
    /// No server answered: refused, no socket, unknown host name, timed out, or the connection dropped
    /// before the server said anything. The same attempt may pass once the server is up.
    case unreachable
    /// The server asked for a password and none was given (libpq: "fe_sendauth: no password supplied").
    case passwordMissing
    /// The server refused the session; the error's `sqlState` says why (28P01, 3D000, 57P03, 53300…).
    case refusedByServer
    /// libpq gave up on its own: a bad option, TLS negotiation or a certificate…
    case rejectedByClient
}

/// libpq's `PG_DIAG_*` field codes, which are char macros and don't import into Swift.
/// The values are the protocol's one-byte field types (`'C'` = 0x43 …).
enum DiagnosticField: Int32 {
    case severity = 0x53            // 'S', possibly localized
    case severityNonLocalized = 0x56 // 'V'
    case sqlState = 0x43            // 'C'
    case message = 0x4D             // 'M'
    case detail = 0x44              // 'D'
    case hint = 0x48                // 'H'
    case position = 0x50            // 'P'
    case internalPosition = 0x70    // 'p'
    case internalQuery = 0x71       // 'q'
    case context = 0x57             // 'W'
    case schemaName = 0x73          // 's'
    case tableName = 0x74           // 't'
    case columnName = 0x63          // 'c'
    case dataTypeName = 0x64        // 'd'
    case constraintName = 0x6E      // 'n'
    case sourceFile = 0x46          // 'F'
    case sourceLine = 0x4C          // 'L'
    case sourceFunction = 0x52      // 'R'
}

/// Reads one diagnostic field of an error or notice PGresult (nil when absent).
func diagnosticField(_ result: OpaquePointer, _ field: DiagnosticField) -> String? {
    guard let value = PQresultErrorField(result, field.rawValue) else { return nil }
    return String(cString: value)
}

extension PostgresError {
    /// Copies the fields out of an error PGresult. Libpq-made error results (lost connection…) have no
    /// fields, only a message; `connection` supplies one if even that is empty.
    init(result: OpaquePointer, connection: OpaquePointer?) {
        let sqlState = diagnosticField(result, .sqlState)
        var message = diagnosticField(result, .message)
        if message == nil {
            message = trimmedCString(PQresultErrorMessage(result))
            if message?.isEmpty ?? true { message = connectionErrorMessage(connection) }
        }
        self.init(message: message ?? "unknown error", sqlState: sqlState.map(SQLState.init(rawValue:)))
        severity = diagnosticField(result, .severityNonLocalized) ?? diagnosticField(result, .severity)
        detail = diagnosticField(result, .detail)
        hint = diagnosticField(result, .hint)
        position = diagnosticField(result, .position).flatMap { Int($0) }
        internalPosition = diagnosticField(result, .internalPosition).flatMap { Int($0) }
        internalQuery = diagnosticField(result, .internalQuery)
        context = diagnosticField(result, .context)
        schemaName = diagnosticField(result, .schemaName)
        tableName = diagnosticField(result, .tableName)
        columnName = diagnosticField(result, .columnName)
        dataTypeName = diagnosticField(result, .dataTypeName)
        constraintName = diagnosticField(result, .constraintName)
    }

    /// An error made from `PQerrorMessage` (connection and protocol failures): message only.
    init(connection: OpaquePointer?, fallback: String = "unknown libpq error") {
        let message = connectionErrorMessage(connection)
        self.init(message: message.isEmpty ? fallback : message)
        connectionLost = connection.map { PQstatus($0) == CONNECTION_BAD } ?? true
    }
}

/// `PQerrorMessage`, without libpq's trailing newline.
func connectionErrorMessage(_ connection: OpaquePointer?) -> String {
    guard let connection else { return "connection is closed" }
    return trimmedCString(PQerrorMessage(connection)) ?? ""
}

func trimmedCString(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer).trimmed()
}
