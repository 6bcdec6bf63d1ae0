// INTERFACE STUB — to be implemented (helper: Configuration).
import Foundation

/// Every setting migrate understands, with Flyway's names and defaults.
public struct Configuration: Sendable {
    public var url: String?
    public var user: String?
    public var password: String?
    public var schemas: [String] = []
    public var defaultSchema: String?
    public var table: String = "flyway_schema_history"
    public var locations: [String] = ["filesystem:sql"]
    public var sqlMigrationPrefix: String = "V"
    public var sqlMigrationSeparator: String = "__"
    public var sqlMigrationSuffixes: [String] = [".sql"]
    public var repeatableSqlMigrationPrefix: String = "R"
    public var encoding: String = "UTF-8"
    public var baselineVersion: String = "1"
    public var baselineDescription: String = "<< Flyway Baseline >>"
    public var baselineOnMigrate: Bool = false
    public var target: String? = nil
    public var outOfOrder: Bool = false
    public var validateOnMigrate: Bool = true
    public var validateMigrationNaming: Bool = false
    public var cleanDisabled: Bool = true
    public var createSchemas: Bool = true
    public var installedBy: String? = nil
    public var connectRetries: Int = 0
    public var connectRetriesInterval: Int = 120
    public var mixed: Bool = false
    public var placeholderReplacement: Bool = true
    public var placeholderPrefix: String = "${"
    public var placeholderSuffix: String = "}"
    /// Keys as written by the user (case kept); look up case-insensitively.
    public var placeholders: [String: String] = [:]
    public var initSql: String? = nil
    public var ignoreMigrationPatterns: [String] = ["*:future"]
    public var executeInTransaction: Bool = true
    public var warnings: [String] = []
    public var redactedURL: String? { url }
    /// Directory relative locations are resolved against.
    public var workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    public init() {}

    /// libpq keyword/value pairs for this configuration's url/user/password.
    public func connectionParameters() throws -> [(String, String)] { fatalError("stub") }
    /// Strings that must never be printed (the password, wherever it came from).
    public var secrets: [String] { fatalError("stub") }
}

/// Builds a Configuration from conf files, FLYWAY_* environment variables and command-line settings.
public enum ConfigurationLoader {
    /// - commandLine: settings from the command line, keys without `flyway.` (e.g. ("url", "jdbc:…"), ("placeholders.x", "1")).
    public static var knownKeyNames: Set<String> { [] }
    public static func load(commandLine: [(key: String, value: String)], environment: [String: String], workingDirectory: URL) throws -> Configuration { fatalError("stub") }
}

/// A bad configuration: says which key, and where it was set.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
