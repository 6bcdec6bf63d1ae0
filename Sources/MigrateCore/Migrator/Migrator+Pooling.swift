import PostgresClient

/// Connection poolers: refusing transaction pooling under the session lock, and `lockMode=transaction`.
extension Migrator {
    /// How many more transactions are asked for their server process behind a pooler, before and after
    /// the second connection's transaction.
    static let poolingProbes = 3

    /// Whether migrate locks inside each migration's transaction (lockMode=transaction) instead of holding a
    /// session lock. A dry run takes no lock either way.
    var locksPerTransaction: Bool { configuration.lockMode == "transaction" && dryRun == nil }

    /// Refuses a pooler that moves the session between server processes from one transaction to the next.
    /// A direct connection costs nothing more: libpq's backend key data (sent at connect) names the process
    /// that answered the session's first query. A pooler sends key data of its own; then a session pool keeps
    /// that server process for this client, where a transaction pool lends it to others between transactions.
    /// A quiet transaction pool hands the same server back to the same client, so a second connection opens a
    /// transaction meanwhile: it gets that server (a pooler gives the most recently freed one first) or forces
    /// this client's next transaction onto another.
    func checkNotTransactionPooled(_ session: Session) throws {
        let connection = session.connection
        guard connection.backendPID != session.serverPID else { return }
        func serverPID(_ connection: Connection) throws -> Int {
            try connection.query("SELECT pg_backend_pid()").rows.first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
        }
        func check(_ pid: Int) throws {
            if pid != session.serverPID { throw PoolingError.transactionPooling(serverPIDs: [session.serverPID, pid]) }
        }
        for _ in 0..<Self.poolingProbes { try check(try serverPID(connection)) }
        let other = try connect()
        defer { other.close() }
        for _ in 0..<Self.poolingProbes {
            try other.execute("BEGIN")
            let otherPID = try serverPID(other)
            if otherPID == session.serverPID { throw PoolingError.transactionPooling(serverPIDs: [session.serverPID, otherPID]) }
            try check(try serverPID(connection))
            try other.execute("ROLLBACK")
            try check(try serverPID(connection))
        }
    }

    /// Runs migrate's `body` with the history rows: under the session lock, or, with lockMode=transaction,
    /// as read now (each file's transaction locks and reads them again).
    func withMigrateLock<T>(_ session: Session, _ body: ([AppliedMigration]?) throws -> T) throws -> T {
        guard locksPerTransaction else { return try withLock(session, body) }
        return try body(try readHistory(session))
    }

    /// The per-transaction lock, with lockMode=transaction.
    func transactionLock(_ session: Session) -> TransactionLock? {
        locksPerTransaction ? TransactionLock(connection: session.connection, history: session.history) : nil
    }

    /// lockMode=transaction: every pending file must run in a transaction, which holds the lock.
    func checkRunsUnderTransactionLock(_ planned: [PlannedMigration]) throws {
        guard locksPerTransaction, let file = planned.first(where: { $0.mode == .withoutTransaction }) else { return }
        throw PoolingError.notTransactional(file: file.settings.displayPath)
    }

    /// Takes the lock in the open transaction and tells whether `file` is still pending under it.
    func lockAndCheckPending(_ file: MigrationFile, _ lock: TransactionLock) throws -> Bool {
        try lock.acquireAndCheckPending(file, retries: configuration.lockRetryCount) { pid in onEvent(.waitingForLock(holderPID: pid)) }
    }

    /// Creates the schemas and history table in one transaction; with lockMode=transaction under the lock,
    /// and only when no other run has created the table meanwhile.
    func createHistoryIfMissing(_ session: Session, baseline: MigrationVersion?) throws {
        try session.executor.inTransaction {
            if let lock = transactionLock(session) {
                try lock.acquire(retries: configuration.lockRetryCount) { pid in onEvent(.waitingForLock(holderPID: pid)) }
                if try session.history.exists() { return }
            }
            try createHistory(session)
            if let baseline { try insertBaseline(baseline, session) }
        }
    }
}
