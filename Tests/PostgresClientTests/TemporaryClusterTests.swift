import Foundation
import PostgresClient
@testable import TestSupport
import XCTest

final class TemporaryClusterTests: XCTestCase {
    func testSharedClusterAnswersPsqlAndLibpq() throws {
        let cluster = try TemporaryCluster.shared()
        XCTAssertIdentical(cluster, try TemporaryCluster.shared())
        let database = try cluster.createDatabase(prefix: "Cluster Test")
        XCTAssertTrue(database.hasPrefix("clustertest_"), database)
        let result = try cluster.psql(database: database, arguments: ["-At", "-c", "select current_database(), 1 + 1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "\(database)|2\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cluster.socketDirectory + "/.s.PGSQL.\(cluster.port)"))

        // The URL form, read by psql itself and by libpq through Connection.
        let url = cluster.url(database: database)
        XCTAssertTrue(url.hasPrefix("postgresql://postgres@/\(database)?host=%2F"), url)
        let viaURL = try ProcessRunner.run(cluster.binDirectory + "/psql", ["-X", "-At", "-c", "select 3", url])
        XCTAssertEqual(viaURL.stdout, "3\n", viaURL.stderr)
        XCTAssertEqual(try Connection(url: url).query("select current_database()").scalar, database)

        // psql reads input from stdin, and reports errors with a non-zero status.
        let script = try cluster.psql(database: database, arguments: ["-At", "-v", "ON_ERROR_STOP=1"],
                                      input: "select 'é🎉';\nselect * from nope;\n")
        XCTAssertEqual(script.status, 3)
        XCTAssertEqual(script.stdout, "é🎉\n")
        XCTAssertTrue(script.stderr.contains(#"relation "nope" does not exist"#), script.stderr)

        try cluster.dropDatabase(database)
        XCTAssertEqual(try cluster.psql(database: database, arguments: ["-c", "select 1"]).status, 2)
    }

    func testSeparateClusterStartsAndStops() throws {
        let cluster = try TemporaryCluster.start()
        XCTAssertNotIdentical(cluster, try TemporaryCluster.shared())
        XCTAssertNotEqual(cluster.socketDirectory, try TemporaryCluster.shared().socketDirectory)
        let connection = try Connection(parameters: cluster.connectionParameters(database: "postgres"))
        XCTAssertEqual(try connection.query("select current_user").scalar, "postgres")
        XCTAssertEqual(try connection.query("show fsync").scalar, "off")
        XCTAssertEqual(try connection.query("show listen_addresses").scalar, "")
        connection.close()

        cluster.stop()
        cluster.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.directory))
        XCTAssertThrowsError(try Connection(parameters: cluster.connectionParameters(database: "postgres")))
    }

    /// A test process that dies without running atexit must not leave its cluster behind, and one that
    /// exits normally must have removed it by the time it is gone.
    func testClustersAreCleanedUpWhenTheTestProcessEnds() throws {
        let executable = CommandLine.arguments[0]
        for mode in ["kill", "exit"] {
            var environment = ProcessInfo.processInfo.environment
            environment[ClusterHelperTests.variable] = mode
            let child = try ProcessRunner.run(
                executable, ["PostgresClientTests.ClusterHelperTests/testStartClusterThenEnd"],
                environment: environment)
            XCTAssertEqual(child.status, mode == "kill" ? 128 + SIGKILL : 0, child.stdout + child.stderr)
            guard let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("CLUSTER_DIR=") }) else {
                return XCTFail("no cluster directory reported:\n\(child.stdout)\n\(child.stderr)")
            }
            let directory = String(line.dropFirst("CLUSTER_DIR=".count))
            if mode == "kill" {
                // The watchdog works asynchronously.
                let deadline = Date().addingTimeInterval(30)
                while FileManager.default.fileExists(atPath: directory) && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory), "\(mode): \(directory) left behind")
            let servers = try ProcessRunner.run("/bin/sh", ["-c", "ps -eo args | grep -F -- '\(directory)/data' | grep -v grep || true"])
            XCTAssertEqual(servers.stdout, "", "\(mode): server still running")
        }
    }

    func testBinaryLookupFailsWithAnInstallHint() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertThrowsError(try TemporaryCluster.findBinDirectory(environment: ["PATH": empty], debianRoot: empty)) {
            XCTAssertTrue("\($0)".contains("apt-get install postgresql"), "\($0)")
        }
        XCTAssertThrowsError(try TemporaryCluster.findBinDirectory(environment: ["PG_BINDIR": empty])) {
            XCTAssertTrue("\($0)".contains("apt-get install postgresql"), "\($0)")
        }
        // PG_BINDIR wins; without it, the Debian layout is found.
        let real = try TemporaryCluster.shared().binDirectory
        XCTAssertEqual(try TemporaryCluster.findBinDirectory(environment: ["PG_BINDIR": real]), real)
        XCTAssertEqual(try TemporaryCluster.findBinDirectory(environment: ["PATH": empty]).hasSuffix("/bin"), true)
    }

    func testProcessRunnerStatusEnvironmentDirectoryAndLargeOutput() throws {
        XCTAssertEqual(try ProcessRunner.run("/bin/sh", ["-c", "exit 3"]).status, 3)
        XCTAssertEqual(try ProcessRunner.run("/bin/sh", ["-c", "kill -9 $$"]).status, 128 + 9)
        let both = try ProcessRunner.run("sh", ["-c", "echo out; echo err >&2"])
        XCTAssertEqual(both.stdout, "out\n")
        XCTAssertEqual(both.stderr, "err\n")
        XCTAssertEqual(try ProcessRunner.run("/bin/sh", ["-c", "echo \"$ONLY:$HOME\""],
                                             environment: ["ONLY": "this"]).stdout, "this:\n")
        XCTAssertEqual(try ProcessRunner.run("/bin/pwd", [], currentDirectory: "/usr").stdout, "/usr\n")
        XCTAssertEqual(try ProcessRunner.run("/bin/cat", []).stdout, "", "stdin is /dev/null without input")
        // More than any pipe buffer, in and out at once, on both streams.
        let input = String(repeating: "0123456789abcdef\n", count: 200_000)
        let echoed = try TestSupport.run("/bin/sh", ["-c", "tee /dev/stderr"], input: input)
        XCTAssertEqual(echoed.status, 0)
        XCTAssertEqual(echoed.stdout.count, input.count)
        XCTAssertEqual(echoed.stderr, input)
        // A child that stops reading early must not kill us with SIGPIPE.
        XCTAssertEqual(try ProcessRunner.run("/usr/bin/head", ["-c", "1"], input: input).stdout, "0")
        XCTAssertThrowsError(try ProcessRunner.run("no-such-program-here", []))
    }
}

/// Run only as a child process by `testClustersAreCleanedUpWhenTheTestProcessEnds`; without its
/// environment variable it does nothing.
final class ClusterHelperTests: XCTestCase {
    static let variable = "MIGRATE_TEST_CLUSTER_HELPER"

    func testStartClusterThenEnd() throws {
        guard let mode = ProcessInfo.processInfo.environment[Self.variable] else { return }
        let cluster = try TemporaryCluster.start()
        print("CLUSTER_DIR=\(cluster.directory)")
        fflush(nil)
        if mode == "kill" { kill(getpid(), SIGKILL) }
    }
}
