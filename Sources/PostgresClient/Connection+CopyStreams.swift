internal import CLibPQ
import Glibc

extension Connection {
    /// Runs one `COPY … TO STDOUT` and hands its data to `sink` chunk by chunk as libpq receives it (a row
    /// or so at a time), so a table of any size never sits in memory. Returns the COPY's result (its command
    /// tag says how many rows). An error thrown by `sink` is rethrown once the server has finished sending.
    @discardableResult
    public func copyOut(_ sql: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws -> QueryResult {
        try traced(sql) {
            let connection = try send(sql)
            guard let first = PQgetResult(connection) else {
                throw PostgresError(message: "copyOut needs a COPY … TO STDOUT statement, but the server answered with no result")
            }
            let status = PQresultStatus(first)
            guard status == PGRES_COPY_OUT else {
                let error = status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE
                    ? PostgresError(result: first, connection: connection)
                    : PostgresError(message: "copyOut needs a COPY … TO STDOUT statement")
                PQclear(first)
                _ = readResults(connection, stopAtCopyIn: false)
                throw error
            }
            PQclear(first)
            var sinkError: (any Error)?
            var buffer: UnsafeMutablePointer<CChar>?
            while true {
                let count = PQgetCopyData(connection, &buffer, 0)
                if count == -1 { break }
                guard count > 0, let chunk = buffer else {
                    throw PostgresError(connection: connection, fallback: "could not read COPY data")
                }
                defer { PQfreemem(chunk); buffer = nil }
                if sinkError == nil {
                    do { try sink(UnsafeRawBufferPointer(start: chunk, count: Int(count))) } catch { sinkError = error }
                }
            }
            let outcome = readResults(connection, stopAtCopyIn: false)
            if let sinkError { throw sinkError }
            if let error = outcome.error { throw error }
            return outcome.results.last ?? QueryResult()
        }
    }

    /// Runs one `COPY … FROM STDIN` with the bytes of the file at `path`, read and sent 64 KiB at a time.
    /// The server's error for a bad row is thrown with its `context` (`COPY t, line 3, column n: "x"`); a file
    /// that cannot be read aborts the COPY and throws an error naming it.
    @discardableResult
    public func copyIn(_ sql: String, fromFileAt path: String) throws -> QueryResult {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PostgresError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        try beginCopy(sql)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                _ = try? endCopy(errorMessage: "could not read \(path)")
                throw PostgresError(message: "cannot read \(path): \(reason)")
            }
            try sendCopyData(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return try endCopy()
    }
}
