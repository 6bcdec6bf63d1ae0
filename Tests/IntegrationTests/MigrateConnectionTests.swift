import Foundation
import PostgresClient
import TestSupport
import XCTest

/// Where migrate connects (PG* variables against each url form) and what it does when it cannot:
/// `connectRetries` retries only what may pass, and every failure names the setting to check.
final class MigrateConnectionTests: XCTestCase {
    // MARK: PG* variables

    /// A JDBC url is complete: what it names stays, and what it leaves out gets pgjdbc's defaults
    /// (port 5432, the database named after the user), never libpq's PG* variables.
    func testPGVariablesNeverChangeAJDBCURL() throws {
        let project = try MigrateProject()
        let cluster = project.cluster, socket = cluster.socketDirectory
        let variables = ["PGPORT": String(cluster.port), "PGHOST": socket, "PGDATABASE": project.database, "PGUSER": "postgres"]

        // No port: pgjdbc's 5432, where nothing listens, not PGPORT's.
        let noPort = try jsonFailure(project, "jdbc:postgresql:///\(project.database)?host=\(socket)&user=postgres", variables)
        XCTAssertEqual(noPort["errorCode"] as? String, "DB_CONNECTION")
        XCTAssertTrue(message(noPort).contains("\(socket)/.s.PGSQL.5432"), message(noPort))

        let withPort = try info(project, "jdbc:postgresql:///\(project.database)?host=\(socket)&port=\(cluster.port)&user=postgres", variables)
        XCTAssertEqual(withPort["database"] as? String, project.database)
        // No database: the user's name (postgres), not PGDATABASE's.
        let noDatabase = try info(project, "jdbc:postgresql:///?host=\(socket)&port=\(cluster.port)&user=postgres", variables)
        XCTAssertEqual(noDatabase["database"] as? String, "postgres")
    }

    /// A URI or keyword string keeps what it names; what it leaves out comes from the PG* variables, as with psql.
    func testURIsAndKeywordStringsTakeOnlyWhatTheyLeaveOutFromPGVariables() throws {
        let project = try MigrateProject()
        let cluster = project.cluster, socket = cluster.socketDirectory
        let elsewhere = ["PGPORT": "1", "PGDATABASE": "postgres", "PGHOST": "/nonexistent"]
        let uri = "postgresql://postgres@/\(project.database)?host=\(socket)&port=\(cluster.port)"
        XCTAssertEqual(try info(project, uri, elsewhere)["database"] as? String, project.database)
        let keywords = "host=\(socket) port=\(cluster.port) dbname=\(project.database) user=postgres"
        XCTAssertEqual(try info(project, keywords, elsewhere)["database"] as? String, project.database)

        let completing = ["PGPORT": String(cluster.port), "PGDATABASE": project.database]
        XCTAssertEqual(try info(project, "postgresql://postgres@/?host=\(socket)", completing)["database"] as? String, project.database)
        XCTAssertEqual(try info(project, "host=\(socket) user=postgres", completing)["database"] as? String, project.database)
    }

    // MARK: connectRetries

    /// Nothing listening: each retry is announced, waits 1, then 2 seconds, and the error says it gave up.
    func testConnectRetriesRetriesAServerThatIsNotThereThenGivesUp() throws {
        let project = try MigrateProject()
        let url = "postgresql://postgres@/\(project.database)?host=\(project.cluster.socketDirectory)&port=\(project.cluster.port + 1)"
        let run = try project.migrate(["migrate", "-outputType=json", "-url=\(url)", "-connectRetries=2"], withURL: false)
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(retryLines(run), ["retry 1 of 2 in 1 s", "retry 2 of 2 in 2 s"], run.stderr)
        let error = try XCTUnwrap(try run.document()["error"] as? [String: Any])
        XCTAssertEqual(error["errorCode"] as? String, "DB_CONNECTION")
        XCTAssertNil(error["sqlState"])
        XCTAssertTrue(message(error).contains("(gave up after 2 retries)"), message(error))
        XCTAssertTrue(message(error).contains("No such file or directory"), message(error))
        XCTAssertTrue(message(error).hasSuffix("HINT: check the host and port in the url (command line -url)"), message(error))

        let once = try project.migrate(["migrate", "-url=\(url)"], withURL: false)
        XCTAssertEqual(once.status, 1)
        XCTAssertEqual(retryLines(once), [])
        XCTAssertTrue(once.stderr.contains("set connectRetries to wait for a server that is still starting"), once.stderr)
    }

    /// Too many connections (53300) may pass later: retried, and once a slot frees up, the run goes on.
    func testTooManyConnectionsIsRetriedUntilASlotFreesUp() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let role = try limitedRole(owning: project)
        defer { _ = try? project.db().execute("REASSIGN OWNED BY \(role) TO postgres; DROP OWNED BY \(role); DROP ROLE \(role)") }

        let refused = try project.migrate(["migrate", "-outputType=json", "-user=\(role)", "-connectRetries=1"])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertEqual(retryLines(refused), ["retry 1 of 1 in 1 s"], refused.stderr)
        let error = try XCTUnwrap(try refused.document()["error"] as? [String: Any])
        XCTAssertEqual(error["sqlState"] as? String, "53300")
        XCTAssertTrue(message(error).contains("too many connections for role"), message(error))
        XCTAssertTrue(message(error).contains("HINT: the server was not ready: raise connectRetries (now 1) or connectRetriesInterval"),
                      message(error))

        // Started while refused; the limit is lifted once it has retried once.
        let background = try BackgroundMigrate(project, ["migrate", "-user=\(role)", "-connectRetries=10", "-connectRetriesInterval=1"])
        try background.waitForStandardError(containing: "retry 1 of 10")
        try project.db().execute("ALTER ROLE \(role) CONNECTION LIMIT -1")
        let run = try background.finish()
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.stderr.contains("too many connections for role"), run.stderr)
        XCTAssertTrue(try project.tableExists("t"))
        XCTAssertEqual(try project.history().map { $0[0] }, ["1"])
    }

    /// A role that may not connect at all (CONNECTION LIMIT 0) and owns the project's database.
    private func limitedRole(owning project: MigrateProject) throws -> String {
        let role = "limited_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try project.db().execute("CREATE ROLE \(role) LOGIN CONNECTION LIMIT 0; ALTER DATABASE \"\(project.database)\" OWNER TO \(role)")
        return role
    }

    // MARK: Failures that retrying cannot fix

    func testWrongPasswordFailsAtOnceNamingWhereThePasswordWasSet() throws {
        let server = try PasswordCluster.shared.get()
        let project = try MigrateProject()
        let run = try project.migrate(["migrate", "-outputType=json", "-url=\(server.url(user: "alice"))", "-connectRetries=5"],
                                      environment: ["FLYWAY_PASSWORD": "wrong-Horse-7"], withURL: false)
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(retryLines(run), [], "a wrong password never gets right by waiting")
        let error = try XCTUnwrap(try run.document()["error"] as? [String: Any])
        XCTAssertEqual(error["sqlState"] as? String, "28P01")
        XCTAssertTrue(message(error).contains("password authentication failed for user \"alice\""), message(error))
        XCTAssertTrue(message(error).hasSuffix(
            "HINT: the password was rejected: check the password (environment variable FLYWAY_PASSWORD) and the user (-user, or the url's)"),
            message(error))
        XCTAssertFalse(run.output.contains("wrong-Horse-7"))

        // In the url, the password is masked, and the hint points there.
        let inURL = try project.migrate(["info", "-url=\(server.url(user: "alice", password: "wrong-Horse-7"))", "-connectRetries=5"], withURL: false)
        XCTAssertEqual(inURL.status, 1)
        XCTAssertEqual(retryLines(inURL), [])
        XCTAssertTrue(inURL.stderr.contains("check the password in the url (command line -url)"), inURL.stderr)
        XCTAssertFalse(inURL.output.contains("wrong-Horse-7"), inURL.output)

        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let right = try project.migrate(["migrate", "-outputType=json", "-url=\(server.url(user: "alice"))"],
                                        environment: ["FLYWAY_PASSWORD": PasswordCluster.password], withURL: false)
        XCTAssertEqual(right.status, 0, right.output)
        XCTAssertEqual(try right.document()["migrationsExecuted"] as? Int, 1)
    }

    func testNoPasswordHintsAtThePasswordSettings() throws {
        let server = try PasswordCluster.shared.get()
        let project = try MigrateProject()
        let run = try project.migrate(["info", "-url=\(server.url(user: "alice"))", "-connectRetries=5"], withURL: false)
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(retryLines(run), [])
        XCTAssertTrue(run.stderr.contains("fe_sendauth: no password supplied"), run.stderr)
        XCTAssertTrue(run.stderr.contains("HINT: the server asks for a password: set -password (or FLYWAY_PASSWORD, or flyway.password"),
                      run.stderr)
    }

    func testMissingDatabaseAndUnknownUserFailAtOnce() throws {
        let server = try PasswordCluster.shared.get()
        let project = try MigrateProject()
        let password = ["FLYWAY_PASSWORD": PasswordCluster.password]

        let noDatabase = try project.migrate(["info", "-outputType=json", "-url=\(server.url(user: "alice", database: "nosuchdb"))",
                                              "-connectRetries=5"], environment: password, withURL: false)
        XCTAssertEqual(noDatabase.status, 1, noDatabase.output)
        XCTAssertEqual(retryLines(noDatabase), [])
        let missing = try XCTUnwrap(try noDatabase.document()["error"] as? [String: Any])
        XCTAssertEqual(missing["sqlState"] as? String, "3D000")
        XCTAssertTrue(message(missing).contains("database \"nosuchdb\" does not exist"), message(missing))
        XCTAssertTrue(message(missing).hasSuffix("HINT: check the database named in the url (command line -url)"), message(missing))

        let noUser = try project.migrate(["info", "-outputType=json", "-url=\(server.url(user: "alice"))", "-user=nobody",
                                          "-connectRetries=5"], environment: password, withURL: false)
        XCTAssertEqual(noUser.status, 1, noUser.output)
        XCTAssertEqual(retryLines(noUser), [])
        let unknown = try XCTUnwrap(try noUser.document()["error"] as? [String: Any])
        XCTAssertEqual(unknown["sqlState"] as? String, "28000")
        XCTAssertTrue(message(unknown).contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"nobody\""), message(unknown))
        XCTAssertTrue(message(unknown).contains("HINT: the server does not let this user in to this database from here: "
            + "check the user (command line -user) and the database in the url (command line -url)"), message(unknown))
    }

    /// TLS trouble fails at once and points at sslmode: a client that requires SSL from a server without it, and a
    /// server whose only rule for the user is `hostssl`.
    func testSSLProblemsFailAtOncePointingAtSSLMode() throws {
        let server = try PasswordCluster.shared.get()
        let project = try MigrateProject()
        let password = ["FLYWAY_PASSWORD": PasswordCluster.password]

        let required = try project.migrate(["info", "-url=\(server.url(user: "alice"))?sslmode=require", "-connectRetries=5"],
                                           environment: password, withURL: false)
        XCTAssertEqual(required.status, 1, required.output)
        XCTAssertEqual(retryLines(required), [])
        XCTAssertTrue(required.stderr.contains("server does not support SSL, but SSL was required"), required.stderr)
        XCTAssertTrue(required.stderr.contains("HINT: check sslmode (and sslrootcert, sslcert, sslkey) in the url"), required.stderr)

        let sslOnly = try project.migrate(["info", "-outputType=json", "-url=\(server.url(user: "sslonly"))", "-connectRetries=5"],
                                          environment: password, withURL: false)
        XCTAssertEqual(sslOnly.status, 1, sslOnly.output)
        XCTAssertEqual(retryLines(sslOnly), [])
        let error = try XCTUnwrap(try sslOnly.document()["error"] as? [String: Any])
        XCTAssertEqual(error["sqlState"] as? String, "28000")
        XCTAssertTrue(message(error).contains("no pg_hba.conf entry for host \"127.0.0.1\", user \"sslonly\""), message(error))
        XCTAssertTrue(message(error).contains("add sslmode=require to the url"), message(error))
    }

    /// The issue's case: PGPORT must not move a JDBC url off JDBC's default port.
    func testPGPORTDoesNotMoveAJDBCURLOffPort5432() throws {
        let server = try PasswordCluster.shared.get()
        let project = try MigrateProject()
        let run = try project.migrate(["info", "-outputType=json", "-url=jdbc:postgresql://127.0.0.1/\(server.database)",
                                       "-user=alice", "-password=\(PasswordCluster.password)"],
                                      environment: ["PGPORT": String(server.cluster.port)], withURL: false)
        XCTAssertEqual(run.status, 1, run.output)
        let error = try XCTUnwrap(try run.document()["error"] as? [String: Any])
        XCTAssertTrue(message(error).contains("connection to server at \"127.0.0.1\", port 5432 failed"), message(error))

        let named = try project.migrate(["info", "-outputType=json", "-url=jdbc:postgresql://127.0.0.1:\(server.cluster.port)/\(server.database)",
                                         "-user=alice", "-password=\(PasswordCluster.password)"],
                                        environment: ["PGPORT": "1"], withURL: false)
        XCTAssertEqual(named.status, 0, named.output)
        XCTAssertEqual(try named.document()["database"] as? String, server.database)
    }

    // MARK: Helpers

    private func info(_ project: MigrateProject, _ url: String, _ environment: [String: String],
                      file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try project.migrate(["info", "-outputType=json", "-url=\(url)"], environment: environment, withURL: false)
        XCTAssertEqual(run.status, 0, run.output, file: file, line: line)
        return try run.document(file: file, line: line)
    }

    private func jsonFailure(_ project: MigrateProject, _ url: String, _ environment: [String: String],
                             file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try project.migrate(["info", "-outputType=json", "-url=\(url)"], environment: environment, withURL: false)
        XCTAssertEqual(run.status, 1, run.output, file: file, line: line)
        return try XCTUnwrap(try run.document(file: file, line: line)["error"] as? [String: Any], file: file, line: line)
    }

    private func message(_ error: [String: Any]) -> String { error["message"] as? String ?? "" }

    /// `retry 1 of 2 in 1 s` for each retry announced on stderr.
    private func retryLines(_ run: MigrateProject.Run) -> [String] {
        run.stderr.split(separator: "\n").compactMap { line in
            line.range(of: "retry ").map { String(line[$0.lowerBound...]) }
        }
    }
}

/// A cluster of its own that asks for passwords (scram-sha-256) over TCP on 127.0.0.1 and over its socket;
/// only `postgres`, over the socket, is trusted (to set things up). User `alice` owns database `alicedb`;
/// user `sslonly` may only come in over SSL, which this server does not offer.
final class PasswordCluster: Sendable {
    static let password = "Corr3ct-Battery"
    static let shared = Result { try PasswordCluster() }

    let cluster: TemporaryCluster
    let database = "alicedb"

    private init() throws {
        cluster = try TemporaryCluster.start()
        try """
            local all postgres trust
            local all all scram-sha-256
            host all alice 127.0.0.1/32 scram-sha-256
            hostssl all sslonly 127.0.0.1/32 scram-sha-256
            """.write(toFile: cluster.dataDirectory + "/pg_hba.conf", atomically: false, encoding: .utf8)
        try restartListeningOnTCP()
        for sql in ["CREATE ROLE alice LOGIN PASSWORD '\(Self.password)'", "CREATE ROLE sslonly LOGIN PASSWORD '\(Self.password)'",
                    "CREATE DATABASE alicedb OWNER alice"] {
            let result = try cluster.psql(database: "postgres", arguments: ["-v", "ON_ERROR_STOP=1", "-c", sql])
            guard result.status == 0 else { throw TemporaryClusterError("\(sql): \(result.stderr)") }
        }
    }

    /// `postgresql://user[:password]@127.0.0.1:port/database`.
    func url(user: String, password: String? = nil, database: String? = nil) -> String {
        "postgresql://\(user)\(password.map { ":" + $0 } ?? "")@127.0.0.1:\(cluster.port)/\(database ?? self.database)"
    }

    /// The test cluster listens on its socket only; restart it listening on 127.0.0.1 too (same port),
    /// which also loads the pg_hba.conf written above.
    private func restartListeningOnTCP() throws {
        let options = "-k \(cluster.socketDirectory) -c listen_addresses=127.0.0.1 -p \(cluster.port) -c fsync=off"
        var command = [cluster.binDirectory + "/pg_ctl", "-D", cluster.dataDirectory, "-w", "-l", cluster.logFile,
                       "-m", "fast", "-o", options, "restart"]
        if getuid() == 0 {
            let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
            command = [try ProcessRunner.resolve("runuser", environment: ["PATH": path]), "-u", "postgres", "--"] + command
        }
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }.merging(["LC_ALL": "C"]) { $1 }
        let result = try ProcessRunner.run(command[0], Array(command.dropFirst()), environment: environment,
                                           currentDirectory: cluster.directory)
        guard result.status == 0 else {
            throw TemporaryClusterError("pg_ctl restart failed: \(result.stdout)\(result.stderr)\n\(cluster.log)")
        }
    }
}

/// `migrate` running in the background in a project, so a test can act while it waits (for a connection
/// slot, a lock…).
final class BackgroundMigrate {
    private let process = Process()
    private let standardError = Pipe(), standardOutput = Pipe()
    private var errorText = ""

    init(_ project: MigrateProject, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: MigrateBinary.path)
        process.arguments = ["-url=\(project.url)"] + arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FLYWAY_") && !$0.key.hasPrefix("PG") }
        environment["HOME"] = project.directory.path
        process.environment = environment
        process.currentDirectoryURL = project.directory
        process.standardError = standardError
        process.standardOutput = standardOutput
        try process.run()
    }

    /// Reads stderr until `text` has appeared; fails if migrate ends first.
    func waitForStandardError(containing text: String) throws {
        while !errorText.contains(text) {
            let data = standardError.fileHandleForReading.availableData
            guard !data.isEmpty else {
                throw TemporaryClusterError("migrate ended without printing '\(text)':\n\(errorText)")
            }
            errorText += String(decoding: data, as: UTF8.self)
        }
    }

    /// Waits for the end; the whole of stdout and stderr.
    func finish() throws -> MigrateProject.Run {
        let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
        errorText += String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return MigrateProject.Run(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self), stderr: errorText)
    }
}
