import Glibc
import PostgresClient

/// `lockMode=transaction`: the same advisory-lock key as the session lock (so both modes, and Flyway,
/// exclude each other), taken with `pg_try_advisory_xact_lock` inside the transaction that applies a file.
/// The server drops it at COMMIT or ROLLBACK, so it cannot outlive the transaction on a pooled server
/// connection as a session lock does behind a transaction pooler.
struct TransactionLock {
    let connection: Connection
    let history: SchemaHistoryTable
    /// The session lock's key and its spinning, with a transaction-level attempt.
    private var sessionLock: AdvisoryLock { AdvisoryLock(connection: connection, quotedTable: history.quotedName) }

    /// Spins inside the open transaction until the lock is ours, as `AdvisoryLock.acquire` does (quick
    /// retries, then one a second, `retries` times; -1: forever). Re-entrant: true at once when this
    /// transaction holds it already (group=true takes it once for every file).
    func acquire(retries: Int, waiting: (Int?) -> Void) throws {
        let lock = sessionLock
        try lock.acquire(retries: retries, waiting: waiting) {
            try connection.query("SELECT pg_try_advisory_xact_lock($1)", [String(lock.key)]).rows.first?.first == "t"
        }
    }

    /// Takes the lock as `acquire` does and tells whether `file` is still pending under it: another run may
    /// have applied it since this one read the history. The attempt that takes the lock reads the history in
    /// the same message, as a second statement, so its snapshot comes after the lock (one round trip).
    /// A versioned file is applied once any successful row has its version; a repeatable when its newest
    /// successful row has this checksum.
    func acquireAndCheckPending(_ file: MigrationFile, retries: Int, waiting: (Int?) -> Void) throws -> Bool {
        let name = history.quotedName
        let check = file.version.map { "SELECT NULL FROM \(name) WHERE version = \(connection.escapeLiteral($0.text)) AND success LIMIT 1" }
            ?? """
            SELECT checksum FROM \(name) WHERE version IS NULL AND description = \(connection.escapeLiteral(file.description))
               AND success AND type <> 'DELETE' ORDER BY installed_rank DESC LIMIT 1
            """
        var found: [String?] = []
        let lock = sessionLock
        try lock.acquire(retries: retries, waiting: waiting) {
            var locked = false
            try connection.forEachRow("SELECT pg_try_advisory_xact_lock(\(lock.key));\n" + check) { row in
                if row.statement == 0 { locked = row.string(0) == "t" } else if locked { found.append(row.string(0)) }
            }
            return locked
        }
        guard let row = found.first else { return true }
        return file.version == nil && row.flatMap { Int32($0) } != file.checksum
    }
}
