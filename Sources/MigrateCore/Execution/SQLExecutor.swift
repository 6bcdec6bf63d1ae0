import PostgresClient

/// Where every statement that changes the database goes: the plan of a command runs through one of these.
/// `LiveExecutor` sends it over libpq; `DryRunExecutor` writes it as a script that psql can run. Reads
/// (catalog queries, the history rows) go to the session's connection directly and never come here.
protocol SQLExecutor: AnyObject {
    /// One statement, or several separated by `;`, in one round trip. Server errors are `PostgresError`s
    /// whose position counts from the start of `sql`.
    func run(_ sql: String) throws
    /// The statements of a batch, in one round trip (its text): the dry run follows BEGIN/COMMIT statement
    /// by statement from its entries rather than from the joined text.
    func run(_ batch: StatementBatch) throws
    /// Starts `COPY … FROM STDIN`; data follows with `sendCopyData`, then `endCopy` or `abortCopy`.
    func beginCopy(_ statement: String) throws
    func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws
    func endCopy() throws
    /// Abandons a COPY after a failure (no-op when none is in progress).
    func abortCopy()
    var transactionStatus: TransactionStatus { get }
    /// A comment for whoever reads a dry-run script (which file comes next…); nothing is sent live.
    func comment(_ text: String)
    /// Whether anything actually reaches the database.
    var isLive: Bool { get }
}

extension SQLExecutor {
    func begin() throws { try run("BEGIN") }
    func commit() throws { try run("COMMIT") }
    /// Rolls back the transaction, if one is open (a failed COMMIT has already ended it).
    func rollback() {
        if transactionStatus != .idle { _ = try? run("ROLLBACK") }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try begin()
        do {
            let result = try body()
            try commit()
            return result
        } catch {
            rollback()
            throw error
        }
    }
}

/// Sends the plan to the server.
final class LiveExecutor: SQLExecutor {
    let connection: Connection

    init(connection: Connection) { self.connection = connection }

    func run(_ sql: String) throws { try connection.run(sql) }
    func run(_ batch: StatementBatch) throws { try connection.run(batch.text) }
    func beginCopy(_ statement: String) throws { try connection.beginCopy(statement) }
    func sendCopyData(_ bytes: UnsafeRawBufferPointer) throws { try connection.sendCopyData(bytes) }
    func endCopy() throws { try connection.endCopy() }
    func abortCopy() {
        if connection.isCopyInProgress { _ = try? connection.endCopy(errorMessage: "aborted by migrate") }
    }
    var transactionStatus: TransactionStatus { connection.transactionStatus }
    func comment(_ text: String) {}
    var isLive: Bool { true }
}
