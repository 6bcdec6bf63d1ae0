import Foundation
import PostgresClient
import TestSupport
import XCTest

/// A throwaway project directory (sql/, conf files) bound to a fresh database on the shared test cluster,
/// driving the real `migrate` binary.
final class MigrateProject {
    let cluster: TemporaryCluster
    let database: String
    let directory: URL
    private var connection: Connection?

    /// `cluster`: the shared test cluster unless given (a test that stops its server brings its own).
    init(cluster: TemporaryCluster? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        self.cluster = try cluster ?? TemporaryCluster.shared()
        database = try self.cluster.createDatabase(prefix: "m")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-project-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sql"), withIntermediateDirectories: true)
    }

    deinit {
        connection?.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var url: String { cluster.url(database: database) }

    /// Writes a file below the project directory (e.g. "sql/V1__init.sql").
    @discardableResult
    func write(_ path: String, _ content: String) throws -> URL {
        try write(path, bytes: Array(content.utf8))
    }

    @discardableResult
    func write(_ path: String, bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent(path))
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }

        /// The one JSON object printed on stdout (`-outputType=json`).
        func document(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try XCTUnwrap(object as? [String: Any], "not a JSON object:\n\(stdout)", file: file, line: line)
        }
    }

    /// Runs the built binary in the project directory with `-url=` pointing at this project's database
    /// (unless `withURL` is false), a clean environment plus `environment`; as `user` through `runuser`
    /// when one is given (the tests run as root, whom file permissions do not stop).
    @discardableResult
    /// `asUser`: run as that user (through runuser), with a copy of the binary any user may run.
    func migrate(_ arguments: [String], environment: [String: String] = [:], withURL: Bool = true, asUser user: String? = nil) throws -> Run {
        let (args, env) = invocation(arguments, environment: environment, withURL: withURL)
        let (executable, prefix) = try user.map { ("runuser", ["-u", $0, "--", try MigrateBinary.pathForOtherUsers()]) } ?? (MigrateBinary.path, [])
        let result = try ProcessRunner.run(executable, prefix + args, environment: env, input: nil, currentDirectory: directory.path)
        return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Starts migrate as `migrate(…)` would run it, without waiting: the test injects a fault while it works.
    func start(_ arguments: [String], environment: [String: String] = [:], withURL: Bool = true) throws -> Running {
        let (args, env) = invocation(arguments, environment: environment, withURL: withURL)
        return Running(process: try ProcessRunner.start(MigrateBinary.path, args, environment: env, currentDirectory: directory.path))
    }

    /// A migrate process started by `start`.
    struct Running {
        let process: RunningProcess
        func kill() { process.kill(SIGKILL) }
        func wait() -> Run {
            let result = process.wait()
            return Run(status: result.status, stdout: result.stdout, stderr: result.stderr)
        }
    }

    /// The arguments and environment of a run: `-url=` first, a clean environment plus `environment`.
    private func invocation(_ arguments: [String], environment: [String: String], withURL: Bool) -> ([String], [String: String]) {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FLYWAY_") && !$0.key.hasPrefix("PG") }
        env["HOME"] = directory.path
        for (key, value) in environment { env[key] = value }
        return ((withURL ? ["-url=\(url)"] : []) + arguments, env)
    }

    /// Runs migrate and fails the test unless it exits 0.
    @discardableResult
    func migrateOK(_ arguments: [String], environment: [String: String] = [:], withURL: Bool = true,
                   file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let run = try migrate(arguments, environment: environment, withURL: withURL)
        XCTAssertEqual(run.status, 0, "migrate \(arguments) failed:\n\(run.output)", file: file, line: line)
        return run
    }

    /// Runs migrate with `-outputType=json` and returns the one JSON object it prints on stdout.
    func json(_ arguments: [String], expectSuccess: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try migrate(["-outputType=json"] + arguments)
        XCTAssertEqual(run.status == 0, expectSuccess, "\(arguments): exit \(run.status)\n\(run.output)", file: file, line: line)
        return try run.document(file: file, line: line)
    }

    /// A run that must fail: its JSON document and the document's `error` object.
    func jsonFailure(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (document: [String: Any], error: [String: Any]) {
        let document = try json(arguments, expectSuccess: false, file: file, line: line)
        return (document, try XCTUnwrap(document["error"] as? [String: Any], "\(document)", file: file, line: line))
    }

    /// `info`'s migrations as (version or description, state) pairs, from its JSON output.
    func states(file: StaticString = #filePath, line: UInt = #line) throws -> [[String]] {
        let migrations = try json(["info"], file: file, line: line)["migrations"] as? [[String: Any]] ?? []
        return migrations.map { [($0["version"] as? String) ?? ($0["description"] as? String ?? ""), $0["state"] as? String ?? ""] }
    }

    /// Forgets the connection `db()` keeps (after the server was restarted, it is dead).
    func disconnect() {
        connection?.close()
        connection = nil
    }

    func db() throws -> Connection {
        if let connection { return connection }
        let made = try Connection(parameters: cluster.connectionParameters(database: database))
        connection = made
        return made
    }

    /// First column of every row.
    func column(_ sql: String, _ parameters: [String?] = []) throws -> [String?] {
        try db().query(sql, parameters).rows.map { $0.first ?? nil }
    }

    func scalar(_ sql: String, _ parameters: [String?] = []) throws -> String? {
        try column(sql, parameters).first ?? nil
    }

    /// (version, description, type, script, checksum, success) of every history row, by rank.
    func history(table: String = "public.flyway_schema_history") throws -> [[String?]] {
        try db().query("SELECT version, description, type, script, checksum::text, success::text FROM \(table) ORDER BY installed_rank").rows
    }

    func tableExists(_ name: String) throws -> Bool {
        try scalar("SELECT to_regclass($1)::text", [name]) != nil
    }
}

enum MigrateBinary {
    /// The `migrate` executable built next to the test bundle (or MIGRATE_BIN).
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["MIGRATE_BIN"] { return explicit }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("migrate")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue { return candidate.path }
            directory.deleteLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("migrate").path
    }()
}
