import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a cluster could not be started or used.
public struct TemporaryClusterError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A throwaway PostgreSQL cluster, started by the tests themselves: `initdb` into a temporary
/// directory, then `pg_ctl start` listening only on a unix socket in that directory.
///
/// Binaries come from `PG_BINDIR`, else `pg_config --bindir`, else the highest
/// `/usr/lib/postgresql/*/bin`, else `PATH`. Without `initdb` starting fails (it never skips).
/// As root (initdb refuses to run as root) the server runs as the `postgres` user via `runuser`;
/// the tests still connect as database user `postgres` over the socket, with trust authentication.
///
/// Clusters are stopped (`pg_ctl stop -m immediate`) and their directory deleted by `stop()`, at
/// process exit (atexit), and, if the test process dies without running atexit (crash, SIGKILL), by
/// a small watchdog shell that notices its parent is gone.
public final class TemporaryCluster: @unchecked Sendable {
    /// The temporary directory holding everything: `data/`, `log`, and the socket.
    public let directory: String
    public let dataDirectory: String
    /// Where the server's unix socket is (`.s.PGSQL.<port>`); use as libpq's `host`.
    public let socketDirectory: String
    public let port: Int
    public let binDirectory: String
    /// The server's log (pg_ctl -l).
    public let logFile: String

    /// Non-nil when running as root: how to run a program as the `postgres` user.
    private let runAs: RunAs?
    /// What `pg_ctl start` was given (`-o`): the socket, the port and the settings; `restart()` reuses it.
    private let serverOptions: String
    private let lock = NSLock()
    private var stopped = false
    /// The watchdog shell and the write end of its stdin; closing it without a line makes the
    /// watchdog clean up.
    private var watchdog: (pid: pid_t, pipe: Int32)?

    // MARK: Starting

    /// The cluster shared by every test in this process: started on first use, stopped at exit.
    /// A failure to start is remembered, so each later caller gets the same error quickly.
    public static func shared() throws -> TemporaryCluster {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let sharedResult { return try sharedResult.get() }
        let result = Result { try start() }
        sharedResult = result
        return try result.get()
    }

    /// Starts a separate cluster (remember to `stop()` it; it is stopped at exit anyway). `settings` are
    /// server settings (`name=value`) on top of the defaults, which favour speed over durability
    /// (`synchronous_commit=off`: a crash may lose the last commits; pass `synchronous_commit=on` to keep them).
    public static func start(settings: [String] = []) throws -> TemporaryCluster {
        let binDirectory = try findBinDirectory()
        let runAs = try RunAs.forCurrentUser()
        let directory = try makeTemporaryDirectory(owner: runAs)
        do {
            let cluster = try TemporaryCluster(directory: directory, binDirectory: binDirectory, runAs: runAs, settings: settings)
            register(cluster)
            return cluster
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private init(directory: String, binDirectory: String, runAs: RunAs?, settings: [String]) throws {
        self.directory = directory
        self.dataDirectory = directory + "/data"
        self.socketDirectory = directory
        self.logFile = directory + "/log"
        self.binDirectory = binDirectory
        self.runAs = runAs
        // Watch from the start: a crash in the middle of starting must not leave a server either.
        let watchdog = Self.startWatchdog(directory: directory, dataDirectory: dataDirectory,
                                          binDirectory: binDirectory, runAs: runAs)
        do {
            (self.port, self.serverOptions) = try Self.initializeAndStart(
                directory: directory, dataDirectory: dataDirectory, logFile: logFile, binDirectory: binDirectory,
                runAs: runAs, settings: settings)
        } catch {
            if let watchdog { Self.dismiss(watchdog) }
            throw error
        }
        self.watchdog = watchdog
    }

    /// initdb, then pg_ctl start on a free port; returns the port and the server options.
    private static func initializeAndStart(directory: String, dataDirectory: String, logFile: String,
                                           binDirectory: String, runAs: RunAs?, settings: [String]) throws -> (Int, String) {
        let initdb = try Self.runTool(binDirectory + "/initdb", [
            "-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync",
        ], runAs: runAs, currentDirectory: directory)
        guard initdb.status == 0 else {
            throw TemporaryClusterError("initdb failed (status \(initdb.status)):\n\(initdb.stdout)\(initdb.stderr)")
        }

        // The socket lives in our own directory, so the port only names it; a clash is unlikely but
        // possible (another server's lock file), so try a few.
        var lastFailure = ""
        var started: (Int, String)?
        for _ in 0..<5 {
            let port = Self.freePort()
            let options = "-k \(shellQuote(directory)) -c listen_addresses='' -p \(port)"
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                + settings.map { " -c \(shellQuote($0))" }.joined()
            let start = try Self.runTool(binDirectory + "/pg_ctl", [
                "-D", dataDirectory, "-w", "-l", logFile, "-o", options, "start",
            ], runAs: runAs, currentDirectory: directory)
            if start.status == 0 {
                started = (port, options)
                break
            }
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            lastFailure = "pg_ctl start failed (status \(start.status)):\n\(start.stdout)\(start.stderr)\nserver log:\n\(log)"
            let busy = ["could not bind", "already in use", "lock file", "could not create any"]
            guard busy.contains(where: log.contains) else { break }
            // A server that half-started must not linger before the next try.
            Self.runQuietly(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"], runAs: runAs)
        }
        guard let started else {
            // pg_ctl may have given up waiting on a server that is still coming up.
            Self.runQuietly(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"], runAs: runAs)
            throw TemporaryClusterError(lastFailure)
        }
        return started
    }

    // MARK: Stopping

    /// Stops the server (immediate mode) and deletes the directory. Safe to call more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        Self.runQuietly(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"], runAs: runAs)
        try? FileManager.default.removeItem(atPath: directory)
        if let watchdog {
            Self.dismiss(watchdog)
            self.watchdog = nil
        }
        Self.unregister(self)
    }

    deinit { stop() }

    // MARK: Faults

    /// Stops the server as a crash would (`pg_ctl stop -m immediate`: no checkpoint, sessions cut off), and
    /// keeps its data for `restart()`.
    public func crash() throws {
        let result = try Self.runTool(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "stop"],
                                      runAs: runAs, currentDirectory: directory)
        guard result.status == 0 else {
            throw TemporaryClusterError("pg_ctl stop -m immediate failed (status \(result.status)):\n\(result.stdout)\(result.stderr)")
        }
    }

    /// Starts the server again after `crash()`, on the same port and socket (it recovers from its WAL first).
    public func restart() throws {
        let result = try Self.runTool(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-w", "-l", logFile, "-o", serverOptions, "start"],
                                      runAs: runAs, currentDirectory: directory)
        guard result.status == 0 else {
            throw TemporaryClusterError("pg_ctl start failed (status \(result.status)):\n\(result.stdout)\(result.stderr)\nserver log:\n\(log)")
        }
    }

    // MARK: Using

    /// Creates a fresh, uniquely named database (`<prefix>_<32 hex digits>`) and returns its name.
    public func createDatabase(prefix: String = "t") throws -> String {
        let cleaned = String(prefix.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            .prefix(30))
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let name = (cleaned.isEmpty ? "t" : cleaned) + "_" + suffix
        let result = try psql(database: "postgres", arguments: [
            "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \"\(name)\"",
        ])
        guard result.status == 0 else {
            throw TemporaryClusterError("CREATE DATABASE \(name) failed (status \(result.status)): \(result.stderr)")
        }
        return name
    }

    /// Drops a database made by `createDatabase` (WITH (FORCE): open sessions are ended).
    public func dropDatabase(_ name: String) throws {
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let result = try psql(database: "postgres", arguments: [
            "-v", "ON_ERROR_STOP=1", "-q", "-c", "DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)",
        ])
        guard result.status == 0 else {
            throw TemporaryClusterError("DROP DATABASE \(name) failed (status \(result.status)): \(result.stderr)")
        }
    }

    /// `postgresql://postgres@/<database>?host=<socket directory>&port=<port>`, percent-encoded.
    public func url(database: String) -> String {
        "postgresql://postgres@/\(percentEncode(database))?host=\(percentEncode(socketDirectory))&port=\(port)"
    }

    /// libpq keyword/value pairs: host (the socket directory), port, user, dbname.
    public func connectionParameters(database: String) -> [(String, String)] {
        [("host", socketDirectory), ("port", String(port)), ("user", "postgres"), ("dbname", database)]
    }

    /// Runs the real `psql -X -h <socket> -p <port> -U postgres -d <database> <arguments…>`.
    ///
    /// The environment is this process's without `PG*` variables, plus `PGCLIENTENCODING=UTF8` and
    /// `LC_ALL=C.UTF-8`, so output does not depend on the machine; `-X` skips any `~/.psqlrc`.
    public func psql(database: String, arguments: [String], input: String? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        var environment = Self.cleanEnvironment()
        environment["PGCLIENTENCODING"] = "UTF8"
        environment["LC_ALL"] = "C.UTF-8"
        return try ProcessRunner.run(
            binDirectory + "/psql",
            ["-X", "-h", socketDirectory, "-p", String(port), "-U", "postgres", "-d", database] + arguments,
            environment: environment, input: input)
    }

    /// The server log so far (useful in failure messages).
    public var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    // MARK: - Internals

    private struct RunAs {
        var runuser: String
        var uid: uid_t
        var gid: gid_t

        /// nil unless root; as root, the postgres user and runuser must exist.
        static func forCurrentUser() throws -> RunAs? {
            guard getuid() == 0 else { return nil }
            guard let entry = getpwnam("postgres") else {
                throw TemporaryClusterError("""
                    running as root, and initdb refuses root: a 'postgres' user is needed to run the server \
                    (apt-get install postgresql creates one)
                    """)
            }
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
            guard let runuser = try? ProcessRunner.resolve("runuser", environment: ["PATH": path]) else {
                throw TemporaryClusterError("running as root needs runuser (util-linux) to start PostgreSQL as 'postgres'")
            }
            return RunAs(runuser: runuser, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
        }

        func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
            (runuser, ["-u", "postgres", "--", executable] + arguments)
        }
    }

    /// Runs a server tool, as `postgres` when we are root, with a neutral environment.
    private static func runTool(_ executable: String, _ arguments: [String], runAs: RunAs?,
                                currentDirectory: String) throws -> (status: Int32, stdout: String, stderr: String)
    {
        var environment = cleanEnvironment()
        environment["LC_ALL"] = "C"
        let (program, args) = runAs?.command(executable, arguments) ?? (executable, arguments)
        return try ProcessRunner.run(program, args, environment: environment, currentDirectory: currentDirectory)
    }

    /// This process's environment without libpq/server variables (PGDATA, PGPORT, PGOPTIONS…).
    private static func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }

    /// The directory with initdb, pg_ctl and psql. The parameters exist for tests of the search.
    static func findBinDirectory(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        debianRoot: String = "/usr/lib/postgresql"
    ) throws -> String {
        let fileManager = FileManager.default
        let install = "Install PostgreSQL (apt-get install postgresql) or set PG_BINDIR to the directory "
            + "holding initdb, pg_ctl and psql."
        func hasInitdb(_ directory: String) -> Bool {
            fileManager.isExecutableFile(atPath: directory + "/initdb")
        }
        if let directory = environment["PG_BINDIR"], !directory.isEmpty {
            guard hasInitdb(directory) else {
                throw TemporaryClusterError("PG_BINDIR=\(directory) has no initdb. \(install)")
            }
            return directory
        }
        if let pgConfig = try? ProcessRunner.resolve("pg_config", environment: environment),
           let result = try? ProcessRunner.run(pgConfig, ["--bindir"], environment: environment),
           result.status == 0 {
            let directory = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if hasInitdb(directory) { return directory }
        }
        // Debian/Ubuntu: /usr/lib/postgresql/<major>/bin, newest first.
        let versions = ((try? fileManager.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap { name in Double(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
        for (name, _) in versions where hasInitdb("\(debianRoot)/\(name)/bin") {
            return "\(debianRoot)/\(name)/bin"
        }
        if let initdb = try? ProcessRunner.resolve("initdb", environment: environment) {
            // Resolve symlinks (/usr/local/bin/initdb -> …/bin/initdb) to find psql and pg_ctl beside it.
            let real = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent().path
            return hasInitdb(real) ? real : URL(fileURLWithPath: initdb).deletingLastPathComponent().path
        }
        throw TemporaryClusterError("""
            PostgreSQL server binaries not found: no initdb in PG_BINDIR, pg_config --bindir, \
            \(debianRoot)/*/bin or PATH. \(install)
            """)
    }

    /// mkdtemp under /tmp (short, so the socket path fits in 107 bytes), owned by the server's user.
    private static func makeTemporaryDirectory(owner: RunAs?) throws -> String {
        var base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        if owner != nil || base.utf8.count > 60 || !FileManager.default.fileExists(atPath: base) { base = "/tmp" }
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
            + Array("migrate-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw TemporaryClusterError("mkdtemp in \(base) failed: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        if let owner, chown(directory, owner.uid, owner.gid) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: directory)
            throw TemporaryClusterError("chown \(directory) to postgres failed: \(reason)")
        }
        return directory
    }

    /// A TCP port that was free a moment ago (bound to 127.0.0.1:0, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Int.random(in: 20000..<60000) }
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { return Int.random(in: 20000..<60000) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `sh` reading a pipe whose only write end we hold (close-on-exec, so no other child
    /// inherits it). If we die without `stop()`, the kernel closes it, `read` sees EOF, and the shell
    /// stops the server and deletes the directory. `stop()` writes a line first, which means "done".
    private static func startWatchdog(directory: String, dataDirectory: String, binDirectory: String,
                                      runAs: RunAs?) -> (pid: pid_t, pipe: Int32)? {
        guard let pipe = try? ProcessRunner.makePipe() else { return nil }
        defer { Glibc.close(pipe.read) }
        let stopCommand = (runAs.map { [$0.runuser, "-u", "postgres", "--"] } ?? [])
            + [binDirectory + "/pg_ctl", "-D", dataDirectory, "-m", "immediate", "stop"]
        let script = """
            trap '' INT TERM HUP QUIT
            if read -r line; then exit 0; fi
            \(stopCommand.map(shellQuote).joined(separator: " ")) >/dev/null 2>&1
            rm -rf \(shellQuote(directory))
            """
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { Glibc.close(null) } }
        do {
            let pid = try ProcessRunner.spawn("/bin/sh", ["-c", script], environment: cleanEnvironment(),
                                              currentDirectory: "/", stdin: pipe.read, stdout: null, stderr: null)
            return (pid, pipe.write)
        } catch {
            Glibc.close(pipe.write)
            return nil
        }
    }

    /// Tells a watchdog that all is done (a line on its stdin), so it exits without doing anything.
    private static func dismiss(_ watchdog: (pid: pid_t, pipe: Int32)) {
        _ = "stopped\n".withCString { write(watchdog.pipe, $0, strlen($0)) }
        Glibc.close(watchdog.pipe)
        _ = ProcessRunner.waitForExit(watchdog.pid)
    }

    /// Runs a server tool without capturing anything (used by stop, also at exit).
    private static func runQuietly(_ executable: String, _ arguments: [String], runAs: RunAs?) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { Glibc.close(null) } }
        let (program, args) = runAs?.command(executable, arguments) ?? (executable, arguments)
        var environment = cleanEnvironment()
        environment["LC_ALL"] = "C"
        guard let pid = try? ProcessRunner.spawn(program, args, environment: environment, currentDirectory: "/",
                                                 stdin: null, stdout: null, stderr: null) else { return }
        _ = ProcessRunner.waitForExit(pid)
    }

    // MARK: Registry (for shared() and atexit)

    private nonisolated(unsafe) static var sharedResult: Result<TemporaryCluster, Error>?
    private static let sharedLock = NSLock()
    private static let registryLock = NSLock()
    private nonisolated(unsafe) static var running: [ObjectIdentifier: TemporaryCluster] = [:]
    private nonisolated(unsafe) static var atexitInstalled = false

    private static func register(_ cluster: TemporaryCluster) {
        registryLock.lock()
        defer { registryLock.unlock() }
        running[ObjectIdentifier(cluster)] = cluster
        if !atexitInstalled {
            atexitInstalled = true
            atexit { TemporaryCluster.stopAll() }
        }
    }

    private static func unregister(_ cluster: TemporaryCluster) {
        registryLock.lock()
        running[ObjectIdentifier(cluster)] = nil
        registryLock.unlock()
    }

    /// Stops every cluster still running (called at exit).
    private static func stopAll() {
        registryLock.lock()
        let clusters = Array(running.values)
        registryLock.unlock()
        for cluster in clusters { cluster.stop() }
    }
}

/// 'text' for /bin/sh, with inner single quotes escaped.
private func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Percent-encodes everything but RFC 3986 unreserved characters (so '/' in a socket path too).
private func percentEncode(_ text: String) -> String {
    var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
