/// One entry of the key table: a Flyway setting name and what migrate does with it.
struct ConfigurationKey: Sendable {
    enum Kind: Sendable {
        /// A string; `nonEmpty` ones reject "" (an empty table name or prefix is never meant).
        case text((WritableKeyPath<Configuration, String> & Sendable), nonEmpty: Bool)
        /// A string that may be absent; "" unsets it.
        case optionalText((WritableKeyPath<Configuration, String?> & Sendable))
        /// One of `choices` in any case, stored lower-cased.
        case choice((WritableKeyPath<Configuration, String> & Sendable), [String])
        /// `true` or `false`, any case.
        case flag((WritableKeyPath<Configuration, Bool> & Sendable))
        /// A non-negative integer (`allowsMinusOne`: -1 too, Flyway's "forever").
        case count((WritableKeyPath<Configuration, Int> & Sendable), allowsMinusOne: Bool)
        /// A duration stored in milliseconds: `500ms`, `5s`, `2min`, `1h`, or a bare number of milliseconds.
        case milliseconds((WritableKeyPath<Configuration, Int> & Sendable))
        /// Comma-separated, items trimmed. `emptyMeansDefault`: "" restores the default instead of giving an
        /// empty list (an empty `locations` means "the default" to Flyway). Empty items are dropped, or
        /// rejected when `rejectsEmptyItems` (a blank `cherryPick` item picks nothing the user can name).
        case list((WritableKeyPath<Configuration, [String]> & Sendable), emptyMeansDefault: Bool = false, rejectsEmptyItems: Bool = false)
        /// `ignoreMigrationPatterns`, parsed as it is read.
        case ignorePatterns
        /// A member of the `placeholders.` family.
        case placeholder
        /// `configFiles`: read by the loader before any file, never stored.
        case configFiles
        /// A Flyway setting that would change what is run or checked: an error naming `reason` (what to use
        /// instead, where there is something). An empty value, or one of `accepted` (any case) — what migrate
        /// does anyway — is accepted silently.
        case refused(reason: String?, accepted: [String] = [])
        /// A Flyway setting with no effect on the database or on what is checked: accepted with a warning.
        case noEffect(note: String?)
    }

    /// Flyway's spelling, without `flyway.` (`baselineOnMigrate`, `postgresql.transactional.lock`); for a
    /// family member, the family's spelling plus the member's own part as written (`placeholders.Owner`).
    let name: String
    let kind: Kind
    /// A family member's own part as written (`Owner`); nil for other keys.
    let member: String?

    init(_ name: String, _ kind: Kind, member: String? = nil) {
        self.name = name
        self.kind = kind
        self.member = member
    }

    /// Tells settings apart across sources: the folded name, but a member's own part only lower-cased
    /// (placeholders `a_b` and `ab` are different placeholders).
    var id: String {
        guard let member else { return Self.folded(name) }
        return Self.folded(name.dropLast(member.count)) + member.lowercased()
    }

    /// Whether a TOML array is a value it takes (lists, and the settings refused or ignored whatever their value).
    var takesList: Bool {
        switch kind {
        case .list, .ignorePatterns, .refused, .noEffect: return true
        case .text, .optionalText, .choice, .flag, .count, .milliseconds, .placeholder, .configFiles: return false
        }
    }

    // MARK: Environments

    /// A connection's settings: in TOML they belong to an environment (`[environments.<name>]`), not to
    /// `[flyway]`; elsewhere they set the selected environment's (Flyway maps them to it).
    var isEnvironmentSetting: Bool {
        Self.environmentSettings.contains(Self.folded(member.map { String(name.dropLast($0.count)) } ?? name))
    }

    /// Whether `[environments.<name>.flyway]` may give it for one environment. Flyway refuses the settings
    /// below, the command-line-only ones, and every child namespace (`postgresql.`, `oracle.`…) but placeholders.
    var isEnvironmentOverridable: Bool {
        if case .placeholder = kind { return true }
        return !name.contains(".") && !isEnvironmentSetting && !Self.notOverridable.contains(Self.folded(name))
    }

    private static let environmentSettings: Set<String> = Set([
        "url", "user", "password", "schemas", "connectRetries", "connectRetriesInterval", "initSql", "driver",
        "displayName", "provisioner", "jdbcProperties.", "resolvers.",
    ].map { folded($0) })

    private static let notOverridable: Set<String> = Set([
        "environment", "cherryPick", "licenseKey", "undoSqlMigrationPrefix", "configFiles", "outputType",
        "workingDirectory", "configFileEncoding", "color",
    ].map { folded($0) })

    // MARK: The table

    static let all: [ConfigurationKey] = supported + refused + noEffect

    private static let supported: [ConfigurationKey] = [
        .init("url", .optionalText(\.url)),
        .init("user", .optionalText(\.user)),
        .init("password", .optionalText(\.password)),
        .init("schemas", .list(\.schemas)),
        .init("defaultSchema", .optionalText(\.defaultSchema)),
        .init("table", .text(\.table, nonEmpty: true)),
        .init("tablespace", .optionalText(\.tablespace)),
        .init("locations", .list(\.locations, emptyMeansDefault: true)),
        .init("failOnMissingLocations", .flag(\.failOnMissingLocations)),
        .init("sqlMigrationPrefix", .text(\.sqlMigrationPrefix, nonEmpty: true)),
        .init("sqlMigrationSeparator", .text(\.sqlMigrationSeparator, nonEmpty: true)),
        .init("sqlMigrationSuffixes", .list(\.sqlMigrationSuffixes, emptyMeansDefault: true)),
        .init("repeatableSqlMigrationPrefix", .text(\.repeatableSqlMigrationPrefix, nonEmpty: true)),
        .init("undoSqlMigrationPrefix", .text(\.undoSqlMigrationPrefix, nonEmpty: true)),
        .init("baselineMigrationPrefix", .text(\.baselineMigrationPrefix, nonEmpty: true)),
        .init("callbackLocations", .list(\.callbackLocations)),
        .init("skipDefaultCallbacks", .flag(\.skipDefaultCallbacks)),
        .init("encoding", .text(\.encoding, nonEmpty: true)),
        .init("baselineVersion", .text(\.baselineVersion, nonEmpty: true)),
        .init("baselineDescription", .text(\.baselineDescription, nonEmpty: false)),
        .init("baselineOnMigrate", .flag(\.baselineOnMigrate)),
        .init("target", .optionalText(\.target)),
        .init("cherryPick", .list(\.cherryPick, rejectsEmptyItems: true)),
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
        .init("lockTimeout", .milliseconds(\.lockTimeout)),
        .init("statementTimeout", .milliseconds(\.statementTimeout)),
        .init("lockRetries", .count(\.lockRetries, allowsMinusOne: false)),
        .init("lockMode", .choice(\.lockMode, ["session", "transaction"])),
        .init("ignoreMigrationPatterns", .ignorePatterns),
        .init("skipExecutingMigrations", .flag(\.skipExecutingMigrations)),
        .init("dryRunOutput", .optionalText(\.dryRunOutput)),
        .init("outputType", .choice(\.outputType, ["json", ""])),
        .init("outputFile", .optionalText(\.outputFile)),
        .init("configFiles", .configFiles),
        .init("check.buildUrl", .optionalText(\.checkBuildUrl)),
        .init("check.buildUser", .optionalText(\.checkBuildUser)),
        .init("check.buildPassword", .optionalText(\.checkBuildPassword)),
        .init("check.failOnDrift", .flag(\.checkFailOnDrift)),
        .init("lint", .choice(\.lint, ["off", "warn", "error"])),
        .init("lint.all", .flag(\.lintAll)),
        .init("lint.format", .choice(\.lintFormat, ["text", "github"])),
        .init("seedLocation", .text(\.seedLocation, nonEmpty: true)),
        .init("snapshot.tables", .list(\.snapshotTables, rejectsEmptyItems: true)),
        .init("snapshot.exclude", .list(\.snapshotExclude, rejectsEmptyItems: true)),
        .init("snapshot.mask", .list(\.snapshotMask, rejectsEmptyItems: true)),
        .init("snapshot.replace", .flag(\.snapshotReplace)),
        .init("seed.replace", .flag(\.seedReplace)),
        .init("seed.snapshot", .optionalText(\.seedSnapshot)),
        .init("targets", .optionalText(\.fleet.targets)),
        .init("targetsQuery", .optionalText(\.fleet.targetsQuery)),
        .init("parallel", .count(\.fleet.parallel, allowsMinusOne: false)),
        .init("canary", .count(\.fleet.canary, allowsMinusOne: false)),
        .init("onError", .choice(\.fleet.onError, ["stop", "continue"])),
        // Which `[environments.<name>]` to connect to; "" means Flyway's "default".
        .init("environment", .text(\.environment, nonEmpty: false)),
    ]

    private static let refused: [ConfigurationKey] = {
        let errorsFail = "every SQL error fails the migration"
        let keys: [ConfigurationKey] = [
            .init("postgresql.transactional.lock",
                  .refused(reason: "migrate holds a session-level advisory lock (as with false); behind a transaction pooler use lockMode=transaction", accepted: ["false"])),
            .init("cleanOnValidationError", .refused(reason: "run clean before migrate instead", accepted: ["false"])),
            .init("callbacks", .refused(reason: "migrate runs SQL callbacks only: put <event>.sql files in the locations or callbackLocations")),
            .init("resolvers", .refused(reason: "migrate runs SQL migrations only")),
            .init("skipDefaultResolvers", .refused(reason: "migrate always runs SQL migrations", accepted: ["false"])),
            .init("errorOverrides", .refused(reason: errorsFail)),
            .init("errorHandlers", .refused(reason: errorsFail)),
            .init("detectEncoding", .refused(reason: "set encoding instead", accepted: ["false"])),
            .init("placeholderSeparator", .refused(reason: "built-in placeholders are written ${flyway:name}", accepted: [":"])),
            .init("configFileEncoding", .refused(reason: "configuration files are read as UTF-8", accepted: ["UTF-8", "UTF8"])),
            .init("workingDirectory", .refused(reason: "run migrate from that directory instead")),
            .init("configurations", .refused(reason: nil)),
            .init("skipVersions", .refused(reason: nil)),
            .init("sqlMigrationSuffix", .refused(reason: "use sqlMigrationSuffixes")),
            .init("provisioner", .refused(reason: "migrate does not provision databases: create the database first")),
        ]
        // Removed from Flyway in favour of ignoreMigrationPatterns.
        let removedIgnores = ["ignoreMissingMigrations", "ignoreIgnoredMigrations", "ignorePendingMigrations",
                              "ignoreFutureMigrations"]
            .map { ConfigurationKey($0, .refused(reason: "use ignoreMigrationPatterns")) }
        return keys + removedIgnores
    }()

    private static let noEffect: [ConfigurationKey] = [
        "licenseKey", "outputQueryResults", "color", "reportEnabled", "reportFilename", "outputProgress",
        "outputLogsInJson", "kerberosConfigFile", "driver", "jarDirs", "loggers", "communityDBSupportEnabled",
        "powershellExecutable", "batch", "stream", "scriptPlaceholderPrefix", "scriptPlaceholderSuffix",
    ].map { ConfigurationKey($0, .noEffect(note: nil)) } + [
        .init("displayName", .noEffect(note: "it names an environment in Flyway Desktop")),
    ]

    /// Settings with free-form names after a prefix; `name` is the prefix.
    static let families: [ConfigurationKey] = {
        let secretStores = "pass the password with FLYWAY_PASSWORD, ${VAR} in a .conf file or ${env.VAR} in a TOML file"
        return [
            .init("placeholders.", .placeholder),
            .init("jdbcProperties.", .refused(reason: "give connection parameters in the url")),
            .init("plugins.", .refused(reason: nil)),
            .init("environments.", .refused(reason: "environments are defined in TOML files ([environments.<name>]) or on "
                + "the command line (-environments.<name>.url=…), not in .conf files or environment variables")),
            .init("resolvers.", .refused(reason: "migrate resolves ${env.NAME} in TOML files, with no resolver settings")),
            .init("vault.", .refused(reason: secretStores)),
            .init("gcsm.", .refused(reason: secretStores)),
            .init("dapr.", .refused(reason: secretStores)),
            // The other settings of Flyway's check (snapshots, build environments, -changes, -code, drift resolution scripts).
            .init("check.", .refused(reason: "migrate's check has -drift only, set with check.buildUrl, check.buildUser, "
                                      + "check.buildPassword and check.failOnDrift")),
            .init("oracle.", .noEffect(note: "it applies to Oracle only")),
            .init("sqlserver.", .noEffect(note: "it applies to SQL Server only")),
        ]
    }()

    // MARK: Lookup

    /// How every key is compared, wherever it was written: without a leading `flyway.` (any case),
    /// lower-cased, without `-` and `_`. `flyway.baselineVersion`, `baseline-version`, `baseline_version`
    /// and `BASELINE_VERSION` all fold to `baselineversion`; dots stay (`postgresql.transactional.lock`).
    static func folded(_ name: some StringProtocol) -> String {
        String(withoutFlywayPrefix(name).lowercased().filter { $0 != "-" && $0 != "_" })
    }

    static func withoutFlywayPrefix<Name: StringProtocol>(_ name: Name) -> Name.SubSequence {
        name.lowercased().hasPrefix("flyway.") ? name.dropFirst("flyway.".count) : name[...]
    }

    /// Every key by its folded name, and by the folded form of its `FLYWAY_*` variable: folded once, not on
    /// each lookup (the first of two keys folding alike wins, as a search in `all` would find it).
    private static let byFoldedName = Dictionary(all.map { (folded($0.name), $0) }, uniquingKeysWith: { first, _ in first })
    private static let byFoldedVariable = Dictionary(all.map { (folded(upperSnake($0.name)), $0) }, uniquingKeysWith: { first, _ in first })

    /// The key `name` means (a conf-file key, a command-line option or a `source(of:)` argument), folded;
    /// or a family member, whose own part keeps its spelling.
    static func named(_ name: String) -> ConfigurationKey? {
        if let key = byFoldedName[folded(name)] { return key }
        let bare = withoutFlywayPrefix(name)
        guard let dot = bare.firstIndex(of: "."),
              let family = families.first(where: { folded($0.name) == folded(bare[...dot]) }) else { return nil }
        let member = String(bare[bare.index(after: dot)...])
        return ConfigurationKey(family.name + member, family.kind, member: member)
    }

    /// The key a `FLYWAY_*` variable sets: the upper-snake form of a name, folded like every key
    /// (`FLYWAY_BASELINE_VERSION`, `FLYWAY_DRYRUN_OUTPUT`), or `FLYWAY_<FAMILY>_<member>` with the
    /// member lower-cased (`FLYWAY_PLACEHOLDERS_OWNER` → `placeholders.owner`).
    static func environment(_ variable: String) -> ConfigurationKey? {
        // Flyway documents the environment's variable in lower case (its FLYWAY_ENVIRONMENT is not read).
        if variable == "flyway_environment" { return named("environment") }
        let prefix = "FLYWAY_"
        guard variable.hasPrefix(prefix) else { return nil }
        let rest = variable.dropFirst(prefix.count)
        if let key = byFoldedVariable[folded(rest)] { return key }
        for family in families {
            let head = upperSnake(family.name)
            if rest.hasPrefix(head), rest.count > head.count {
                let member = rest.dropFirst(head.count).lowercased()
                return ConfigurationKey(family.name + member, family.kind, member: member)
            }
        }
        // Any other FLYWAY_* variable is Flyway's own (`flywayOwnVariables`) or a mistake the loader reports.
        return nil
    }

    /// `FLYWAY_*` variables that Flyway's launcher, licensing or packaging read and that set no setting:
    /// left alone. Any other `FLYWAY_*` variable that is not a key is an error, because a misspelt
    /// `FLYWAY_ULR` left unread would send the run to whatever database libpq's defaults reach.
    static let flywayOwnVariables: Set<String> = [
        "FLYWAY_HOME", "FLYWAY_JAVA_CMD", "FLYWAY_EDITION", "FLYWAY_VERSION", "FLYWAY_EMAIL", "FLYWAY_TOKEN",
        "FLYWAY_CALLER", "FLYWAY_DO_NOT_REDACT_URL", "FLYWAY_NATIVE_CONNECTORS", "FLYWAY_NEW_REPORTS",
        "FLYWAY_NEXT_MAJOR_VERSION", "FLYWAY_OFFLINE_PERMIT_PATH", "FLYWAY_PUBLISH_RESULT", "FLYWAY_SSL_AUTOCONFIGURATION",
        "FLYWAY_CHECK_DRIFT_ON_MIGRATE", "FLYWAY_CONFIGURATIONS", "FLYWAY_SQL_SERVER_CLEAN_MODE",
        "FLYWAY_SQL_SERVER_CLEAN_SCHEMAS_EXCLUDE", "FLYWAY_SQL_SERVER_KERBEROS_LOGIN_FILE",
    ]

    /// Why `variable`, a `FLYWAY_*` variable that `environment(_:)` does not map, is refused: it names no
    /// setting (with the variable of the closest one). nil for the variables Flyway itself reads.
    static func unknownVariableProblem(_ variable: String) -> String? {
        guard variable.hasPrefix("FLYWAY_"), !flywayOwnVariables.contains(variable) else { return nil }
        let message = "environment variable \(variable) is not a Flyway setting"
        if let suggestion = suggestion(for: String(variable.dropFirst("FLYWAY_".count))) {
            return message + "; did you mean FLYWAY_\(upperSnake(suggestion))?"
        }
        return message + " (a setting's variable is FLYWAY_ and its key in upper snake case, as FLYWAY_BASELINE_VERSION); unset it"
    }

    /// The known name closest to `name` by edit distance, if close enough to be a likely typo.
    /// A dotted name is also compared with the families (`placeholder.x` → `placeholders.x`).
    static func suggestion(for name: String) -> String? {
        let bare = withoutFlywayPrefix(name)
        var candidates = all.map(\.name)
        if let dot = bare.firstIndex(of: ".") {
            candidates += families.map { $0.name + bare[bare.index(after: dot)...] }
        }
        let wanted = folded(bare)
        let scored = candidates.map { ($0, editDistance(wanted, folded($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let tolerance = max(1, min(3, wanted.count / 3))
        return best.1 <= tolerance ? best.0 : nil
    }

    // MARK: Helpers

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

    /// Edit distance over characters where swapping two neighbours counts as one edit, as a typist makes
    /// it (`ULR` is one edit from `URL`): the optimal string alignment distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
