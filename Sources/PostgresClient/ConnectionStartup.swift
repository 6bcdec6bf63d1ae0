internal import CLibPQ
import Glibc

/// Opening a libpq connection: what `PQconnectdbParams` does, step by step (`PQconnectStartParams`, then
/// `PQconnectPoll` until done), so that the error verbosity is raised before the server answers. Only a
/// verbose refusal carries its SQLSTATE (`FATAL:  28P01: password authentication failed…`): libpq keeps
/// no other trace of it for a connection, and that code is what tells a failure worth retrying (57P03
/// starting up, 53300 too many clients) from one that is not (28P01, 3D000).
enum ConnectionStartup {
    /// A connected PGconn. On failure the PGconn is finished and the error has its password masked, its
    /// SQLSTATE (when the server refused) and its `connectionFailure` set.
    static func open(_ pairs: [(String, String)], secrets: [String]) throws(PostgresError) -> OpaquePointer {
        let started = withCStrings(pairs.map(\.0) + [nil]) { keywords in
            withCStrings(pairs.map(\.1) + [nil]) { values in
                PQconnectStartParams(keywords, values, 1)
            }
        }
        guard let connection = started else {
            throw PostgresError(message: "could not allocate a libpq connection (out of memory)")
        }
        PQsetErrorVerbosity(connection, PQERRORS_VERBOSE)
        let outcome = finish(connection)
        if case .connected = outcome {
            PQsetErrorVerbosity(connection, PQERRORS_DEFAULT)
            return connection
        }
        var error = failure(connection, outcome)
        let masker = SecretMasker(secrets: secrets + options(named: "password", of: connection))
        error.message = masker.maskMessage(error.message)
        PQfinish(connection)
        throw error
    }

    private enum Outcome {
        case connected
        /// libpq gave up; its error message says why.
        case failed
        /// `connect_timeout` ran out while waiting on this server (libpq's words: "timeout expired").
        case timedOut(host: String, port: String)
        /// Something libpq's own loop would have reported: the text to add to its message.
        case failedHere(String, ConnectionFailure)
    }

    /// Polls until connected or failed, waiting on the socket in between. `connect_timeout` applies to each
    /// server address tried, as in libpq; unlike libpq, whose loop is not public, running out of it ends the
    /// attempt instead of moving on to the next host.
    private static func finish(_ connection: OpaquePointer) -> Outcome {
        guard PQstatus(connection) != CONNECTION_BAD else { return .failed }
        let timeout: Duration?
        switch connectTimeout(connection) {
        case .success(let seconds): timeout = seconds
        case .failure(let error): return .failedHere(error.message, .rejectedByClient)
        }
        var polling = PGRES_POLLING_WRITING
        var attempt: (server: [String], deadline: ContinuousClock.Instant)?
        while true {
            switch polling {
            case PGRES_POLLING_OK: return .connected
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING: break
            default: return .failed
            }
            var deadline: ContinuousClock.Instant?
            if let timeout {
                // A new host or address restarts the clock, as libpq's does.
                let server = [PQhost, PQport, PQhostaddr].map { text($0(connection)) }
                if attempt?.server != server { attempt = (server, .now + timeout) }
                deadline = attempt?.deadline
            }
            switch wait(on: PQsocket(connection), forReading: polling == PGRES_POLLING_READING, until: deadline) {
            case .ready: break
            case .timedOut: return .timedOut(host: text(PQhost(connection)), port: text(PQport(connection)))
            case .failed(let reason): return .failedHere("could not wait for the server: \(reason)", .unreachable)
            }
            polling = PQconnectPoll(connection)
        }
    }

    /// `connect_timeout` as libpq reads it (from the parameters, a URI or PGCONNECT_TIMEOUT): nil or 0 means
    /// none, and less than 2 seconds means 2.
    private static func connectTimeout(_ connection: OpaquePointer) -> Result<Duration?, TimeoutError> {
        guard let value = options(named: "connect_timeout", of: connection).first?.trimmed(), !value.isEmpty else {
            return .success(nil)
        }
        guard let seconds = Int(value) else {
            return .failure(TimeoutError(message: "invalid integer value \"\(value)\" for connection option \"connect_timeout\""))
        }
        return .success(seconds > 0 ? .seconds(max(seconds, 2)) : nil)
    }

    private struct TimeoutError: Error { var message: String }

    private enum Wait { case ready, timedOut, failed(String) }

    private static func wait(on socket: Int32, forReading: Bool, until deadline: ContinuousClock.Instant?) -> Wait {
        guard socket >= 0 else { return .failed("no socket") }
        var descriptor = pollfd(fd: socket, events: Int16(forReading ? POLLIN : POLLOUT), revents: 0)
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { return .timedOut }
                let (seconds, attoseconds) = remaining.components
                milliseconds = Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return .ready }
            if ready < 0, errno != EINTR { return .failed(String(cString: strerror(errno))) }
        }
    }

    /// The error for a failed attempt: libpq's message made plain again, with the SQLSTATE taken out of it.
    private static func failure(_ connection: OpaquePointer, _ outcome: Outcome) -> PostgresError {
        let verbose = connectionErrorMessage(connection)
        var message = plainMessage(verbose).message
        var sqlState = plainMessage(String(lastAttempt(of: verbose))).sqlState
        var kind: ConnectionFailure
        // Once it has reached an address, libpq has already written "connection to server at …, port … failed:".
        let attemptOpen = message.hasSuffix(" failed:")
        switch outcome {
        case .timedOut(let host, let port):
            let server = host.hasPrefix("/") ? "on socket \"\(host)/.s.PGSQL.\(port)\"" : "at \"\(host)\", port \(port)"
            message += attemptOpen ? " timeout expired" : (message.isEmpty ? "" : "\n") + "connection to server \(server) failed: timeout expired"
            kind = .unreachable
        case .failedHere(let text, let failure):
            message += attemptOpen ? " " + text : (message.isEmpty ? "" : "\n") + text
            kind = failure
        case .connected, .failed:
            kind = classify(lastAttempt(of: message), sqlState: sqlState,
                            passwordMissing: PQconnectionNeedsPassword(connection) == 1)
        }
        if kind != .refusedByServer { sqlState = nil }
        var error = PostgresError(message: message.isEmpty ? "could not connect to the server" : message,
                                  sqlState: sqlState.map(SQLState.init(rawValue:)))
        error.connectionFailure = kind
        return error
    }

    private static func classify(_ attempt: Substring, sqlState: String?, passwordMissing: Bool) -> ConnectionFailure {
        if passwordMissing { return .passwordMissing }
        if sqlState != nil { return .refusedByServer }
        // libpq's own words (it is never localized here: the process keeps the C locale) for a server that
        // is not there, not yet there, or went away before answering.
        let unreachable = ["Is the server running", "could not translate host name", "timeout expired",
                           "server closed the connection unexpectedly", "could not receive data from server",
                           "could not send data to server", "SSL SYSCALL error", "Connection reset by peer"]
        return unreachable.contains(where: attempt.contains) ? .unreachable : .rejectedByClient
    }

    /// The part of a message about the last server tried: libpq reports each host and address it tried
    /// in turn, and only the last one decides what happened.
    private static func lastAttempt(of message: String) -> Substring {
        let starts = ["connection to server ", "could not translate host name "]
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        guard let last = lines.lastIndex(where: { line in starts.contains { line.hasPrefix($0) } }) else { return message[...] }
        return message[lines[last].startIndex...]
    }

    /// libpq's verbose message as its default verbosity writes it, and the last SQLSTATE in it:
    /// `FATAL:  28P01: password…` becomes `FATAL:  password…`, and `LOCATION:` lines (the server's source
    /// file) are dropped.
    static func plainMessage(_ verbose: String) -> (message: String, sqlState: String?) {
        var sqlState: String?
        var lines: [Substring] = []
        for var line in verbose.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("LOCATION:  ") { continue }
            // The severity (possibly translated) is followed by two blanks, then the code and ": ".
            if let blanks = line.firstRange(of: ":  ") {
                let code = line[blanks.upperBound...].prefix(7)
                if code.count == 7, code.hasSuffix(": "),
                   code.prefix(5).allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
                    sqlState = String(code.prefix(5))
                    line.removeSubrange(blanks.upperBound..<code.endIndex)
                }
            }
            lines.append(line)
        }
        return (lines.joined(separator: "\n").trimmed(), sqlState)
    }
}

/// The values of option `keyword` of a PGconn after parsing (from parameters, a URI, PG* variables…).
func options(named keyword: String, of connection: OpaquePointer) -> [String] {
    guard let options = PQconninfo(connection) else { return [] }
    defer { PQconninfoFree(options) }
    var values: [String] = []
    var option = options
    while let name = option.pointee.keyword {
        if strcmp(name, keyword) == 0, let value = option.pointee.val {
            values.append(String(cString: value))
        }
        option += 1
    }
    return values
}

/// A C string libpq keeps for the connection; "" when it has none.
private func text(_ value: UnsafeMutablePointer<CChar>?) -> String {
    value.map { String(cString: $0) } ?? ""
}

/// Calls `body` with a C array of the strings (nil stays NULL), valid only during the call.
func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { $0.flatMap { strdup($0) } }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
