/// One entry of the key table: a Flyway setting name and what migrate does with it.
struct ConfigurationKey {
    enum Kind {
        /// A string; `nonEmpty` ones reject "" (an empty table name or prefix is never meant).
        case text(WritableKeyPath<Configuration, String>, nonEmpty: Bool)
        /// A string that may be absent; "" unsets it.
        case optionalText(WritableKeyPath<Configuration, String?>)
        /// `true` or `false`, any case.
        case flag(WritableKeyPath<Configuration, Bool>)
        /// A non-negative integer (`allowsMinusOne`: -1 too, Flyway's "forever").
        case count(WritableKeyPath<Configuration, Int>, allowsMinusOne: Bool)
        /// Comma-separated, items trimmed, empty items dropped. `emptyMeansDefault`: "" restores the
        /// default instead of giving an empty list (an empty `locations` means "the default" to Flyway).
        case list(WritableKeyPath<Configuration, [String]>, emptyMeansDefault: Bool)
        /// `configFiles`: read by the loader before any file, never stored.
        case configFiles
        /// A Flyway setting migrate does not implement: accepted with a warning.
        case unsupported(note: String?)
    }

    /// Flyway's spelling, without `flyway.` (`baselineOnMigrate`, `postgresql.transactional.lock`).
    let name: String
    let kind: Kind
    /// Flyway's variable name where it is not the upper-snake form of `name`.
    private let environmentOverride: String?

    init(_ name: String, _ kind: Kind, environment: String? = nil) {
        self.name = name
        self.kind = kind
        self.environmentOverride = environment
    }

    /// `FLYWAY_BASELINE_ON_MIGRATE` for `baselineOnMigrate`.
    var environmentName: String { environmentOverride ?? "FLYWAY_" + Self.upperSnake(name) }

    var isSupported: Bool {
        if case .unsupported = kind { return false }
        return true
    }

    /// Placeholders are `placeholders.<name>`; the name is kept as written, matched case-insensitively.
    static let placeholderPrefix = "placeholders."

    /// Families of Flyway settings with free-form names that migrate ignores (with a warning).
    static let unsupportedPrefixes = [
        "jdbcProperties.", "plugins.", "environments.", "check.", "vault.", "gcsm.", "dapr.", "oracle.", "sqlserver.",
    ]

    // MARK: The table

    static let all: [ConfigurationKey] = supported + unsupported

    private static let supported: [ConfigurationKey] = [
        .init("url", .optionalText(\.url)),
        .init("user", .optionalText(\.user)),
        .init("password", .optionalText(\.password)),
        .init("schemas", .list(\.schemas, emptyMeansDefault: false)),
        .init("defaultSchema", .optionalText(\.defaultSchema)),
        .init("table", .text(\.table, nonEmpty: true)),
        .init("tablespace", .optionalText(\.tablespace)),
        .init("locations", .list(\.locations, emptyMeansDefault: true)),
        .init("sqlMigrationPrefix", .text(\.sqlMigrationPrefix, nonEmpty: true)),
        .init("sqlMigrationSeparator", .text(\.sqlMigrationSeparator, nonEmpty: true)),
        .init("sqlMigrationSuffixes", .list(\.sqlMigrationSuffixes, emptyMeansDefault: true)),
        .init("repeatableSqlMigrationPrefix", .text(\.repeatableSqlMigrationPrefix, nonEmpty: true)),
        .init("encoding", .text(\.encoding, nonEmpty: true)),
        .init("baselineVersion", .text(\.baselineVersion, nonEmpty: true)),
        .init("baselineDescription", .text(\.baselineDescription, nonEmpty: false)),
        .init("baselineOnMigrate", .flag(\.baselineOnMigrate)),
        .init("target", .optionalText(\.target)),
        .init("outOfOrder", .flag(\.outOfOrder)),
        .init("validateOnMigrate", .flag(\.validateOnMigrate)),
        .init("validateMigrationNaming", .flag(\.validateMigrationNaming)),
        .init("cleanDisabled", .flag(\.cleanDisabled)),
        .init("createSchemas", .flag(\.createSchemas)),
        .init("installedBy", .optionalText(\.installedBy)),
        .init("connectRetries", .count(\.connectRetries, allowsMinusOne: false)),
        .init("connectRetriesInterval", .count(\.connectRetriesInterval, allowsMinusOne: false)),
        .init("mixed", .flag(\.mixed)),
        .init("group", .flag(\.group)),
        .init("executeInTransaction", .flag(\.executeInTransaction)),
        .init("placeholderReplacement", .flag(\.placeholderReplacement)),
        .init("placeholderPrefix", .text(\.placeholderPrefix, nonEmpty: true)),
        .init("placeholderSuffix", .text(\.placeholderSuffix, nonEmpty: true)),
        .init("initSql", .optionalText(\.initSql)),
        // Flyway documents -1 as "retry forever".
        .init("lockRetryCount", .count(\.lockRetryCount, allowsMinusOne: true)),
        .init("ignoreMigrationPatterns", .list(\.ignoreMigrationPatterns, emptyMeansDefault: false)),
        .init("skipExecutingMigrations", .flag(\.skipExecutingMigrations)),
        .init("configFiles", .configFiles),
    ]

    private static let unsupported: [ConfigurationKey] = {
        let plain = [
            "licenseKey", "outputQueryResults", "batch", "stream", "cleanOnValidationError", "callbacks",
            "skipDefaultCallbacks", "resolvers", "skipDefaultResolvers", "detectEncoding", "outputType", "color",
            "cherryPick", "errorOverrides", "undoSqlMigrationPrefix", "baselineMigrationPrefix",
            "failOnMissingLocations", "kerberosConfigFile", "environment", "workingDirectory", "reportEnabled",
            "reportFilename", "driver", "callbackLocations", "placeholderSeparator", "scriptPlaceholderPrefix",
            "scriptPlaceholderSuffix", "powershellExecutable", "loggers", "jarDirs", "configurations",
            "communityDBSupportEnabled", "outputProgress", "outputLogsInJson", "outputFile", "errorHandlers",
            "skipVersions",
        ].map { ConfigurationKey($0, .unsupported(note: nil)) }
        let explained: [ConfigurationKey] = [
            .init("dryRunOutput", .unsupported(note: nil), environment: "FLYWAY_DRYRUN_OUTPUT"),
            .init("postgresql.transactional.lock",
                  .unsupported(note: "migrate always uses a session-level advisory lock")),
            .init("configFileEncoding", .unsupported(note: "migrate reads configuration files as UTF-8")),
            .init("sqlMigrationSuffix", .unsupported(note: "use flyway.sqlMigrationSuffixes")),
        ]
        let removedIgnores = ["ignoreMissingMigrations", "ignoreIgnoredMigrations", "ignorePendingMigrations",
                              "ignoreFutureMigrations"]
            .map { ConfigurationKey($0, .unsupported(note: "use flyway.ignoreMigrationPatterns")) }
        return plain + explained + removedIgnores
    }()

    // MARK: Lookup

    /// Exact name, any case (how `.conf` keys after `flyway.` are matched).
    static func named(_ name: String) -> ConfigurationKey? {
        let lowered = name.lowercased()
        return all.first { $0.name.lowercased() == lowered }
    }

    /// Any case, and kebab-case too (`baseline-version`): how command-line keys are matched.
    static func commandLine(_ option: String) -> ConfigurationKey? {
        let wanted = kebabFolded(option)
        return all.first { kebabFolded($0.name) == wanted }
    }

    static func environment(_ variable: String) -> ConfigurationKey? {
        all.first { $0.environmentName == variable }
    }

    /// The free-form unsupported family `name` belongs to, if any (matched case-insensitively).
    static func unsupportedFamily(of name: String) -> String? {
        unsupportedPrefixes.first { name.lowercased().hasPrefix($0.lowercased()) }
    }

    /// The known name closest to `name` by edit distance, if close enough to be a likely typo.
    /// A dotted name is also compared with the dynamic families (`placeholder.x` → `placeholders.x`).
    static func suggestion(for name: String) -> String? {
        var candidates = all.map(\.name)
        if let dot = name.firstIndex(of: ".") {
            let rest = name[name.index(after: dot)...]
            candidates += ([placeholderPrefix] + unsupportedPrefixes).map { $0 + rest }
        }
        let folded = kebabFolded(name)
        let scored = candidates.map { ($0, editDistance(folded, kebabFolded($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let tolerance = max(1, min(3, folded.count / 3))
        return best.1 <= tolerance ? best.0 : nil
    }

    // MARK: Helpers

    /// Lower case without hyphens: `Baseline-Version` and `baselineVersion` fold to the same string.
    static func kebabFolded(_ name: some StringProtocol) -> String {
        String(name.lowercased().filter { $0 != "-" })
    }

    /// `baselineOnMigrate` → `BASELINE_ON_MIGRATE`, `postgresql.transactional.lock` → `POSTGRESQL_TRANSACTIONAL_LOCK`.
    static func upperSnake(_ name: String) -> String {
        var result = ""
        var previous: Character?
        for character in name {
            if character == "." {
                result.append("_")
            } else {
                // A word starts at an upper-case letter that follows a lower-case one (`DBSupport` stays one word).
                if character.isUppercase, let previous, previous.isLowercase { result.append("_") }
                result += character.uppercased()
            }
            previous = character
        }
        return result
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
