import Glibc
import PostgresClient

/// A session that held a lock a migration waited for, as `pg_stat_activity` showed it during the wait.
public struct LockBlocker: Sendable, Equatable, Encodable {
    public var pid: Int
    public var user: String
    public var application: String
    /// `idle in transaction`, `active`…
    public var state: String
    /// Seconds since its transaction started (nil outside a transaction).
    public var transactionSeconds: Int?
    /// The start of its current (or, when idle, last) query.
    public var query: String
}

/// Who blocks the migration session, watched from a connection of its own while migrations run.
///
/// By the time a lock timeout reaches migrate the wait is over, and `pg_blocking_pids` of its session is
/// empty again; the blocker may have committed too. So the watcher asks during the wait: it polls
/// `pg_blocking_pids(<migration pid>)` several times per `lockTimeout` (at least five), and hands over
/// everyone it saw since the last time it was asked. A wait shorter than one poll may go unseen.
final class BlockerWatch: @unchecked Sendable {
    private let connection: Connection
    private let pid: Int
    private let intervalMilliseconds: Int
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var stopped = false
    private var seen: [LockBlocker] = []
    private var thread: pthread_t?

    /// Starts watching `pid` on `connection` (which the watcher then owns).
    init(connection: Connection, pid: Int, lockTimeoutMilliseconds: Int) {
        self.connection = connection
        self.pid = pid
        intervalMilliseconds = lockTimeoutMilliseconds > 0 ? min(max(lockTimeoutMilliseconds / 5, 20), 1_000) : 1_000
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        if pthread_create(&thread, nil, { context in
            Unmanaged<BlockerWatch>.fromOpaque(context!).takeRetainedValue().poll()
            return nil
        }, context) == 0 {
            self.thread = thread
        } else {
            Unmanaged<BlockerWatch>.fromOpaque(context).release()
        }
    }

    /// Everyone seen blocking the session since the last call, by pid.
    func takeBlockers() -> [LockBlocker] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let blockers = seen
        seen = []
        return blockers
    }

    /// Ends the polling thread and its connection; waits no longer than one query.
    func stop() {
        pthread_mutex_lock(&mutex)
        stopped = true
        pthread_cond_signal(&wake)
        pthread_mutex_unlock(&mutex)
        if let thread { pthread_join(thread, nil) }
        thread = nil
        connection.close()
    }

    private func poll() {
        while true {
            // A failed query (the watcher's connection lost) ends the watch: the migration goes on without it.
            guard let blockers = try? currentBlockers() else { return }
            pthread_mutex_lock(&mutex)
            for blocker in blockers {
                if let index = seen.firstIndex(where: { $0.pid == blocker.pid }) { seen[index] = blocker } else { seen.append(blocker) }
            }
            if !stopped {
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                let nanoseconds = Int(deadline.tv_nsec) + intervalMilliseconds * 1_000_000
                deadline.tv_sec += nanoseconds / 1_000_000_000
                deadline.tv_nsec = nanoseconds % 1_000_000_000
                pthread_cond_timedwait(&wake, &mutex, &deadline)
            }
            let done = stopped
            pthread_mutex_unlock(&mutex)
            if done { return }
        }
    }

    private func currentBlockers() throws -> [LockBlocker] {
        try connection.query("""
            SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.state, ''),
                   extract(epoch FROM clock_timestamp() - a.xact_start)::int, left(coalesce(a.query, ''), 200)
              FROM pg_catalog.pg_stat_activity a
             WHERE a.pid = ANY (pg_catalog.pg_blocking_pids($1::int))
             ORDER BY a.xact_start
            """, [String(pid)]).rows.map { row in
            LockBlocker(pid: Int(row[0] ?? "") ?? 0, user: row[1] ?? "", application: row[2] ?? "", state: row[3] ?? "",
                        transactionSeconds: row[4].flatMap { Int($0) }, query: row[5] ?? "")
        }
    }
}
