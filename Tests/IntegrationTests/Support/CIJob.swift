import Foundation
import TestSupport
import XCTest
import Yams

/// A CI job read from a template (GitHub Actions workflow or CircleCI config): its environment and its steps in
/// order, each either a shell script or something the CI system provides (an action, `checkout`, an artifact store).
struct CIJob {
    struct Step: Equatable {
        /// What the step uses (`actions/checkout@v4`, `checkout`, `store_artifacts`), else its name.
        var label: String
        /// The shell script of a `run:` step; nil for a step the CI system carries out itself.
        var script: String?
        var environment: [String: String] = [:]
    }

    var environment: [String: String]
    var steps: [Step]

    /// Job `name` of a GitHub Actions workflow file.
    static func gitHub(_ document: [String: Any], job name: String) throws -> CIJob {
        let job = try XCTUnwrap((document["jobs"] as? [String: Any])?[name] as? [String: Any], "no job \(name)")
        let steps = try XCTUnwrap(job["steps"] as? [[String: Any]], "job \(name) has no steps").map { step in
            Step(label: (step["uses"] ?? step["name"]) as? String ?? "?", script: step["run"] as? String,
                 environment: strings(step["env"]))
        }
        return CIJob(environment: strings(job["env"]), steps: steps)
    }

    /// Job `name` of a CircleCI config.
    static func circleCI(_ document: [String: Any], job name: String) throws -> CIJob {
        let job = try XCTUnwrap((document["jobs"] as? [String: Any])?[name] as? [String: Any], "no job \(name)")
        let steps = try XCTUnwrap(job["steps"] as? [Any], "job \(name) has no steps").map { step -> Step in
            if let builtIn = step as? String { return Step(label: builtIn) }
            let entry = (step as? [String: Any])?.first
            if entry?.key == "run" {
                if let command = entry?.value as? String { return Step(label: command, script: command) }
                let run = entry?.value as? [String: Any] ?? [:]
                return Step(label: run["name"] as? String ?? "?", script: run["command"] as? String, environment: strings(run["environment"]))
            }
            return Step(label: entry?.key ?? "?")
        }
        return CIJob(environment: strings(job["environment"]), steps: steps)
    }

    /// A YAML mapping of scalars as strings (YAML's `5432` is an Int to Yams).
    static func strings(_ value: Any?) -> [String: String] {
        (value as? [String: Any] ?? [:]).mapValues { "\($0)" }
    }

    /// Reads a YAML file of the repository as plain Swift values.
    static func yaml(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try Yams.load(yaml: Repository.read(path)) as? [String: Any], "\(path) is not a YAML mapping")
    }
}

/// Runs a job's steps in order with bash, in a checkout, the way the CI system would: each `run:` script in
/// `bash -eo pipefail` with the job's and the step's environment, stopping at the first failure. What a step adds
/// to `$GITHUB_PATH`, `$GITHUB_ENV` or `$BASH_ENV` reaches the steps after it, as in GitHub Actions and CircleCI.
/// The steps that cannot run here are named by the test: `skip` (the CI system's own, or installing what this
/// machine has) and `substitute` (a script to run instead); `outcomes` records what happened to each step, so a
/// test can pin down that nothing else was left out.
final class CIJobRunner {
    enum Outcome: Equatable { case ran, skipped, substituted }

    let checkout: URL
    private(set) var outcomes: [(label: String, outcome: Outcome)] = []
    /// What each step that ran printed on stdout, by label.
    private(set) var output: [String: String] = [:]
    private let files: URL

    init(checkout: URL) throws {
        self.checkout = checkout
        files = FileManager.default.temporaryDirectory.appendingPathComponent("ci-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        for name in ["github_path", "github_env", "bash_env"] {
            FileManager.default.createFile(atPath: files.appendingPathComponent(name).path, contents: nil)
        }
    }

    deinit { try? FileManager.default.removeItem(at: files) }

    struct StepFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs every step; throws at the first step that exits non-zero, with its script and output.
    func run(_ job: CIJob, skip: Set<String>, substitute: [String: String]) throws {
        for step in job.steps {
            let script: String
            if skip.contains(step.label) {
                outcomes.append((step.label, .skipped))
                continue
            } else if let replacement = substitute[step.label] {
                outcomes.append((step.label, .substituted))
                script = replacement
            } else {
                guard let own = step.script else {
                    throw StepFailed(description: "step '\(step.label)' is neither a run step nor skipped or substituted by the test")
                }
                outcomes.append((step.label, .ran))
                script = own
            }
            let result = try ProcessRunner.run("/bin/bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                               environment: environment(job, step), currentDirectory: checkout.path)
            output[step.label] = result.stdout
            guard result.status == 0 else {
                throw StepFailed(description: "step '\(step.label)' exited \(result.status):\n\(script)\n\(result.stdout)\(result.stderr)")
            }
        }
    }

    private func environment(_ job: CIJob, _ step: CIJob.Step) throws -> [String: String] {
        var environment = RoleCluster.environment(["HOME": checkout.path, "CI": "true"])
        environment.merge(job.environment) { $1 }
        for line in try String(contentsOf: files.appendingPathComponent("github_env"), encoding: .utf8).split(separator: "\n") {
            if let equals = line.firstIndex(of: "=") { environment[String(line[..<equals])] = String(line[line.index(after: equals)...]) }
        }
        environment.merge(step.environment) { $1 }
        let added = try String(contentsOf: files.appendingPathComponent("github_path"), encoding: .utf8)
            .split(separator: "\n").reversed().map(String.init)
        environment["PATH"] = (added + [environment["PATH"] ?? "/usr/bin:/bin"]).joined(separator: ":")
        environment["GITHUB_PATH"] = files.appendingPathComponent("github_path").path
        environment["GITHUB_ENV"] = files.appendingPathComponent("github_env").path
        environment["GITHUB_WORKSPACE"] = checkout.path
        environment["BASH_ENV"] = files.appendingPathComponent("bash_env").path
        return environment
    }
}
