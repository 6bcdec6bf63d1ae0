import FoundationEssentials
import Glibc
import PostgresClient

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
    /// A location that does not exist is an error instead of a warning.
    public var failOnMissingLocations: Bool = false
    public var sqlMigrationPrefix: String = "V"
    public var sqlMigrationSeparator: String = "__"
    public var sqlMigrationSuffixes: [String] = [".sql"]
    public var repeatableSqlMigrationPrefix: String = "R"
    /// `U<version>__<description>.sql`: reverts version V (`migrate undo`).
    public var undoSqlMigrationPrefix: String = "U"
    /// `B<version>__<description>.sql`: the whole schema up to V, used instead of the files before it on an empty database.
    public var baselineMigrationPrefix: String = "B"
    /// Where SQL callbacks are read besides (or, with skipDefaultCallbacks, instead of) the locations.
    public var callbackLocations: [String] = []
    /// Callbacks in `locations` are not run: only those in `callbackLocations`.
    public var skipDefaultCallbacks: Bool = false
    /// As written; `fileEncoding` is what it names.
    public var encoding: String = "UTF-8"
    /// As written; `baselineMigrationVersion` is the version.
    public var baselineVersion: String = "1"
    public var baselineDescription: String = "<< Flyway Baseline >>"
    public var baselineOnMigrate: Bool = false
    /// As written, nil meaning Flyway's default, `latest`; see `migrationTarget` and `targetMayBeMissing`.
    public var target: String? = nil
    /// Only these run: versions (`2`, `1.1`) or, for repeatables, descriptions; empty means all.
    public var cherryPick: [String] = []
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
    /// `lock_timeout` for each migration, in milliseconds (0: none set by migrate).
    public var lockTimeout: Int = 5_000
    /// `statement_timeout` for each migration, in milliseconds (0: none set by migrate).
    public var statementTimeout: Int = 0
    /// How often a transactional file that timed out on a lock or hit a deadlock is tried again.
    public var lockRetries: Int = 10
    /// How runs keep each other out: "session" (one session-level advisory lock for the whole command) or
    /// "transaction" (a transaction-level lock inside each migration's transaction, for transaction poolers).
    public var lockMode: String = "session"
    /// `ignoreMigrationPatterns`, parsed.
    public var ignorePatterns: [IgnorePattern] = [IgnorePattern(type: "*", status: "future")]
    /// Record migrations in the history table without running them.
    public var skipExecutingMigrations: Bool = false
    /// Write the SQL a run would send to this file instead of changing the database.
    public var dryRunOutput: String? = nil
    /// "" (text) or "json", always lower case.
    public var outputType: String = ""
    /// Also write the output to this file.
    public var outputFile: String? = nil
    /// `check -drift`: the database the expected schema is built in; nil builds it in a temporary database
    /// created (and dropped) on the target's server.
    public var checkBuildUrl: String? = nil
    /// User and password for `checkBuildUrl`; nil means `user` and `password`, as in Flyway.
    public var checkBuildUser: String? = nil
    public var checkBuildPassword: String? = nil
    /// `check -drift` exits 1 when it finds drift (Flyway's default is false: a check that cannot fail).
    public var checkFailOnDrift: Bool = true
    /// `lint`: what `migrate` does with lint findings before its first write: "off", "warn" (print them) or
    /// "error" (stop the run).
    public var lint: String = "warn"
    /// `lint.all`: the lint command reads every migration file, not only the pending ones.
    public var lintAll: Bool = false
    /// `lint.format`: "text" or "github" (GitHub Actions annotations); -outputType=json gives JSON.
    public var lintFormat: String = "text"
    /// `seedLocation`: the folder holding data snapshots (`<seedLocation>/v<version>/`), relative to the working
    /// directory like the locations.
    public var seedLocation: String = "seed"
    /// `snapshot.tables`: the tables `snapshot` writes (`table` in the default schema, or `schema.table`);
    /// empty means every table of the schemas but the history table.
    public var snapshotTables: [String] = []
    /// `snapshot.exclude`: tables `snapshot` leaves out.
    public var snapshotExclude: [String] = []
    /// `snapshot.mask`: `table.column` (or `schema.table.column`) pairs masked besides the secret-looking columns.
    public var snapshotMask: [String] = []
    /// `snapshot.replace`: overwrite the folder of a snapshot of the same version.
    public var snapshotReplace: Bool = false
    /// `seed.replace`: `seed` empties the snapshot's tables instead of refusing when they hold rows.
    public var seedReplace: Bool = false
    /// `seed.snapshot`: the snapshot folder `seed` loads (a name under seedLocation, or a path) instead of the newest fitting one.
    public var seedSnapshot: String? = nil
    /// `targets`, `targetsQuery`, `parallel`, `canary`, `onError`: running on many databases or schemas at once.
    public var fleet = FleetSettings()
    /// Connect to this database instead of the url's, on the url's server: `check -drift`'s temporary build
    /// database. Set by code, never by a setting.
    var databaseOverride: String? = nil
    /// The environment connected to: `[environments.<name>]` of a TOML file, or `default`, which the
    /// top-level url, user and password settings make up when no file defines it.
    public var environment: String = "default"
    /// Directory relative locations are resolved against.
    public var workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    /// Configuration files read, lowest precedence first.
    public var loadedFiles: [URL] = []
    /// Things the user should know but that do not stop migrate (Flyway settings with no effect, unset
    /// `${VAR}`s, JDBC parameters libpq lacks), each starting with where it was set.
    public var warnings: [String] = []
    /// Where each non-default setting came from, by folded key (`url`, `placeholders.name`).
    var sources: [String: ConfigurationSource] = [:]

    public init() {}

    // MARK: Questions about settings

    /// Where `key` was set (`conf/x.conf:7`, `environment variable FLYWAY_URL`, `command line -url`),
    /// or nil when it has its default. `key` is a Flyway name, spelt any way the command line accepts;
    /// `placeholders.<name>` works too.
    public func source(of key: String) -> String? {
        sources[Self.sourceKey(key)]?.description
    }

    /// How messages name setting `key`: where it was set (`conf/x.conf:7: flyway.target`, `command line
    /// -target`), or `flyway.<key>` when it has its default or was set by code.
    func label(of key: String) -> String {
        sources[Self.sourceKey(key)]?.label ?? "flyway.\(key)"
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

    // MARK: Typed settings
    // The loader reads each of these once and reports a bad value with where it was set, so they
    // throw only for a value set by code after loading. Errors name the setting, value and source.

    /// `target`: `latest` (also when unset), `current` or a version; a trailing `?` is `targetMayBeMissing`.
    public var migrationTarget: MigrationTarget {
        get throws(ConfigurationError) {
            guard var text = target?.trimmingBlanks(), !text.isEmpty else { return .latest }
            if text.hasSuffix("?") { text.removeLast() }
            switch text.lowercased() {
            case "latest": return .latest
            case "current": return .current
            default:
                guard let version = MigrationVersion(text) else {
                    throw invalid("target", target ?? "", expected: "latest, current or a version (digits separated by '.' or '_'), "
                        + "optionally followed by '?'")
                }
                return .version(version)
            }
        }
    }

    /// `target=<version>?`: migrate does not fail when that version does not exist.
    public var targetMayBeMissing: Bool {
        target?.trimmingBlanks().hasSuffix("?") ?? false
    }

    public var baselineMigrationVersion: MigrationVersion {
        get throws(ConfigurationError) { try version(setting: "baselineVersion", baselineVersion) }
    }

    /// What `encoding` names.
    public var fileEncoding: String.Encoding {
        get throws(ConfigurationError) {
            guard let encoding = FileEncoding.named(encoding) else {
                throw invalid("encoding", encoding, expected: FileEncoding.supportedNames)
            }
            return encoding
        }
    }

    /// `text`, the value of version setting `key`, as a version.
    func version(setting key: String, _ text: String) throws(ConfigurationError) -> MigrationVersion {
        guard let version = MigrationVersion(text) else {
            throw invalid(key, text, expected: "a version (digits separated by '.' or '_')")
        }
        return version
    }

    /// One message per typed setting whose value does not parse.
    var typedSettingProblems: [String] {
        var problems: [String] = []
        func check(_ parse: () throws(ConfigurationError) -> Void) {
            do throws(ConfigurationError) { try parse() } catch { problems.append(error.message) }
        }
        check { () throws(ConfigurationError) in _ = try migrationTarget }
        check { () throws(ConfigurationError) in _ = try baselineMigrationVersion }
        check { () throws(ConfigurationError) in _ = try fileEncoding }
        // Flyway's table is a bare name: a dot would make a table literally named "a.b" in the default schema.
        if let dot = table.firstIndex(of: ".") {
            let schema = table[..<dot], name = table[table.index(after: dot)...]
            problems.append("\(label(of: "table")): '\(table)' contains a dot, but table is the history table's name "
                + "without a schema; set the schema with schemas or defaultSchema (e.g. -defaultSchema=\(schema) -table=\(name))")
        }
        // One prefix for two kinds of file would make a U file a migration, or the other way round.
        for (key, other) in [("sqlMigrationPrefix", sqlMigrationPrefix), ("repeatableSqlMigrationPrefix", repeatableSqlMigrationPrefix)]
        where undoSqlMigrationPrefix == other {
            problems.append("\(label(of: "undoSqlMigrationPrefix")): '\(other)' is also \(key); undo files need a prefix of their own")
        }
        return problems
    }

    private func invalid(_ key: String, _ value: String, expected: String) -> ConfigurationError {
        ConfigurationError("\(label(of: key)): expected \(expected), got '\(value)'")
    }

    // MARK: Connection

    /// libpq keyword/value pairs for url/user/password, for `PQconnectdbParams` with `expand_dbname`
    /// on, in order (later pairs override what a URI in `dbname` expands to). No url gives no
    /// host/dbname at all, so libpq falls back to the PG* environment variables and ~/.pgpass; a URI or
    /// keyword string keeps what it names and takes the rest from them, as psql does; a JDBC url takes
    /// nothing from them but the password: what it leaves out gets pgjdbc's defaults.
    public func connectionParameters() throws -> [(String, String)] {
        let url = try parsedURL()
        var parameters = url?.parameters.map { ($0.keyword, $0.value) } ?? []
        for (keyword, value) in [("user", user), ("password", password)] {
            guard let value else { continue }
            parameters.removeAll { $0.0 == keyword }
            parameters.append((keyword, value))
        }
        if url?.form == .jdbc {
            // libpq would connect to PGHOSTADDR instead of the url's host; no value given here can stop it.
            if let address = getenv("PGHOSTADDR"), address.pointee != 0 {
                throw ConfigurationError("\(label(of: "url")): PGHOSTADDR=\(String(cString: address)) is set, and libpq would "
                    + "connect there instead of the JDBC url's host; unset it (or use a postgres:// url, which takes PG* variables)")
            }
            // pgjdbc's user is the operating system's, and its database the user's name. Given explicitly,
            // so that PGUSER and PGDATABASE cannot fill them.
            if !parameters.contains(where: { $0.0 == "user" }), let name = Self.operatingSystemUser {
                parameters.append(("user", name))
            }
            if !parameters.contains(where: { $0.0 == "dbname" }), let name = parameters.last(where: { $0.0 == "user" })?.1 {
                parameters.append(("dbname", name))
            }
        }
        // After the url's own dbname, which libpq expands first: a later plain dbname overrides it.
        if let databaseOverride { parameters.append(("dbname", databaseOverride)) }
        return parameters
    }

    /// The name of the user running migrate (pgjdbc's and libpq's default user).
    private static var operatingSystemUser: String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// Strings that must never be printed: the password, wherever it came from (the password key,
    /// the URL's userinfo or parameters, a keyword string), as written and decoded.
    public var secrets: [String] {
        var all = [password, checkBuildPassword].compactMap { $0 }.filter { !$0.isEmpty }
        for secret in [url, checkBuildUrl].compactMap({ $0 }).flatMap(SecretMasker.secrets(in:)) where !all.contains(secret) {
            all.append(secret)
        }
        return all
    }

    /// The url with every password masked.
    public var redactedURL: String? { url.map(SecretMasker.maskedURL) }

    /// The url parsed; errors start with where the url was set.
    func parsedURL() throws(ConfigurationError) -> ConnectionURL? {
        try parsedURL(url, setting: "url")
    }

    /// `value`, the url setting `key`, parsed; errors start with where it was set.
    func parsedURL(_ value: String?, setting key: String) throws(ConfigurationError) -> ConnectionURL? {
        guard let value else { return nil }
        do {
            return try ConnectionURL(value)
        } catch {
            throw ConfigurationError("\(label(of: key)): \(error.message)")
        }
    }

    // MARK: Keys

    /// The key `sources` uses: `ConfigurationKey.id` (`url`, `baselineversion`, `placeholders.<lowercased name>`).
    static func sourceKey(_ key: String) -> String {
        ConfigurationKey.named(key)?.id ?? ConfigurationKey.folded(key)
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
            "failOnMissingLocations": failOnMissingLocations,
            "sqlMigrationPrefix": sqlMigrationPrefix, "sqlMigrationSeparator": sqlMigrationSeparator,
            "sqlMigrationSuffixes": sqlMigrationSuffixes.joined(separator: ","),
            "repeatableSqlMigrationPrefix": repeatableSqlMigrationPrefix, "encoding": encoding,
            "undoSqlMigrationPrefix": undoSqlMigrationPrefix,
            "baselineVersion": baselineVersion, "baselineDescription": baselineDescription,
            "baselineOnMigrate": baselineOnMigrate, "target": target ?? "latest",
            "cherryPick": cherryPick.joined(separator: ","), "outOfOrder": outOfOrder,
            "validateOnMigrate": validateOnMigrate, "validateMigrationNaming": validateMigrationNaming,
            "cleanDisabled": cleanDisabled, "createSchemas": createSchemas, "installedBy": installedBy ?? "",
            "connectRetries": connectRetries, "connectRetriesInterval": connectRetriesInterval, "mixed": mixed,
            "group": group, "executeInTransaction": executeInTransaction,
            "placeholderReplacement": placeholderReplacement, "placeholderPrefix": placeholderPrefix,
            "placeholderSuffix": placeholderSuffix,
            "placeholders": placeholders.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ","),
            "initSql": initSql ?? "", "lockRetryCount": lockRetryCount, "lockMode": lockMode,
            "lockTimeout": MigrationTimeouts.text(milliseconds: lockTimeout),
            "statementTimeout": MigrationTimeouts.text(milliseconds: statementTimeout), "lockRetries": lockRetries,
            "ignoreMigrationPatterns": ignorePatterns.map(\.description).joined(separator: ","),
            "skipExecutingMigrations": skipExecutingMigrations, "dryRunOutput": dryRunOutput ?? "",
            "outputType": outputType, "outputFile": outputFile ?? "", "environment": environment,
            "check.buildUrl": checkBuildUrl.map(SecretMasker.maskedURL) ?? "", "check.buildUser": checkBuildUser ?? "",
            "check.buildPassword": checkBuildPassword == nil ? "" : "*** (set)", "check.failOnDrift": checkFailOnDrift,
            "lint": lint, "lint.all": lintAll, "lint.format": lintFormat,
            "seedLocation": seedLocation, "snapshot.tables": snapshotTables.joined(separator: ","),
            "snapshot.exclude": snapshotExclude.joined(separator: ","), "snapshot.mask": snapshotMask.joined(separator: ","),
            "snapshot.replace": snapshotReplace, "seed.replace": seedReplace, "seed.snapshot": seedSnapshot ?? "",
        ]
        return Mirror(self, children: children, displayStyle: .struct)
    }
}
