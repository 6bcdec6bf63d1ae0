import Foundation
import PostgresClient

/// The session-level advisory lock that keeps two migrate (or Flyway) processes from migrating the same
/// schema history at once.
///
/// The key is Flyway's — 0x466C79776179 ("Flyway") plus Java's `String.hashCode` of the quoted table name —
/// so migrate and a Flyway run elsewhere exclude each other. Unlike Flyway's default it is a session lock
/// taken with `pg_try_advisory_lock` in a loop, not a transaction-level lock that keeps a transaction open,
/// so `CREATE INDEX CONCURRENTLY` in a migration never waits on our own lock.
public struct AdvisoryLock {
    public static func key(forQuotedTable name: String) -> Int64 {
        0x466C_7977_6179 + Int64(javaHashCode(name))
    }

    /// Java's `String.hashCode()`: s[0]*31^(n-1) + … over UTF-16 code units, wrapping at 32 bits.
    static func javaHashCode(_ text: String) -> Int32 {
        var hash: Int32 = 0
        for unit in text.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return hash
    }

    let connection: Connection
    public let key: Int64

    public init(connection: Connection, quotedTable: String) {
        self.connection = connection
        self.key = Self.key(forQuotedTable: quotedTable)
    }

    /// Spins until the lock is ours. `waiting` is called once, with the holder's pid when known.
    public func acquire(waiting: (Int?) -> Void) throws {
        var delay: UInt32 = 50_000
        var reported = false
        while true {
            let result = try connection.query("SELECT pg_try_advisory_lock($1)", [String(key)])
            if result.rows.first?.first == "t" { return }
            if !reported {
                reported = true
                let holder = try? connection.query(
                    "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid AND classid = ($1::bigint >> 32)::oid LIMIT 1",
                    [String(key)])
                waiting(holder?.rows.first?.first.flatMap { $0 }.flatMap { Int($0) })
            }
            usleep(delay)
            delay = min(delay * 2, 1_000_000)
        }
    }

    public func release() {
        _ = try? connection.query("SELECT pg_advisory_unlock($1)", [String(key)])
    }
}
