internal import CLibPQ
import FoundationEssentials
import Glibc

/// A server message that is not an error (NOTICE, WARNING, INFO...).
public struct Notice: Sendable, Equatable {
    /// `NOTICE`, `WARNING`, `INFO`, `LOG`, `DEBUG` (the non-localized form when the server sends it).
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The notice's SQLSTATE (`00000` for a plain RAISE NOTICE, `01000` for RAISE WARNING…).
    public var sqlState: SQLState? = nil
    public init(severity: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.severity = severity; self.message = message; self.detail = detail; self.hint = hint
    }
}

/// Libpq's view of the session's transaction state.
public enum TransactionStatus: Sendable { case idle, active, inTransaction, inFailedTransaction, unknown }

/// One libpq connection. Owns the PGconn; not thread-safe.
///
/// Every call blocks until the server has answered. Every PGresult is cleared in the function that
/// got it: values are copied into `QueryResult`s, errors into `PostgresError`s.
public final class Connection {
    /// The PGconn; nil once closed.
    private(set) var connection: OpaquePointer?

    /// Connects with libpq keyword/value pairs (expand_dbname on, so "dbname" may be a URI).
    ///
    /// `client_encoding=UTF8` and `fallback_application_name=migrate` are added unless given, and
    /// placed first so that a URI or conninfo string in "dbname" can still override them.
    /// The error thrown on failure carries libpq's message with every password masked, the server's
    /// SQLSTATE when it refused the session, and `connectionFailure` saying how the attempt failed.
    public init(parameters: [(String, String)]) throws {
        var pairs: [(String, String)] = []
        let given = Set(parameters.map { $0.0 })
        if !given.contains("client_encoding") { pairs.append(("client_encoding", "UTF8")) }
        if !given.contains("fallback_application_name") { pairs.append(("fallback_application_name", "migrate")) }
        pairs += parameters

        connection = try ConnectionStartup.open(pairs, secrets: secrets(inConnectionParameters: parameters))
        installNoticeReceiver()
    }

    /// Connects with a `postgres://…` URI or a `key=value …` conninfo string.
    public convenience init(url: String) throws {
        try self.init(parameters: [("dbname", url)])
    }

    deinit { close() }

    /// Called for every NOTICE/WARNING/INFO the server sends. Runs inside the call that received it
    /// (execute, query, COPY…), so it must not use this connection. Without a handler they are dropped;
    /// libpq never prints them itself.
    public var noticeHandler: ((Notice) -> Void)?

    /// Called after every statement (or batch) sent, with its text and how long the server took, in
    /// milliseconds: what `-X` shows. Nil (the default) costs nothing.
    public var traceHandler: ((_ sql: String, _ milliseconds: Double) -> Void)?

    func traced<T>(_ sql: String, _ body: () throws -> T) rethrows -> T {
        guard let traceHandler else { return try body() }
        let stopwatch = Stopwatch()
        defer { traceHandler(sql, stopwatch.milliseconds) }
        return try body()
    }

    /// How many statements of the message being answered have completed so far: while a notice is handed
    /// to `noticeHandler`, the index of the statement that raised it.
    public private(set) var statementsCompleted = 0

    /// The server's host as libpq connected to it (a socket directory starts with `/`); "" once closed.
    public var host: String { text(PQhost) }

    /// The server's port as libpq connected to it; "" once closed.
    public var port: String { text(PQport) }

    /// Server version as an integer (150004 for 15.4); 0 once closed.
    public var serverVersion: Int {
        guard let connection else { return 0 }
        return Int(PQserverVersion(connection))
    }

    public var transactionStatus: TransactionStatus {
        guard let connection else { return .unknown }
        switch PQtransactionStatus(connection) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .inFailedTransaction
        default: return .unknown
        }
    }

    /// Whether the connection is open and libpq considers it healthy.
    public var isConnected: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// The server process serving this session (`pg_backend_pid()`); 0 once closed.
    public var backendPID: Int {
        guard let connection else { return 0 }
        return Int(PQbackendPID(connection))
    }

    /// The database connected to (`PQdb`); "" once closed.
    public var databaseName: String { text(PQdb) }

    /// The user connected as (`PQuser`); "" once closed.
    public var userName: String { text(PQuser) }

    /// A string libpq keeps for the open connection (host, port, database, user); "" once closed.
    private func text(_ field: (OpaquePointer?) -> UnsafeMutablePointer<CChar>?) -> String {
        guard let connection, let value = field(connection) else { return "" }
        return String(cString: value)
    }

    /// A parameter the server reports (`server_version`, `TimeZone`, `standard_conforming_strings`…).
    public func parameterStatus(_ name: String) -> String? {
        guard let connection, let value = PQparameterStatus(connection, name) else { return nil }
        return String(cString: value)
    }

    /// Simple-query protocol: may contain several statements; returns one result per statement.
    ///
    /// On an error the remaining results are drained and the first error is thrown; its `position`
    /// counts from the start of `sql`. A `COPY … FROM STDIN` in `sql` is aborted (there is no data to
    /// send) and makes this throw; the data of a `COPY … TO STDOUT` is read and dropped.
    /// An empty string (or only comments) returns no results.
    @discardableResult public func execute(_ sql: String) throws -> [QueryResult] {
        try traced(sql) {
            let outcome = readResults(try send(sql), stopAtCopyIn: false)
            if let error = outcome.error { throw error }
            return outcome.results
        }
    }

    /// Like `execute`, for statements whose results nobody reads (a migration script's): no rows or tags are
    /// copied out of libpq, so a batch of thousands of INSERTs, or a SELECT returning millions of rows,
    /// costs no Swift allocations per statement or row.
    public func run(_ sql: String) throws {
        try traced(sql) {
            if let error = readResults(try send(sql), stopAtCopyIn: false, keepResults: false).error { throw error }
        }
    }

    /// Extended protocol with text parameters ($1, $2…); nil is NULL. One statement.
    @discardableResult public func query(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult {
        try traced(sql) {
            let outcome = readResults(try send(sql, parameters: parameters), stopAtCopyIn: false)
            if let error = outcome.error { throw error }
            return outcome.results.last ?? QueryResult()
        }
    }

    /// Like `query`, handing each row to `body` as it is read instead of copying the result into Swift
    /// arrays: for reading many rows (the history) into values of the caller's own. Without parameters
    /// `sql` may hold several statements, sent in one message (`ResultRow.statement` tells them apart);
    /// rows of the statements before a failing one have been handed over when the error is thrown.
    public func forEachRow(_ sql: String, _ parameters: [String?] = [], _ body: (ResultRow) throws -> Void) throws {
        try traced(sql) {
            let connection = try send(sql, parameters: parameters.isEmpty ? nil : parameters)
            // Called only while the results are read, never kept.
            let error = withoutActuallyEscaping(body) { body in readResults(connection, stopAtCopyIn: false, visit: body).error }
            if let error { throw error }
        }
    }

    /// Starts `COPY … FROM STDIN`; then call sendCopyData… and endCopy.
    ///
    /// Throws the server's error if the statement fails, or an error if it is anything but a single
    /// `COPY … FROM STDIN` (the connection is left idle in both cases).
    public func beginCopy(_ sql: String) throws {
        try traced(sql) {
            let outcome = readResults(try send(sql), stopAtCopyIn: true)
            if outcome.inCopyIn { return }
            if let error = outcome.error { throw error }
            let what = outcome.results.map { $0.commandTag.isEmpty ? "(empty query)" : "\"\($0.commandTag)\"" }
            throw PostgresError(message: "beginCopy needs a COPY … FROM STDIN statement, but the server answered "
                + (what.isEmpty ? "with no result" : what.joined(separator: ", ")))
        }
    }

    /// Sends `sql` (simple protocol; extended with text parameters when `parameters` is given) and returns
    /// the connection whose results are to be read.
    func send(_ sql: String, parameters: [String?]? = nil) throws -> OpaquePointer {
        let connection = try openConnection()
        guard let parameters else {
            guard PQsendQuery(connection, sql) == 1 else { throw PostgresError(connection: connection) }
            return connection
        }
        guard parameters.count <= Int(Int32.max) else {
            throw PostgresError(message: "too many query parameters (\(parameters.count))")
        }
        let sent = withCStrings(parameters) { values in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else { throw PostgresError(connection: connection) }
        return connection
    }

    /// True between a successful `beginCopy` and the end of the COPY (libpq reports the connection busy).
    public var isCopyInProgress: Bool {
        guard let connection else { return false }
        return PQtransactionStatus(connection) == PQTRANS_ACTIVE
    }

    /// Sends COPY data as is (text or CSV rows, as the COPY statement said). Rows may span calls.
    public func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        let connection = try openConnection()
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let chunk = min(remaining, 1 << 30)
            let sent = base.withMemoryRebound(to: CChar.self, capacity: chunk) {
                PQputCopyData(connection, $0, Int32(chunk))
            }
            // A blocking connection answers 1 (queued) or -1 (failed, e.g. no COPY in progress).
            guard sent == 1 else {
                throw PostgresError(connection: connection, fallback: "could not send COPY data")
            }
            base += chunk
            remaining -= chunk
        }
    }

    public func sendCopyData(_ text: String) throws {
        var text = text
        try text.withUTF8 { try sendCopyData(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes COPY (errorMessage != nil aborts it) and returns the COPY's result.
    ///
    /// A server error (bad row data: its `context` names the line, e.g. `COPY t, line 3, column n: "x"`)
    /// is thrown; so is the server's "COPY from stdin failed: <errorMessage>" after an abort.
    @discardableResult public func endCopy(errorMessage: String? = nil) throws -> QueryResult {
        let connection = try openConnection()
        guard PQputCopyEnd(connection, errorMessage) == 1 else {
            throw PostgresError(connection: connection, fallback: "could not end COPY")
        }
        let outcome = readResults(connection, stopAtCopyIn: false)
        if let error = outcome.error { throw error }
        return outcome.results.last ?? QueryResult()
    }

    /// `"name"` quoted for SQL, with inner double quotes doubled (PQescapeIdentifier).
    public func escapeIdentifier(_ identifier: String) -> String {
        if let connection, let escaped = PQescapeIdentifier(connection, identifier, strlen(identifier)) {
            defer { PQfreemem(escaped) }
            return String(cString: escaped)
        }
        // Only reached when closed or out of memory; the same rule libpq applies for UTF-8.
        return "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }

    /// `'text'` quoted for SQL (PQescapeLiteral: `E'…'` when there are backslashes).
    public func escapeLiteral(_ literal: String) -> String {
        if let connection, let escaped = PQescapeLiteral(connection, literal, strlen(literal)) {
            defer { PQfreemem(escaped) }
            return String(cString: escaped)
        }
        let body = literal.replacing("'", with: "''")
        if literal.contains("\\") {
            return " E'" + body.replacing("\\", with: "\\\\") + "'"
        }
        return "'" + body + "'"
    }

    /// Closes the connection (PQfinish). Safe to call more than once; later calls on it throw.
    public func close() {
        guard let connection else { return }
        // Nothing may call back into this object once it starts going away.
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        PQfinish(connection)
        self.connection = nil
    }

    // MARK: - Internals

    func openConnection() throws -> OpaquePointer {
        guard let connection else { throw PostgresError(message: "the connection is closed") }
        return connection
    }

    /// Reads results until libpq has no more. The first error wins; later results are still drained so
    /// the connection is ready for the next command. With `stopAtCopyIn`, a COPY_IN that is the very
    /// first result is left open for the caller (COPY mode); any other COPY_IN is aborted. Without
    /// `keepResults`, successful results are only counted.
    func readResults(_ connection: OpaquePointer, stopAtCopyIn: Bool, keepResults: Bool = true,
                             visit: ((ResultRow) throws -> Void)? = nil)
        -> (results: [QueryResult], error: PostgresError?, inCopyIn: Bool)
    {
        var results: [QueryResult] = []
        statementsCompleted = 0
        var firstError: PostgresError?
        var visitError: (any Error)?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                if firstError == nil {
                    statementsCompleted += 1
                    if let visit {
                        do {
                            for row in 0..<PQntuples(result) where visitError == nil { try visit(ResultRow(result: result, index: row, statement: statementsCompleted - 1)) }
                        } catch {
                            visitError = error
                        }
                    } else if keepResults {
                        results.append(QueryResult(result: result))
                    }
                }
            case PGRES_EMPTY_QUERY:
                break
            case PGRES_COPY_IN:
                if stopAtCopyIn && statementsCompleted == 0 && firstError == nil {
                    return ([], nil, true)
                }
                // Nobody prepared data for it: abort; the server then answers with an error result.
                PQputCopyEnd(connection, "no data was supplied for COPY FROM STDIN")
                firstError = firstError ?? PostgresError(message: """
                    COPY … FROM STDIN cannot be run here: it needs its data sent through \
                    beginCopy(_:), sendCopyData(_:) and endCopy() as the only statement
                    """)
            case PGRES_COPY_OUT:
                // Read and drop the data; the COPY's own result follows.
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(connection, &buffer, 0) > 0 {
                    PQfreemem(buffer)
                    buffer = nil
                }
            case PGRES_COPY_BOTH:
                // Only replication connections get here; end our side and report it.
                PQputCopyEnd(connection, nil)
                firstError = firstError ?? PostgresError(message: "COPY BOTH (replication) is not supported")
            case PGRES_FATAL_ERROR, PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR:
                if firstError == nil {
                    firstError = PostgresError(result: result, connection: connection)
                    firstError?.failedStatementIndex = statementsCompleted
                }
            case let status:
                // Single-row, chunked and pipeline results: modes this wrapper never turns on.
                let name = PQresStatus(status).map { String(cString: $0) } ?? "\(status.rawValue)"
                firstError = firstError ?? PostgresError(message: "unexpected libpq result status \(name)")
            }
        }
        if firstError == nil, let visitError {
            firstError = visitError as? PostgresError ?? PostgresError(message: "\(visitError)")
        }
        // Known only now: a server's FATAL error comes first, the end of the connection after it.
        if PQstatus(connection) == CONNECTION_BAD { firstError?.connectionLost = true }
        return (results, firstError, false)
    }

    /// Routes libpq's notices to `noticeHandler` instead of stderr. The receiver gets this object
    /// through `arg`, unretained: libpq only calls it from inside our own calls, and `close()`
    /// swaps it out before PQfinish.
    private func installNoticeReceiver() {
        guard let connection else { return }
        let receiver: PQnoticeReceiver = { arg, result in
            guard let arg, let result else { return }
            let connection = Unmanaged<Connection>.fromOpaque(arg).takeUnretainedValue()
            guard let handler = connection.noticeHandler else { return }
            var notice = Notice(
                severity: diagnosticField(result, .severityNonLocalized)
                    ?? diagnosticField(result, .severity) ?? "NOTICE",
                message: diagnosticField(result, .message)
                    ?? trimmedCString(PQresultErrorMessage(result)) ?? "",
                detail: diagnosticField(result, .detail),
                hint: diagnosticField(result, .hint))
            notice.sqlState = diagnosticField(result, .sqlState).map(SQLState.init(rawValue:))
            handler(notice)
        }
        PQsetNoticeReceiver(connection, receiver, Unmanaged.passUnretained(self).toOpaque())
    }
}
