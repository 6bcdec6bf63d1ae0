import Foundation
import TestSupport
import XCTest

/// A cluster for the team-workflow tests (roles, container, CI templates): it also listens on 127.0.0.1 like a
/// server in a container, and checks passwords (SCRAM) for every role but the `postgres` administrator, so a test
/// that logs in as `factory_migration` proves its password works. Roles are cluster-wide, so these tests keep away
/// from the shared cluster; one cluster serves them (each test uses databases of its own), and a test that sets the
/// roles' passwords its own way starts another.
final class RoleCluster: @unchecked Sendable {
    let cluster: TemporaryCluster
    /// The role passwords the tests give `scripts/initialize.sh` (FACTORY_*_PASSWORD).
    let passwords: [String: String] = [
        "FACTORY_MIGRATION_PASSWORD": "migration-\(UUID().uuidString)",
        "FACTORY_APP_PASSWORD": "app-\(UUID().uuidString)",
        "FACTORY_ANALYTICS_PASSWORD": "analytics-\(UUID().uuidString)",
    ]

    static func shared() throws -> RoleCluster { try sharedResult.get() }
    private static let sharedResult = Result { try RoleCluster() }

    init() throws {
        let hba = FileManager.default.temporaryDirectory.appendingPathComponent("role-cluster-hba-\(UUID().uuidString).conf")
        try """
            local all postgres trust
            host  all postgres 127.0.0.1/32 trust
            local all all scram-sha-256
            host  all all 127.0.0.1/32 scram-sha-256
            """.write(to: hba, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: hba.path)
        // The server reads the file when it starts (and on reload, which these tests never ask for).
        defer { try? FileManager.default.removeItem(at: hba) }
        cluster = try TemporaryCluster.start(settings: ["listen_addresses=127.0.0.1", "hba_file=\(hba.path)"])
    }

    var port: Int { cluster.port }

    /// A new empty database on this cluster.
    func createDatabase(_ name: String? = nil) throws -> String {
        if let name {
            let result = try cluster.psql(database: "postgres", arguments: ["-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"])
            guard result.status == 0 else { throw TemporaryClusterError("CREATE DATABASE \(name): \(result.stderr)") }
            return name
        }
        return try cluster.createDatabase(prefix: "w")
    }

    /// libpq's variables for the `postgres` administrator over TCP, as a container's client would have them.
    func administratorEnvironment(database: String) -> [String: String] {
        ["PGHOST": "127.0.0.1", "PGPORT": String(port), "PGUSER": "postgres", "PGDATABASE": database]
    }

    /// The environment of a child process: ours without libpq's, FLYWAY_* and FACTORY_* variables, plus `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("PG") && !$0.key.hasPrefix("FLYWAY_") && !$0.key.hasPrefix("FACTORY_")
        }
        environment["LC_ALL"] = "C.UTF-8"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs `scripts/initialize.sh` of this repository (`arguments`, e.g. `--after-migrate`) as the administrator.
    @discardableResult
    func initialize(database: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let environment = Self.environment(administratorEnvironment(database: database).merging(passwords) { $1 }
            .merging(["PSQL": cluster.binDirectory + "/psql"]) { $1 })
        let result = try ProcessRunner.run("/bin/bash", [Repository.root + "/scripts/initialize.sh"] + arguments, environment: environment)
        XCTAssertEqual(result.status, 0, "initialize.sh \(arguments) failed:\n\(result.stdout)\(result.stderr)", file: file, line: line)
        return result
    }

    /// The password of a factory role (`factory_migration` → FACTORY_MIGRATION_PASSWORD).
    func password(of role: String) -> String {
        passwords[role.uppercased() + "_PASSWORD"] ?? ""
    }

    /// Runs `sql` with psql as `role` over TCP with its password; stops at the first error.
    func psql(as role: String, database: String, _ sql: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let environment = Self.environment([
            "PGHOST": "127.0.0.1", "PGPORT": String(port), "PGUSER": role, "PGDATABASE": database,
            "PGPASSWORD": password(of: role),
        ])
        return try ProcessRunner.run(cluster.binDirectory + "/psql", ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                     environment: environment)
    }

    /// `sql` as `postgres` on `database`; fails the test on error and returns the output.
    @discardableResult
    func admin(_ database: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try cluster.psql(database: database, arguments: ["-v", "ON_ERROR_STOP=1", "-q", "-tA", "-c", sql])
        XCTAssertEqual(result.status, 0, "\(sql): \(result.stderr)", file: file, line: line)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The repository this test was built from, and throwaway copies of parts of it.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A new temporary directory holding copies of the repository's `folders` (e.g. sql, conf), as a checkout
    /// would; removed by the caller.
    static func copy(_ folders: [String], to directory: URL? = nil) throws -> URL {
        let target = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("checkout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for folder in folders {
            let destination = target.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: root + "/" + folder, toPath: destination.path)
        }
        return target
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: root + "/" + path, encoding: .utf8)
    }
}
