/// Why migrate will not run through a connection pooler as configured.
public enum PoolingError: Error, Sendable, Equatable {
    /// Consecutive transactions of one client connection ran in different server processes: a pooler in
    /// transaction (or statement) mode, where a session-level lock and session settings are not the session's.
    case transactionPooling(serverPIDs: [Int])
    /// lockMode=transaction takes its lock inside each migration's transaction: a file that must run outside
    /// one would run unlocked.
    case notTransactional(file: String)

    var errorCode: String {
        switch self {
        case .transactionPooling: return "TRANSACTION_POOLING"
        case .notTransactional: return "SCRIPT_ERROR"
        }
    }

    var file: String? {
        if case .notTransactional(let file) = self { return file }
        return nil
    }
}

extension PoolingError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .transactionPooling(let pids):
            return "the connection goes through a pooler in transaction mode (such as PgBouncer with pool_mode=transaction): "
                + "consecutive transactions ran in server processes \(pids.map(String.init).joined(separator: " and ")). "
                + "There, migrate's session-level advisory lock would stay with whichever server connection took it and outlive this run "
                + "(every later run, even a direct one, would wait for it), its session settings would leak into other clients' transactions, "
                + "and concurrent runs could apply a repeatable migration twice. Nothing was changed. "
                + "Connect directly to PostgreSQL or through a session-mode pool for migrations, "
                + "or set lockMode=transaction to lock inside each migration's transaction instead."
        case .notTransactional(let file):
            return "\(file) must run outside a transaction (CREATE INDEX CONCURRENTLY, executeInTransaction=false…), "
                + "but lockMode=transaction holds the migration lock inside each migration's transaction, so it would run unlocked. "
                + "Nothing was applied. Run it with lockMode=session over a direct or session-pooled connection."
        }
    }
}
