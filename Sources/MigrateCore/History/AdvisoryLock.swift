import FoundationEssentials
import Glibc
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

    /// One `pg_try_advisory_lock`: whether the lock is now ours.
    public func tryOnce() throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock($1)", [String(key)]).rows.first?.first == "t"
    }

    /// Spins until the lock is ours: quick retries first, then one a second. `retries` is Flyway's
    /// lockRetryCount (-1: wait forever). `waiting` is called once, with the holder's pid when known.
    /// `attempt` tries the lock once (`tryOnce`, or a message that also reads what the lock protects).
    public func acquire(retries: Int = -1, waiting: (Int?) -> Void, attempt: (() throws -> Bool)? = nil) throws {
        var delay: UInt32 = 50_000
        var attempts = 0
        var holder: Int?
        while true {
            if try attempt?() ?? tryOnce() { return }
            if attempts == 0 {
                let row = try? connection.query(
                    "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND objid = ($1::bigint & 4294967295)::oid AND classid = ($1::bigint >> 32)::oid LIMIT 1",
                    [String(key)])
                holder = row?.rows.first?.first.flatMap { $0 }.flatMap { Int($0) }
                waiting(holder)
            }
            if retries >= 0 && attempts >= retries {
                throw LockTimeout(key: key, attempts: attempts + 1, holderPID: holder)
            }
            attempts += 1
            usleep(delay)
            delay = min(delay * 2, 1_000_000)
        }
    }

    public func release() {
        _ = try? connection.query("SELECT pg_advisory_unlock($1)", [String(key)])
    }
}

/// The lock stayed taken for all of `lockRetryCount`'s retries.
public struct LockTimeout: Error, Sendable, CustomStringConvertible {
    public var key: Int64
    public var attempts: Int
    public var holderPID: Int?
    public var description: String {
        "Number of retries exceeded while attempting to acquire the PostgreSQL advisory lock \(key)"
            + (holderPID.map { " (held by server process \($0))" } ?? "")
            + " after \(attempts) attempts. Another migration is running; configure the number of retries with the 'lockRetryCount' configuration option (-1 waits forever)."
    }
}
