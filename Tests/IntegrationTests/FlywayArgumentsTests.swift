import Foundation
import MigrateCore
import XCTest
@testable import migrate

/// The command-line rewriter folds keys exactly as the loader does, so every spelling it lets through loads.
final class FlywayArgumentsTests: XCTestCase {
    let keys = ConfigurationLoader.knownKeyNames

    /// The `--setting` values the rewriter produced, loaded in an empty directory.
    private func load(_ arguments: [String]) throws -> Configuration {
        let (settings, rest) = FlywayArguments.separate(arguments, knownKeys: keys)
        XCTAssertEqual(rest, [], "\(arguments)")
        let pairs = stride(from: 1, to: settings.count, by: 2).map { index -> (key: String, value: String) in
            let setting = settings[index]
            let equals = setting.firstIndex(of: "=")!
            return (String(setting[..<equals]), String(setting[setting.index(after: equals)...]))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrate-args-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try ConfigurationLoader.load(commandLine: pairs, environment: ["HOME": directory.path], workingDirectory: directory)
    }

    func testEverySpellingOfASettingLoads() throws {
        for arguments in [["-baselineVersion=2"], ["--baseline-version", "2"], ["--baseline_version", "2"],
                          ["--BASELINE_VERSION=2"], ["-flyway.baselineVersion=2"]] {
            XCTAssertEqual(try load(arguments).baselineVersion, "2", "\(arguments)")
        }
        XCTAssertEqual(try load(["--placeholders.My_Name", "x"]).placeholders, ["My_Name": "x"])
        XCTAssertEqual(try load(["--output_type", "json"]).outputType, "json")
    }

    func testToolOptionsStayToolOptions() {
        XCTAssertEqual(FlywayArguments.normalize(["migrate", "-X", "-q", "--help"], knownKeys: keys), ["migrate", "-X", "-q", "--help"])
        XCTAssertEqual(FlywayArguments.normalize(["-?"], knownKeys: keys), ["-?"])
        XCTAssertEqual(FlywayArguments.normalize(["-outputType=json", "info"], knownKeys: keys), ["info", "--setting", "outputType=json"])
        // A family member takes the next argument as its value, even one that looks like an option.
        XCTAssertEqual(FlywayArguments.normalize(["info", "--jdbc-properties.x", "-1"], knownKeys: keys),
                       ["info", "--setting", "jdbc-properties.x=-1"])
    }
}
