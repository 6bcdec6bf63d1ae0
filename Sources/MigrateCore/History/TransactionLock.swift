import Glibc
import PostgresClient

/// `lockMode=transaction`: the same advisory-lock key as the session lock (so both modes, and Flyway,
/// exclude each other), taken with `pg_try_advisory_xact_lock` inside the transaction that applies a file.
/// The server drops it at COMMIT or ROLLBACK, so it cannot outlive the transaction on a pooled server
/// connection as a session lock does behind a transaction pooler.
struct TransactionLock {
    let connection: Connection
    let history: SchemaHistoryTable
    var key: Int64 { AdvisoryLock.key(forQuotedTable: history.quotedName) }

    /// Spins inside the open transaction until the lock is ours, as `AdvisoryLock.acquire` does (quick
    /// retries, then one a second, `retries` times; -1: forever). Re-entrant: true at once when this
    /// transaction holds it already (group=true takes it once for every file).
    func acquire(retries: Int, waiting: (Int?) -> Void) throws {
        let session = AdvisoryLock(connection: connection, quotedTable: history.quotedName)
        try session.acquire(retries: retries, waiting: waiting) {
            try connection.query("SELECT pg_try_advisory_xact_lock($1)", [String(key)]).rows.first?.first == "t"
        }
    }

    /// Whether `file` is still pending, read under the lock: another run may have applied it since this one
    /// read the history. A versioned file is applied once any successful row has its version; a repeatable
    /// when its newest successful row has this checksum.
    func isPending(_ file: MigrationFile) throws -> Bool {
        let name = history.quotedName
        if let version = file.version {
            return try connection.query(
                "SELECT 1 FROM \(name) WHERE version = $1 AND success LIMIT 1", [version.text]).rows.isEmpty
        }
        let newest = try connection.query("""
            SELECT checksum FROM \(name) WHERE version IS NULL AND description = $1 AND success AND type <> 'DELETE'
             ORDER BY installed_rank DESC LIMIT 1
            """, [file.description]).rows.first
        return newest?.first.flatMap { $0 }.flatMap { Int32($0) } != file.checksum
    }
}
