import PostgresClient

/// One database (or one schema of a database) of a fleet: where it was listed, its url and the settings
/// it overrides. Its configuration is built from the fleet's when it runs, and dropped when it is done.
public struct FleetTarget: Sendable {
    /// What output calls it: the url with its password masked (and its schema, when it names one), or `db/schema`.
    public let name: String
    /// Where it was listed: `targets.txt` or `targetsQuery`, and the line (row) there.
    let listing: String
    let line: Int
    /// nil: the fleet's own url (a schema of that database, from targetsQuery).
    let url: String?
    /// A schema of the fleet's database (from targetsQuery): the target's only schema, holding its history table.
    var schema: String? = nil
    /// `key=value` settings for this target, as written.
    let settings: [Setting]

    struct Setting: Sendable, Equatable {
        var key: String
        var value: String
    }

    /// `targets.txt:3`
    public var origin: String { "\(listing):\(line)" }

    /// The settings a target may give for itself: how to reach it and where its history and objects are.
    /// The rest (locations, naming, encoding…) are the fleet's, read once for every target.
    static let overridable: [String] = [
        "user", "password", "schemas", "defaultSchema", "table", "tablespace", "placeholders.<name>", "initSql",
        "installedBy", "connectRetries", "connectRetriesInterval", "baselineVersion", "baselineDescription",
        "baselineOnMigrate", "createSchemas", "lockTimeout", "statementTimeout", "lockRetries", "cleanDisabled",
    ]

    private static let overridableIDs: Set<String> = Set(overridable.filter { !$0.contains(".") }.map { ConfigurationKey.folded($0) })

    /// The fleet's configuration with this target's url and settings laid over it; errors start with `origin`.
    public func configuration(over fleet: Configuration) throws(ConfigurationError) -> Configuration {
        var configuration = fleet
        var loader = Loader(environment: [:], workingDirectory: fleet.workingDirectory)
        func put(_ name: String, _ value: String) throws(ConfigurationError) {
            let source = ConfigurationSource.file(path: listing, line: line, key: name)
            guard let key = ConfigurationKey.named(name) else {
                var message = "\(origin): unknown setting '\(name)'"
                if let suggestion = ConfigurationKey.suggestion(for: name) { message += "; did you mean '\(suggestion)'?" }
                throw ConfigurationError(message + "; a target may set \(Self.overridable.joined(separator: ", "))")
            }
            if case .placeholder = key.kind {
                guard !(key.member ?? "").isEmpty else { throw ConfigurationError("\(origin): placeholder name is empty (expected placeholders.<name>=value)") }
            } else if name != "url", !Self.overridableIDs.contains(key.id) {
                throw ConfigurationError("\(origin): \(key.name) is the same for every target (the files are read once for the "
                    + "whole fleet); a target may set \(Self.overridable.joined(separator: ", "))")
            }
            loader.apply(RawSetting(key: key, value: value, source: source, scope: .flyway), to: &configuration)
            if let problem = loader.problems.last { throw ConfigurationError(problem) }
        }
        if let url {
            // The url's own credentials are this target's: the fleet's user and password are for urls without them.
            let credentials = Self.credentials(in: url)
            if credentials.user { configuration.user = nil }
            if credentials.password { configuration.password = nil }
            try put("url", url)
            _ = try configuration.parsedURL()
        }
        if let schema {
            configuration.schemas = [schema]
            configuration.defaultSchema = schema
        }
        for setting in settings { try put(setting.key, setting.value) }
        for problem in configuration.typedSettingProblems { throw ConfigurationError(problem) }
        return configuration
    }

    /// What makes two listings the same target: the url as written without its password, the user, the schema
    /// holding the history table and the table's name.
    static func identity(of configuration: Configuration) -> String {
        [configuration.url.map(withoutPassword) ?? "", configuration.user ?? "",
         configuration.defaultSchemaName ?? "", configuration.table].joined(separator: "\u{1F}")
    }

    /// `url` as written, without its password (masked, then the masked value left out).
    static func withoutPassword(_ url: String) -> String {
        let masked = SecretMasker.maskedURL(url), hidden = SecretMasker.replacement
        return masked.replacing(":\(hidden)@", with: "@").replacing("password=\(hidden)", with: "")
    }

    /// Whether `url` names its own user and password.
    static func credentials(in url: String) -> (user: Bool, password: Bool) {
        let password = !SecretMasker.secrets(in: url).isEmpty
        guard let parsed = try? ConnectionURL(url) else { return (false, password) }
        switch parsed.form {
        case .jdbc:
            return (parsed.parameters.contains { $0.keyword == "user" }, password)
        case .uri:
            let authority = url.split(separator: "://", maxSplits: 1).last?.prefix { $0 != "/" && $0 != "?" } ?? ""
            let query = url.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
            return (authority.contains("@") || query.split(separator: "&").contains { $0.lowercased().hasPrefix("user=") }, password)
        case .keywords:
            return (url.split(whereSeparator: \.isWhitespace).contains { $0.lowercased().hasPrefix("user") && $0.contains("=") }, password)
        }
    }
}
