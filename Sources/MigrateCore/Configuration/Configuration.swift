import Foundation

/// Every setting migrate understands, with Flyway's names and defaults.
///
/// Build one with `ConfigurationLoader.load`, which also records where each setting came from
/// (`source(of:)`), which files were read (`loadedFiles`) and what was ignored (`warnings`).
/// Printing a Configuration never shows the password. Equality compares everything, provenance
/// (`sources`, `warnings`, `loadedFiles`) included.
public struct Configuration: Sendable, Equatable {
    public var url: String?
    public var user: String?
    public var password: String?
    public var schemas: [String] = []
    public var defaultSchema: String?
    public var table: String = "flyway_schema_history"
    /// Tablespace for the history table; nil means the connection's default.
    public var tablespace: String?
    /// As given; `filesystem:` is optional and stripped by the scanner.
    public var locations: [String] = ["filesystem:sql"]
    public var sqlMigrationPrefix: String = "V"
    public var sqlMigrationSeparator: String = "__"
    public var sqlMigrationSuffixes: [String] = [".sql"]
    public var repeatableSqlMigrationPrefix: String = "R"
    public var encoding: String = "UTF-8"
    public var baselineVersion: String = "1"
    public var baselineDescription: String = "<< Flyway Baseline >>"
    public var baselineOnMigrate: Bool = false
    /// nil means Flyway's default, `latest`.
    public var target: String? = nil
    public var outOfOrder: Bool = false
    public var validateOnMigrate: Bool = true
    public var validateMigrationNaming: Bool = false
    public var cleanDisabled: Bool = true
    public var createSchemas: Bool = true
    /// nil means the database user.
    public var installedBy: String? = nil
    public var connectRetries: Int = 0
    /// Seconds.
    public var connectRetriesInterval: Int = 120
    public var mixed: Bool = false
    /// Apply all pending migrations in one transaction.
    public var group: Bool = false
    public var executeInTransaction: Bool = true
    public var placeholderReplacement: Bool = true
    public var placeholderPrefix: String = "${"
    public var placeholderSuffix: String = "}"
    /// Keys as written by the user (case kept); look up with `placeholderValue(named:)`.
    public var placeholders: [String: String] = [:]
    /// Run on every new connection.
    public var initSql: String? = nil
    /// -1 means retry forever.
    public var lockRetryCount: Int = 50
    /// `type:status` patterns, e.g. `*:future`.
    public var ignoreMigrationPatterns: [String] = ["*:future"]
    /// Record migrations in the history table without running them.
    public var skipExecutingMigrations: Bool = false
    /// Directory relative locations are resolved against.
    public var workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    /// Configuration files read, lowest precedence first.
    public var loadedFiles: [URL] = []
    /// Things the user should know but that do not stop migrate (ignored Flyway settings, unset
    /// `${VAR}`s, JDBC parameters libpq lacks), each starting with where it was set.
    public var warnings: [String] = []
    /// Where each non-default setting came from, by folded key (`url`, `placeholders.name`).
    var sources: [String: ConfigurationSource] = [:]

    public init() {}

    // MARK: Questions about settings

    /// Where `key` was set (`conf/x.conf:7`, `environment variable FLYWAY_URL`, `command line -url`),
    /// or nil when it has its default. `key` is a Flyway name, with or without `flyway.`, in any case
    /// or in kebab-case; `placeholders.<name>` works too.
    public func source(of key: String) -> String? {
        sources[Self.sourceKey(key)]?.description
    }

    /// The value of placeholder `name`, matched case-insensitively.
    public func placeholderValue(named name: String) -> String? {
        if let exact = placeholders[name] { return exact }
        let lowered = name.lowercased()
        return placeholders.first { $0.key.lowercased() == lowered }?.value
    }

    /// The schema migrate works in: `defaultSchema`, else the first of `schemas`; nil means the
    /// connection's current schema.
    public var defaultSchemaName: String? { defaultSchema ?? schemas.first }

    // MARK: Connection

    /// libpq keyword/value pairs for url/user/password, for `PQconnectdbParams` with `expand_dbname`
    /// on, in order (later pairs override what a URI in `dbname` expands to). No url gives no
    /// host/dbname at all, so libpq falls back to the PG* environment variables and ~/.pgpass.
    public func connectionParameters() throws -> [(String, String)] {
        var parameters = try parsedURL()?.parameters.map { ($0.keyword, $0.value) } ?? []
        for (keyword, value) in [("user", user), ("password", password)] {
            guard let value else { continue }
            parameters.removeAll { $0.0 == keyword }
            parameters.append((keyword, value))
        }
        return parameters
    }

    /// Strings that must never be printed: the password, wherever it came from (the password key,
    /// the URL's userinfo or parameters, a keyword string), as written and decoded.
    public var secrets: [String] {
        var all = [password].compactMap { $0 }.filter { !$0.isEmpty }
        for secret in url.map(ConnectionURL.secrets(in:)) ?? [] where !all.contains(secret) {
            all.append(secret)
        }
        return all
    }

    /// The url with every password replaced by `***`.
    public var redactedURL: String? { url.map(ConnectionURL.redacting) }

    /// The url parsed; errors start with where the url was set.
    func parsedURL() throws(ConfigurationError) -> ConnectionURL? {
        guard let url else { return nil }
        do {
            return try ConnectionURL(url)
        } catch {
            let label = sources["url"]?.label ?? "flyway.url"
            throw ConfigurationError("\(label): \(error.message)")
        }
    }

    // MARK: Keys

    /// The key `sources` uses: `url`, `baselineversion`, `placeholders.<lowercased name>`.
    static func sourceKey(_ key: String) -> String {
        var key = Substring(key)
        if key.lowercased().hasPrefix("flyway.") { key = key.dropFirst("flyway.".count) }
        let prefix = ConfigurationKey.placeholderPrefix
        if key.lowercased().hasPrefix(prefix) {
            return prefix + key.dropFirst(prefix.count).lowercased()
        }
        return ConfigurationKey.commandLine(String(key)).map { $0.name.lowercased() } ?? key.lowercased()
    }
}

extension Configuration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One `flyway.key=value` line per setting, password masked, url redacted.
    public var description: String {
        var lines: [String] = []
        for case let (label?, value) in customMirror.children {
            lines.append("flyway.\(label)=\(value)")
        }
        return lines.joined(separator: "\n")
    }

    public var debugDescription: String { description }

    /// What `dump` and `String(reflecting:)` show: the settings, with the password masked.
    public var customMirror: Mirror {
        let children: KeyValuePairs<String, Any> = [
            "url": redactedURL ?? "", "user": user ?? "", "password": password == nil ? "" : "*** (set)",
            "schemas": schemas.joined(separator: ","), "defaultSchema": defaultSchema ?? "", "table": table,
            "tablespace": tablespace ?? "", "locations": locations.joined(separator: ","),
            "sqlMigrationPrefix": sqlMigrationPrefix, "sqlMigrationSeparator": sqlMigrationSeparator,
            "sqlMigrationSuffixes": sqlMigrationSuffixes.joined(separator: ","),
            "repeatableSqlMigrationPrefix": repeatableSqlMigrationPrefix, "encoding": encoding,
            "baselineVersion": baselineVersion, "baselineDescription": baselineDescription,
            "baselineOnMigrate": baselineOnMigrate, "target": target ?? "latest", "outOfOrder": outOfOrder,
            "validateOnMigrate": validateOnMigrate, "validateMigrationNaming": validateMigrationNaming,
            "cleanDisabled": cleanDisabled, "createSchemas": createSchemas, "installedBy": installedBy ?? "",
            "connectRetries": connectRetries, "connectRetriesInterval": connectRetriesInterval, "mixed": mixed,
            "group": group, "executeInTransaction": executeInTransaction,
            "placeholderReplacement": placeholderReplacement, "placeholderPrefix": placeholderPrefix,
            "placeholderSuffix": placeholderSuffix,
            "placeholders": placeholders.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ","),
            "initSql": initSql ?? "", "lockRetryCount": lockRetryCount,
            "ignoreMigrationPatterns": ignoreMigrationPatterns.joined(separator: ","),
            "skipExecutingMigrations": skipExecutingMigrations,
        ]
        return Mirror(self, children: children, displayStyle: .struct)
    }
}
