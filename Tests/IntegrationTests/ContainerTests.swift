import Foundation
import TestSupport
import XCTest

/// Dockerfile and docker-compose.yml without Docker: both files are read and their wiring checked, then
/// `docker compose up` is played with the real programs: the postgres service's init scripts with psql, the
/// migrate service's entrypoint and command with the built binary in the image's layout (/flyway, sql/ and conf/
/// where the compose file mounts them), and the grants service's psql, against a real server.
final class ContainerTests: XCTestCase {
    /// Its own cluster: the compose file gives the three roles its own password (FACTORY_DEV_PASSWORD).
    private static let cluster = Result { try RoleCluster() }
    private let devPassword = "dev-\(UUID().uuidString)"

    private func dockerfile() throws -> Dockerfile { Dockerfile(try Repository.read("Dockerfile")) }

    private func services() throws -> [String: [String: Any]] {
        try XCTUnwrap(try CIJob.yaml("docker-compose.yml")["services"] as? [String: [String: Any]])
    }

    func testDockerfileBuildsTheReleaseBinaryIntoASlimNonRootImage() throws {
        let file = try dockerfile()
        XCTAssertEqual(file.stages.map(\.name), ["build", nil])
        // The toolchain image is the one the CI templates build with, and of the runtime image's Debian release.
        let gitHub = try CIJob.yaml(".github/workflows/database-ci.yml")
        let jobContainer = ((gitHub["jobs"] as? [String: Any])?["database"] as? [String: Any])?["container"] as? String
        XCTAssertEqual(file.stages[0].image, jobContainer)
        XCTAssertEqual(file.stages[0].image, "swift:6.3-bookworm")
        XCTAssertEqual(file.stages[1].image, "debian:bookworm-slim")

        // The same build command as scripts/release.sh (statically linked Swift runtime), stripped.
        let release = try Repository.read("scripts/release.sh")
        let buildLine = try XCTUnwrap(release.split(separator: "\n").first { $0.hasPrefix("build=(") })
        let releaseFlags = buildLine.replacingOccurrences(of: "build=(\"$SWIFT\" ", with: "swift ")
            .components(separatedBy: " --scratch-path")[0]
        XCTAssertEqual(releaseFlags, "swift build -c release --static-swift-stdlib --product migrate")
        let buildRun = file.instructions("RUN", stage: 0).map(\.arguments).joined(separator: "\n")
        XCTAssertTrue(buildRun.contains(releaseFlags), buildRun)
        XCTAssertTrue(buildRun.contains("strip -o /build/migrate"), buildRun)

        // Runtime: the libraries migrate links dynamically besides the C library, the binary, a user of its own.
        let runtimeRun = file.instructions("RUN").map(\.arguments).joined(separator: "\n")
        for package in try sharedLibraryPackages() {
            XCTAssertTrue(runtimeRun.contains(" \(package) ") || runtimeRun.contains(" \(package)\n"), "runtime stage does not install \(package):\n\(runtimeRun)")
        }
        XCTAssertEqual(file.instructions("COPY").map(\.arguments), ["--from=build /build/migrate /usr/local/bin/migrate"])
        XCTAssertEqual(file.instructions("USER").map(\.arguments), ["migrate"])
        XCTAssertTrue(runtimeRun.contains("useradd --system --uid 10001 --user-group --home-dir /flyway"), runtimeRun)
        XCTAssertEqual(file.instructions("WORKDIR").map(\.arguments), ["/flyway"])
        XCTAssertTrue(runtimeRun.contains("mkdir -p /flyway/sql /flyway/conf"), runtimeRun)
        XCTAssertEqual(file.instructions("ENTRYPOINT").compactMap(\.execForm), [["migrate"]])

        // Every COPY of the build stage is let through by .dockerignore, which excludes the rest.
        let ignored = try Repository.read(".dockerignore").split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        XCTAssertEqual(ignored.first, "*")
        for copy in file.instructions("COPY", stage: 0) {
            let source = String(copy.arguments.split(separator: " ")[0])
            XCTAssertTrue(ignored.contains("!" + source) || ignored.contains("!" + source + "/"), "\(source) is excluded by .dockerignore")
        }
    }

    /// The Debian packages of the shared libraries the built binary needs from the system (libpq, libpg_query),
    /// found with ldd and dpkg: the runtime image must install exactly those.
    private func sharedLibraryPackages() throws -> [String] {
        let ldd = try ProcessRunner.run("/usr/bin/ldd", [MigrateBinary.path])
        let libraries = ldd.stdout.split(separator: "\n").compactMap { line -> String? in
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard parts.count >= 3, parts[1] == "=>", parts[0].hasPrefix("libpq.") || parts[0].hasPrefix("libpg_query.") else { return nil }
            return String(parts[2])
        }
        XCTAssertEqual(libraries.count, 2, ldd.stdout)
        return try libraries.map { library in
            let owner = try ProcessRunner.run("/usr/bin/dpkg", ["-S", URL(fileURLWithPath: library).resolvingSymlinksInPath().path])
            return String(owner.stdout.split(separator: ":")[0])
        }
    }

    func testComposeRunsMigrateAfterAHealthyPostgresThenTheGrants() throws {
        let services = try services()
        XCTAssertEqual(Set(services.keys), ["postgres", "migrate", "grants"])
        let postgres = try XCTUnwrap(services["postgres"])
        let migrate = try XCTUnwrap(services["migrate"])
        let grants = try XCTUnwrap(services["grants"])
        let healthcheck = try XCTUnwrap((postgres["healthcheck"] as? [String: Any])?["test"] as? [String])
        XCTAssertEqual(Array(healthcheck.prefix(2)), ["CMD", "pg_isready"])
        XCTAssertEqual(migrate["depends_on"] as? [String: [String: String]], ["postgres": ["condition": "service_healthy"]])
        XCTAssertEqual(grants["depends_on"] as? [String: [String: String]], ["migrate": ["condition": "service_completed_successfully"]])
        XCTAssertEqual(migrate["build"] as? String, ".")
        XCTAssertEqual(migrate["volumes"] as? [String], ["./sql:/flyway/sql:ro", "./conf:/flyway/conf:ro"])
        XCTAssertEqual(migrate["command"] as? [String], ["migrate"])
        let environment = CIJob.strings(migrate["environment"])
        XCTAssertEqual(environment["FLYWAY_URL"], "jdbc:postgresql://postgres:5432/\(CIJob.strings(postgres["environment"])["POSTGRES_DB"] ?? "?")")
        XCTAssertEqual(environment["FLYWAY_CONFIG_FILES"], "conf/factory_dev.conf")
        XCTAssertTrue(try Repository.read("conf/factory_dev.conf").contains("\nflyway.user=factory_migration\n"))
        // The mounts land where the image reads: under its working directory.
        let workdir = try XCTUnwrap(try dockerfile().instructions("WORKDIR").last?.arguments)
        for target in try mounts(migrate).map(\.target) { XCTAssertTrue(target.hasPrefix(workdir + "/"), target) }
    }

    /// `docker compose up`, played: the postgres image's init scripts, the migrate service, the grants service.
    func testComposeUpLeavesAMigratedDatabaseOwnedByTheMigrationRole() throws {
        let roles = try Self.cluster.get()
        let services = try services()
        let postgres = try XCTUnwrap(services["postgres"])
        let postgresEnvironment = try interpolate(CIJob.strings(postgres["environment"]))
        let database = try XCTUnwrap(postgresEnvironment["POSTGRES_DB"])
        _ = try roles.cluster.psql(database: "postgres", arguments: ["-q", "-c", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"])
        _ = try roles.createDatabase(database)

        // The postgres image runs /docker-entrypoint-initdb.d/*.sql in name order with psql, as POSTGRES_USER,
        // with the service's environment (the role passwords).
        let initScripts = try mounts(postgres).filter { $0.target.hasPrefix("/docker-entrypoint-initdb.d/") }.sorted { $0.target < $1.target }
        XCTAssertEqual(initScripts.map(\.source), ["users/01_roles.sql", "users/02_schema_and_grants.sql"])
        for script in initScripts {
            let result = try ProcessRunner.run(roles.cluster.binDirectory + "/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", Repository.root + "/" + script.source],
                                               environment: RoleCluster.environment(postgresEnvironment.merging(roles.administratorEnvironment(database: database)) { $1 }))
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        }

        // The migrate service: ENTRYPOINT + command in the image's working directory, the mounts in place.
        let migrate = try XCTUnwrap(services["migrate"])
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for mount in try mounts(migrate) {
            let destination = root.appendingPathComponent(mount.target)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Repository.root + "/" + mount.source, toPath: destination.path)
        }
        let file = try dockerfile()
        let entrypoint = try XCTUnwrap(file.instructions("ENTRYPOINT").last?.execForm)
        let workdir = root.appendingPathComponent(try XCTUnwrap(file.instructions("WORKDIR").last?.arguments))
        let arguments = Array(entrypoint.dropFirst()) + (migrate["command"] as? [String] ?? [])
        var environment = try reachable(interpolate(CIJob.strings(migrate["environment"])), port: roles.port)
        environment["HOME"] = workdir.path
        let run = try ProcessRunner.run(MigrateBinary.path, arguments, environment: RoleCluster.environment(environment),
                                        currentDirectory: workdir.path)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertFalse((run.stdout + run.stderr).contains(devPassword))

        let versions = try FileManager.default.contentsOfDirectory(atPath: Repository.root + "/sql").filter { $0.hasPrefix("V") }.count
        XCTAssertEqual(try roles.admin(database, "SELECT count(*) FROM factory.flyway_schema_history WHERE success AND version IS NOT NULL AND installed_by = 'factory_migration'"),
                       String(versions))
        XCTAssertEqual(try roles.admin(database, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'factory'"), "factory_migration")
        XCTAssertEqual(try roles.admin(database, "SELECT has_table_privilege('factory_app', 'factory.flyway_schema_history', 'INSERT')"), "t")

        // The grants service: psql with 02 once more, now that the history table exists.
        let grants = try XCTUnwrap(services["grants"])
        let psqlArguments = try XCTUnwrap(grants["entrypoint"] as? [String]).dropFirst().map { argument in
            try mounts(grants).first { $0.target == argument }.map { Repository.root + "/" + $0.source } ?? argument
        }
        let grantsEnvironment = try reachable(interpolate(CIJob.strings(grants["environment"])), port: roles.port)
        let granted = try ProcessRunner.run(roles.cluster.binDirectory + "/psql", psqlArguments, environment: RoleCluster.environment(grantsEnvironment))
        XCTAssertEqual(granted.status, 0, granted.stdout + granted.stderr)
        XCTAssertEqual(try roles.admin(database, "SELECT has_table_privilege('factory_app', 'factory.flyway_schema_history', 'INSERT')"), "f")
        XCTAssertEqual(try roles.admin(database, "SELECT has_table_privilege('factory_app', 'factory.audit_log', 'UPDATE')"), "f")
    }

    private func mounts(_ service: [String: Any]) throws -> [(source: String, target: String)] {
        (service["volumes"] as? [String] ?? []).compactMap { volume in
            let parts = volume.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("./") else { return nil }
            return (String(parts[0].dropFirst(2)), parts[1])
        }
    }

    /// Compose's `${NAME}`, `${NAME:?message}` and `${NAME:-default}`, with FACTORY_DEV_PASSWORD set.
    private func interpolate(_ environment: [String: String]) throws -> [String: String] {
        let pattern = try NSRegularExpression(pattern: #"\$\{([A-Z_]+)(?::[?-][^}]*)?\}"#)
        return environment.mapValues { value in
            var result = value
            for match in pattern.matches(in: value, range: NSRange(value.startIndex..., in: value)).reversed() {
                let name = String(value[Range(match.range(at: 1), in: value)!])
                result.replaceSubrange(Range(match.range, in: result)!, with: name == "FACTORY_DEV_PASSWORD" ? devPassword : "")
            }
            return result
        }
    }

    /// The service host `postgres` (port 5432) as this machine reaches the test's server.
    private func reachable(_ environment: [String: String], port: Int) -> [String: String] {
        var reachable = environment.mapValues { $0.replacingOccurrences(of: "//postgres:5432/", with: "//127.0.0.1:\(port)/") }
        if environment["PGHOST"] == "postgres" {
            reachable["PGHOST"] = "127.0.0.1"
            reachable["PGPORT"] = String(port)
        }
        return reachable
    }
}
