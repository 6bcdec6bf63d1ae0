import Foundation
import PostgresClient
import XCTest

/// Polls `condition` every 20 ms until it holds, and fails after `timeout` seconds: for a state another
/// process reaches (a migrate backend blocked on a lock the test holds), rather than a guess at how long it takes.
func waitUntil(_ what: String, timeout: TimeInterval = 30, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else {
            throw WaitTimeout(description: "gave up after \(Int(timeout)) s waiting for \(what)")
        }
        usleep(20_000)
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var description: String
}

extension MigrateProject {
    /// A second session on the project's database, for the test to hold locks with.
    func newSession() throws -> Connection {
        try Connection(parameters: cluster.connectionParameters(database: database))
    }

    /// Server processes of this database (other than the test's own session) that wait for a lock.
    func backendsWaitingForALock() throws -> [Int] {
        try column("""
            SELECT pid::text FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
            """).compactMap { $0.flatMap { Int($0) } }
    }

    /// Waits until `count` server processes of this database wait for a lock (one the test holds), and
    /// returns their pids.
    @discardableResult
    func waitForBackendsBlocked(_ count: Int = 1) throws -> [Int] {
        var pids: [Int] = []
        try waitUntil("\(count) session(s) blocked on a lock") {
            pids = try backendsWaitingForALock()
            return pids.count >= count
        }
        return pids
    }

    /// Waits until no server process other than the test's is connected to this database (a killed
    /// migrate's backend finishes what it was running, then exits).
    func waitForOtherSessionsToEnd() throws {
        try waitUntil("the other sessions to end") {
            try scalar("""
                SELECT count(*)::text FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """) == "0"
        }
    }
}
