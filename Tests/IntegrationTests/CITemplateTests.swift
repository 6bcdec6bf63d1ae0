import Foundation
import TestSupport
import XCTest

/// The CI templates, run: the pull-request job of .github/workflows/database-ci.yml and of .circleci/config.yml,
/// step by step with bash in a copy of the repository, against a PostgreSQL this test starts in place of the
/// job's `postgres` service (its host and port substituted in the job's environment). Only the steps named here
/// are skipped or replaced, and the test says which, so a new step cannot be left out unnoticed.
final class CITemplateTests: XCTestCase {
    private var roles: RoleCluster!
    private var checkout: URL!

    override func setUpWithError() throws {
        roles = try RoleCluster.shared()
        checkout = try Repository.copy(["sql", "conf", "seed", "scripts", "users"])
    }

    override func tearDownWithError() throws {
        if let checkout { try? FileManager.default.removeItem(at: checkout) }
    }

    private var binDirectory: String { URL(fileURLWithPath: MigrateBinary.path).deletingLastPathComponent().path }

    func testGitHubPullRequestJobRunsGreen() throws {
        let workflow = try CIJob.yaml(".github/workflows/database-ci.yml")
        XCTAssertNotNil((workflow["on"] as? [String: Any])?["pull_request"], "database-ci.yml must run on pull requests")
        let job = try CIJob.gitHub(workflow, job: "database")
        let definition = try XCTUnwrap((workflow["jobs"] as? [String: Any])?["database"] as? [String: Any])
        let service = try XCTUnwrap((definition["services"] as? [String: Any])?["postgres"] as? [String: Any])
        XCTAssertTrue((service["options"] as? String ?? "").contains("--health-cmd \"pg_isready"), "the postgres service needs a pg_isready health check")
        let upload = try XCTUnwrap((definition["steps"] as? [[String: Any]])?.last)
        XCTAssertEqual(upload["uses"] as? String, "actions/upload-artifact@v4")
        XCTAssertEqual(upload["if"] as? String, "always()")
        XCTAssertEqual((upload["with"] as? [String: Any])?["path"] as? String, "reports/")

        // A container job reaches its service by name: host postgres, port 5432.
        try runPullRequestJob(job, host: "postgres", service: CIJob.strings(service["env"]),
                              skip: ["actions/checkout@v4", "Install libraries", "actions/upload-artifact@v4"],
                              build: "echo '\(binDirectory)' >> \"$GITHUB_PATH\"",
                              notRun: ["actions/checkout@v4", "Install libraries", "Build migrate", "actions/upload-artifact@v4"])
    }

    func testCircleCIPullRequestJobRunsGreen() throws {
        let config = try CIJob.yaml(".circleci/config.yml")
        let job = try CIJob.circleCI(config, job: "database")
        let definition = try XCTUnwrap((config["jobs"] as? [String: Any])?["database"] as? [String: Any])
        let images = try XCTUnwrap(definition["docker"] as? [[String: Any]])
        XCTAssertEqual(images.map { $0["image"] as? String }, ["swift:6.3-bookworm", "postgres:16"])
        let workflowJobs = ((config["workflows"] as? [String: Any])?["pull-request"] as? [String: Any])?["jobs"] as? [String]
        XCTAssertEqual(workflowJobs, ["database"])
        XCTAssertEqual(job.steps.last?.label, "store_artifacts")

        // A secondary container is reached on localhost:5432.
        try runPullRequestJob(job, host: "localhost", service: CIJob.strings(images[1]["environment"]),
                              skip: ["checkout", "Install libraries", "store_artifacts"],
                              build: "echo 'export PATH=\"\(binDirectory):$PATH\"' >> \"$BASH_ENV\"",
                              notRun: ["checkout", "Install libraries", "Build migrate", "store_artifacts"])
    }

    /// Runs the job against a fresh service database, the build step replaced by `build` (which puts the test's
    /// migrate on PATH), and checks that exactly the steps `notRun` did not run as written, then the reports.
    private func runPullRequestJob(_ job: CIJob, host: String, service: [String: String], skip: Set<String>, build: String,
                                   notRun: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let database = try startService(service)
        let runner = try CIJobRunner(checkout: checkout)
        try runner.run(substituted(job, host: host), skip: skip, substitute: ["Build migrate": build])
        XCTAssertEqual(runner.outcomes.map(\.label), job.steps.map(\.label), file: file, line: line)
        XCTAssertEqual(runner.outcomes.filter { $0.outcome != .ran }.map(\.label), notRun, file: file, line: line)
        try assertReports(database: database, file: file, line: line)
    }

    /// Creates the service's database (POSTGRES_DB, owned by POSTGRES_USER with POSTGRES_PASSWORD) afresh.
    private func startService(_ environment: [String: String]) throws -> String {
        let database = try XCTUnwrap(environment["POSTGRES_DB"])
        XCTAssertEqual(environment["POSTGRES_USER"], "postgres")
        _ = try roles.cluster.psql(database: "postgres", arguments: ["-q", "-c", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"])
        _ = try roles.createDatabase(database)
        try roles.admin("postgres", "ALTER ROLE postgres PASSWORD '\(environment["POSTGRES_PASSWORD"] ?? "")'")
        return database
    }

    /// The job with the service's address replaced by the test server's, in the job's environment: the only place
    /// the templates may name it (a script that spells out the host or port would escape the substitution).
    private func substituted(_ job: CIJob, host: String) -> CIJob {
        var job = job
        for step in job.steps {
            XCTAssertFalse(step.script?.contains("5432") ?? false, "step '\(step.label)' names the port: use the job's environment")
        }
        for (key, value) in job.environment {
            job.environment[key] = key == "PGHOST" && value == host ? "127.0.0.1"
                : key == "PGPORT" && value == "5432" ? String(roles.port)
                : value.replacingOccurrences(of: "//\(host):5432/", with: "//127.0.0.1:\(roles.port)/")
        }
        XCTAssertFalse(job.environment.values.contains { $0.contains("5432") || $0.contains("//\(host)") }, "\(job.environment)")
        return job
    }

    private func report(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: checkout.appendingPathComponent("reports/\(name).json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], name)
    }

    /// What the steps leave: their JSON reports, the full history, the seed's rows, no drift.
    private func assertReports(database: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let lint = try report("lint")
        XCTAssertEqual(lint["operation"] as? String, "lint", file: file, line: line)
        XCTAssertEqual((lint["findings"] as? [Any])?.count, 0, "\(lint)", file: file, line: line)
        let migrate = try report("migrate")
        XCTAssertEqual((migrate["individualResults"] as? [[String: Any]])?.map { $0["operation"] as? String }, ["clean", "migrate", "validate"], file: file, line: line)
        XCTAssertEqual((migrate["individualResults"] as? [[String: Any]])?.last?["validationSuccessful"] as? Bool, true, file: file, line: line)
        let drift = try report("drift")
        let driftResult = try XCTUnwrap((drift["individualResults"] as? [[String: Any]])?.first, "\(drift)", file: file, line: line)
        XCTAssertEqual(driftResult["driftDetected"] as? Bool, false, file: file, line: line)

        let versions = try FileManager.default.contentsOfDirectory(atPath: checkout.appendingPathComponent("sql").path).filter { $0.hasPrefix("V") }.count
        XCTAssertEqual(try roles.admin(database, "SELECT count(*) FROM factory.flyway_schema_history WHERE success AND version IS NOT NULL AND installed_by = 'ci'"),
                       String(versions), file: file, line: line)
        // Every table of the newest snapshot loaded, and its rows are in the migrated database.
        let seed = try report("seed")
        XCTAssertEqual(seed["operation"] as? String, "seed", "\(seed)", file: file, line: line)
        XCTAssertEqual(seed["success"] as? Bool, true, "\(seed)", file: file, line: line)
        let loaded = try XCTUnwrap(seed["tables"] as? [[String: Any]], "\(seed)", file: file, line: line)
        XCTAssertEqual(loaded.map { $0["table"] as? String ?? "?" }, try snapshotTables(), file: file, line: line)
        for table in loaded {
            let name = table["table"] as? String ?? "?"
            let rows = table["rows"] as? Int ?? 0
            XCTAssertGreaterThan(rows, 0, name, file: file, line: line)
            XCTAssertEqual(try roles.admin(database, "SELECT count(*) FROM factory.\(name)"), String(rows), name, file: file, line: line)
        }
    }

    /// The tables of the newest snapshot in seed/, in the manifest's load order.
    private func snapshotTables() throws -> [String] {
        let seed = checkout.appendingPathComponent("seed")
        let newest = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: seed.path).filter { $0.hasPrefix("v") }.max())
        let manifest = try String(contentsOf: seed.appendingPathComponent(newest).appendingPathComponent("manifest"), encoding: .utf8)
        let line = try XCTUnwrap(manifest.split(separator: "\n").first { $0.hasPrefix("tables=") })
        return line.dropFirst("tables=".count).split(separator: " ").map(String.init)
    }
}
