import FoundationEssentials
import Glibc
import MigrateCore
import PostgresClient

/// A password the fuzz environment holds (as `FUZZ_PASSWORD`, for `${FUZZ_PASSWORD}` and
/// `${env.FUZZ_PASSWORD}`): when an input puts it only where passwords go, no message may show it.
public let secretNeedle = "Nd1e9Pw"

/// Loads configuration files the way `migrate` does, from a directory of this process's own.
public struct ConfigurationFileProbe {
    public let directory: String
    public let environment: [String: String]
    private let path: String

    /// `fileName` (`flyway.conf`, `flyway.toml`) decides how the loader reads the file.
    public init(fileName: String) {
        var template = Array("/tmp/migrate-fuzz-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        path = directory + "/" + fileName
        environment = ["HOME": directory, "FUZZ_PASSWORD": secretNeedle, "FUZZ_USER": "fuzzer"]
    }

    /// Writes `text` as the file and loads it as `-configFiles` names it; checks every message the loader
    /// gives. `entries` are the file's settings as parsed (key path and value, variables expanded): they tell
    /// whether the secret went only where passwords go.
    public func checkLoading(_ text: String, entries: [(key: String, value: String)]) {
        write(text)
        let secrets = Self.onlyInPasswords(text: text, entries: entries) ? [secretNeedle] : []
        do {
            let configuration = try ConfigurationLoader.load(
                commandLine: [("configFiles", path)], environment: environment,
                workingDirectory: URL(fileURLWithPath: directory))
            for warning in configuration.warnings {
                requireCleanMessage(warning, context: "warning", secrets: secrets)
            }
        } catch let error as ConfigurationError {
            requireCleanMessage(error.message, context: "configuration error", secrets: secrets)
        } catch {
            require(false, "the loader threw something other than a ConfigurationError: \(error)")
        }
    }

    private func write(_ text: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        require(descriptor >= 0, "cannot write \(path)")
        defer { close(descriptor) }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            require(n > 0, "cannot write \(path)")
            written += n
        }
    }

    /// Whether the secret reached the settings only through the environment, and only as a password or as
    /// the password part of a url (where the masker finds it by shape).
    private static func onlyInPasswords(text: String, entries: [(key: String, value: String)]) -> Bool {
        guard !text.contains(secretNeedle) else { return false }
        var reached = false
        for (key, value) in entries where key.contains(secretNeedle) || value.contains(secretNeedle) {
            reached = true
            let lastPart = key.split(separator: ".").last.map { $0.lowercased() } ?? ""
            let isSetting = !key.lowercased().contains("placeholders")
            if isSetting, lastPart == "password" || lastPart == "buildpassword", !key.contains(secretNeedle) { continue }
            if isSetting, lastPart == "url" || lastPart == "buildurl", !key.contains(secretNeedle),
               !SecretMasker.maskedURL(value).contains(secretNeedle) { continue }
            return false
        }
        return reached
    }
}
