import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PgBouncer (Debian's `pgbouncer`) in front of a `TemporaryCluster`, started by the tests on a
/// free TCP port of 127.0.0.1 and stopped by `stop()` (or at exit, with the cluster's directory gone).
///
/// Every database of the cluster is reachable through it, as user `postgres` with trust authentication.
/// As root (PgBouncer refuses root) it runs as the `postgres` user via `runuser`, like the cluster.
public final class TemporaryPgBouncer: @unchecked Sendable {
    public let directory: String
    public let port: Int
    public let logFile: String
    private let process: RunningProcess
    private let lock = NSLock()
    private var stopped = false

    /// Starts PgBouncer in `poolMode` (`transaction`, `session`, `statement`) for `cluster`'s databases.
    public init(cluster: TemporaryCluster, poolMode: String = "transaction") throws {
        let executable = try Self.findExecutable()
        var template = Array("/tmp/migrate-pgbouncer-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TemporaryClusterError("mkdtemp for PgBouncer failed: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        logFile = directory + "/pgbouncer.log"
        port = TemporaryCluster.freePort()
        let config = """
            [databases]
            * = host=\(cluster.socketDirectory) port=\(cluster.port) user=postgres

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/users.txt
            pool_mode = \(poolMode)
            default_pool_size = 20
            max_client_conn = 200
            logfile = \(logFile)
            pidfile = \(directory)/pgbouncer.pid
            ignore_startup_parameters = extra_float_digits,options

            """
        try config.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"postgres\" \"\"\n".write(toFile: directory + "/users.txt", atomically: true, encoding: .utf8)
        var program = executable
        var arguments = [directory + "/pgbouncer.ini"]
        if getuid() == 0 {
            guard let user = getpwnam("postgres") else {
                throw TemporaryClusterError("running as root, and PgBouncer refuses root: a 'postgres' user is needed")
            }
            for path in [directory, directory + "/pgbouncer.ini", directory + "/users.txt"] {
                _ = chown(path, user.pointee.pw_uid, user.pointee.pw_gid)
            }
            program = try ProcessRunner.resolve("runuser", environment: ["PATH": "/usr/sbin:/sbin:/usr/bin:/bin"])
            arguments = ["-u", "postgres", "--", executable] + arguments
        }
        process = try ProcessRunner.start(program, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/bin", "LC_ALL": "C"],
                                          currentDirectory: directory)
        do {
            try waitUntilListening()
        } catch {
            stop()
            throw error
        }
    }

    /// A libpq URL for `database` through the pooler.
    public func url(database: String) -> String {
        "postgresql://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// Stops PgBouncer (SIGINT: at once) and deletes its directory. Safe to call more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        // runuser does not pass signals on: PgBouncer's own pid is in its pid file.
        if let text = try? String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGINT)
        } else {
            process.kill(SIGINT)
        }
        _ = process.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Readiness, not a timing assertion: PgBouncer takes a moment to bind its port (or exits with a reason).
    private func waitUntilListening() throws {
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            usleep(50_000)
        }
        throw TemporaryClusterError("PgBouncer did not listen on 127.0.0.1:\(port) within 10 s; its log:\n\(log)")
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func findExecutable() throws -> String {
        for candidate in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        if let found = try? ProcessRunner.resolve("pgbouncer") { return found }
        throw TemporaryClusterError("pgbouncer not found: install it (apt-get install pgbouncer)")
    }
}
