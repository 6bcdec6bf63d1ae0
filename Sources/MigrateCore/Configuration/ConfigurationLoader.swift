import FoundationEssentials
import Glibc
import PostgresClient
import TOML

/// Builds a Configuration from configuration files (TOML or .conf), FLYWAY_* environment variables and
/// command-line settings.
///
/// Precedence, highest first: command line > environment > files (later files over earlier ones) >
/// defaults. The selected environment's settings (`[environments.<name>]`, and `[environments.<name>.flyway]`
/// in TOML) replace the top-level ones given by a source of the same or lower precedence. Values are merged
/// first and checked afterwards, so a bad value that a higher source overrides is never reported. All
/// problems are reported together, one per line.
public enum ConfigurationLoader {
    /// - commandLine: settings from the command line, keys spelt any way `foldedKey` folds, with or
    ///   without leading dashes (e.g. ("url", "jdbc:…"), ("baseline_version", "2"), ("placeholders.x", "1")).
    /// - environment: the process environment. `FLYWAY_*` variables are settings; `${VAR}` in conf
    ///   files, `${env.VAR}` in TOML files and `HOME` (for `~/flyway.toml`, `~/flyway.conf`) are read from it too.
    public static func load(
        commandLine: [(key: String, value: String)],
        environment: [String: String],
        workingDirectory: URL
    ) throws -> Configuration {
        var loader = Loader(environment: environment, workingDirectory: workingDirectory)
        loader.read(commandLine: commandLine)
        return try loader.configuration()
    }

    /// Whether the settings ask for `outputType=json`, even when they do not load: how the tool knows
    /// which way to report a configuration error.
    public static func requestsJSON(
        commandLine: [(key: String, value: String)],
        environment: [String: String],
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> Bool {
        var loader = Loader(environment: environment, workingDirectory: workingDirectory)
        loader.read(commandLine: commandLine)
        return loader.value(of: "outputType")?.lowercased() == "json"
    }
}

/// One run of the loader: collects raw settings from every source, then checks and applies them.
struct Loader {
    let environment: [String: String]
    /// The `FLYWAY_*` variables that are settings, in name order (the last of two spellings wins).
    private let environmentSettings: [(variable: String, key: ConfigurationKey, value: String)]
    let workingDirectory: URL

    /// The top-level settings, and each environment's by name (declared by a TOML table or a setting).
    private var settings = RawSettings()
    private var environments: [String: RawSettings] = [:]
    private(set) var problems: [String] = []
    private var warnings: [String] = []
    /// The warnings about `${VAR}`s that are not set: said again with the problems, which they often explain.
    private var unsetVariables: [String] = []
    private var loadedFiles: [URL] = []

    init(environment: [String: String], workingDirectory: URL) {
        self.environment = environment
        environmentSettings = environment.sorted { $0.key < $1.key }.compactMap { variable, value in
            ConfigurationKey.environment(variable).map { (variable, $0, value) }
        }
        self.workingDirectory = workingDirectory.standardizedFileURL
    }

    /// Collects the raw settings, lowest precedence first.
    mutating func read(commandLine: [(key: String, value: String)]) {
        let commandLine = commandLine.map { (key: String($0.key.drop { $0 == "-" }), value: $0.value) }
        readFiles(named: configFilesSetting(commandLine))
        readEnvironment()
        for (option, value) in commandLine {
            let source = ConfigurationSource.commandLine(option: option)
            guard let (scope, key) = SettingScope.split(option) else {
                record(value, from: source, key: ConfigurationKey.named(option), shown: option, prefix: "")
                continue
            }
            guard let name = scope.environmentName, !name.isEmpty, !key.isEmpty else {
                problems.append("\(source): expected -environments.<name>.<setting>=value or "
                    + "-environments.<name>.flyway.<setting>=value")
                continue
            }
            record(value, from: source, key: ConfigurationKey.named(key), shown: option, prefix: scope.keyPrefix, in: scope,
                   named: key)
        }
    }

    /// The winning raw value of setting `name`, if one was given.
    func value(of name: String) -> String? {
        ConfigurationKey.named(name).flatMap { settings[$0.id]?.value }
    }

    /// Checks and applies what `read` collected.
    mutating func configuration() throws -> Configuration {
        var configuration = Configuration()
        configuration.workingDirectory = workingDirectory
        let (environment, selected) = selectedEnvironment()
        for setting in selected.all {
            apply(setting, to: &configuration)
        }
        configuration.environment = environment
        problems += configuration.typedSettingProblems
        if configuration.checkBuildUrl == nil {
            // The temporary build database is made by, and for, the target's own user.
            for (key, value) in [("check.buildUser", configuration.checkBuildUser), ("check.buildPassword", configuration.checkBuildPassword)] where value != nil {
                problems.append("\(configuration.label(of: key)): it is for the database check.buildUrl names; set check.buildUrl too")
            }
        }
        for (key, value) in [("url", configuration.url), ("check.buildUrl", configuration.checkBuildUrl)] {
            do {
                let url = try configuration.parsedURL(value, setting: key)
                warnings += url?.warnings.map { "\(configuration.label(of: key)): \($0)" } ?? []
            } catch {
                problems.append(error.message)
            }
        }

        // Messages are written not to contain values of secret settings; this is the safety net.
        let masker = SecretMasker(secrets: configuration.secrets + environmentSecrets)
        guard problems.isEmpty else {
            throw ConfigurationError((problems + unsetVariables).map(masker.maskMessage).joined(separator: "\n"))
        }
        configuration.warnings = warnings.map(masker.maskMessage)
        configuration.loadedFiles = loadedFiles
        return configuration
    }

    // MARK: Environments

    /// The environment `environment` names (`default` when it is unset or empty) and the settings in force
    /// there: the top-level ones with the environment's laid over them. `default` needs no definition: the
    /// top-level url, user and password make it up.
    private mutating func selectedEnvironment() -> (String, RawSettings) {
        let given = ConfigurationKey.named("environment").flatMap { settings[$0.id] }
        let name = given.map(\.value).flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        if let own = environments[name] { return (name, settings.overlaid(with: own)) }
        if let given, name != "default" {
            let defined = environments.keys.sorted()
            var message = "\(given.source.label): environment '\(name)' is not defined"
            if defined.isEmpty {
                message += "; define it in flyway.toml ([environments.\(name)] with its url) or on the command line "
                    + "(-environments.\(name).url=…)"
            } else {
                message += "; defined: \(defined.joined(separator: ", "))"
                if let match = defined.first(where: { $0.lowercased() == name.lowercased() }) {
                    message += " (did you mean '\(match)'?)"
                }
            }
            problems.append(message)
        }
        return (name, settings)
    }

    /// The passwords of every environment, selected or not, for the masker.
    private var environmentSecrets: [String] {
        environments.values.flatMap(\.all).flatMap { setting -> [String] in
            switch setting.key.name {
            case "password": return setting.value.isEmpty ? [] : [setting.value]
            case "url": return SecretMasker.secrets(in: setting.value)
            default: return []
            }
        }
    }

    // MARK: Sources

    /// The `configFiles` list and where it was given: the command line wins over FLYWAY_CONFIG_FILES.
    private func configFilesSetting(_ commandLine: [(key: String, value: String)]) -> (String, ConfigurationSource)? {
        func isConfigFiles(_ key: ConfigurationKey?) -> Bool {
            if case .configFiles = key?.kind { return true }
            return false
        }
        if let given = commandLine.last(where: { isConfigFiles(ConfigurationKey.named($0.key)) }) {
            return (given.value, .commandLine(option: given.key))
        }
        if let (variable, _, value) = environmentSettings.last(where: { isConfigFiles($0.key) }), !value.isEmpty {
            return (value, .environment(variable: variable))
        }
        return nil
    }

    private mutating func readFiles(named setting: (String, ConfigurationSource)?) {
        guard let (list, source) = setting else { return readDefaultFiles() }
        let names = list.split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
        let toml = names.filter(Self.isTOML), conf = names.filter { !Self.isTOML($0) && $0 != "-" }
        if !toml.isEmpty, !conf.isEmpty {
            problems.append("\(source): names TOML files (\(toml.joined(separator: ", "))) and .conf files "
                + "(\(conf.joined(separator: ", "))); Flyway reads one kind or the other, never both")
            return
        }
        for name in names {
            if name == "-" {
                problems.append("\(source): reading configuration from standard input (-) is not supported")
                continue
            }
            let url = resolve(name)
            guard FileSystem.kind(of: url.path) != nil else {
                problems.append("\(source): configuration file '\(name)' does not exist (looked for \(url.path))")
                continue
            }
            readFile(url, shownAs: name)
        }
    }

    /// With no file named, Flyway's search, lowest precedence first: `<wd>/conf/`, `~/`, `<wd>/`. The TOML
    /// files there (`flyway.toml`, then `flyway.user.toml`) if there is any, else the `flyway.conf` files.
    private mutating func readDefaultFiles() {
        let home = URL(fileURLWithPath: homeDirectory, isDirectory: true)
        let directories = [
            (workingDirectory.appendingPathComponent("conf"), "conf/"),
            (home, home.standardizedFileURL.path + "/"),
            (workingDirectory, ""),
        ]
        var toml: [(URL, String)] = [], conf: [(URL, String)] = []
        func add(_ name: String, in directory: URL, shownIn shownDirectory: String, to files: inout [(URL, String)]) {
            let candidate = directory.appendingPathComponent(name)
            switch FileSystem.kind(of: candidate.path) {  // before the costlier standardizing
            case .file: break
            case .directory: return problems.append("\(shownDirectory + name): it is a folder, not a configuration file")
            case .other, nil: return
            }
            let file = candidate.standardizedFileURL
            // The same file found twice (home is the working directory) is read once, named the nearer way.
            if let index = files.firstIndex(where: { $0.0 == file }) { return files[index].1 = shownDirectory + name }
            files.append((file, shownDirectory + name))
        }
        for (directory, shown) in directories {
            add("flyway.toml", in: directory, shownIn: shown, to: &toml)
            add("flyway.user.toml", in: directory, shownIn: shown, to: &toml)
            add("flyway.conf", in: directory, shownIn: shown, to: &conf)
        }
        for (url, shown) in toml.isEmpty ? conf : toml { readFile(url, shownAs: shown) }
        guard !toml.isEmpty else { return }
        for (_, shown) in conf {
            warnings.append("\(shown) is not read: when TOML files are found (\(toml.map(\.1).joined(separator: ", "))), "
                + "Flyway reads only those")
        }
    }

    private static func isTOML(_ name: String) -> Bool {
        name.lowercased().hasSuffix(".toml")
    }

    /// `HOME`, else the user's home directory from the password database.
    private var homeDirectory: String {
        if let home = environment["HOME"] { return home }
        return getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } ?? "/"
    }

    private func resolve(_ name: String) -> URL {
        if name == "~" || name.hasPrefix("~/") {
            return URL(fileURLWithPath: homeDirectory + name.dropFirst()).standardizedFileURL
        }
        return URL(fileURLWithPath: name, relativeTo: workingDirectory).standardizedFileURL
    }

    private mutating func readFile(_ url: URL, shownAs path: String) {
        let text: String
        do {
            text = try FileSystem.utf8Text(at: url.path)
        } catch {
            return problems.append("\(path)\(error.line.map { ":\($0)" } ?? ""): cannot read the configuration file: \(error.reason)")
        }
        loadedFiles.append(url)
        if Self.isTOML(url.path) {
            readTOML(text, shownAs: path)
        } else {
            readProperties(text, shownAs: path)
        }
    }

    private mutating func readTOML(_ text: String, shownAs path: String) {
        do throws(TOMLSyntaxError) {
            record(try TOMLConfigurationFile(parsing: text, environment: environment), shownAs: path)
        } catch {
            problems.append("\(path):\(error.line):\(error.column): \(error.message)")
        }
    }

    private mutating func record(_ file: TOMLConfigurationFile, shownAs path: String) {
        problems += file.problems.map { "\(path):\($0.line): \($0.message)" }
        warnings += file.ignored.map { "\(path):\($0.line): \($0.message)" }
        for (name, _) in file.environments where environments[name] == nil { environments[name] = RawSettings() }
        for entry in file.entries {
            let source = ConfigurationSource.file(path: path, line: entry.line, key: entry.path)
            let key = ConfigurationKey.named(entry.key)
            if entry.scope == .flyway, let key, key.isEnvironmentSetting {
                problems.append("\(source.label): \(key.name) is a setting of an environment: in a TOML file it goes in "
                    + "[environments.<name>], for the environment that -environment selects ('default' when none is)")
                continue
            }
            record(entry.value, items: entry.items, problem: entry.problem, from: source, key: key, shown: entry.path,
                   prefix: entry.scope.keyPrefix, in: entry.scope, named: entry.key)
        }
    }

    private mutating func readProperties(_ text: String, shownAs path: String) {
        let file: PropertiesFile
        do {
            file = try PropertiesFile(parsing: text, environment: environment)
        } catch {
            problems.append("\(path):\(error.line): \(error.message)")
            return
        }
        let unset = file.missingVariables.map { line, name in
            "\(path):\(line): environment variable \(name) is not set; ${\(name)} was replaced by an empty string"
        }
        warnings += unset
        unsetVariables += unset
        for entry in file.entries {
            let source = ConfigurationSource.file(path: path, line: entry.line, key: entry.key)
            guard entry.key.lowercased().hasPrefix("flyway.") else {
                var message = "\(source): '\(entry.key)' is not a Flyway setting: keys in configuration files start "
                    + "with 'flyway.'"
                if let known = ConfigurationKey.named(entry.key) ?? ConfigurationKey.suggestion(for: entry.key).flatMap(ConfigurationKey.named) {
                    message += "; did you mean 'flyway.\(known.name)'?"
                }
                problems.append(message)
                continue
            }
            record(entry.value, from: source, key: ConfigurationKey.named(entry.key), shown: entry.key, prefix: "flyway.")
        }
    }

    private mutating func readEnvironment() {
        for (variable, key, value) in environmentSettings {
            record(value, from: .environment(variable: variable), key: key, shown: variable, prefix: "flyway.")
        }
        for variable in environment.keys.sorted() where ConfigurationKey.environment(variable) == nil {
            if let problem = ConfigurationKey.unknownVariableProblem(variable) { problems.append(problem) }
        }
    }

    // MARK: Recording

    /// Files a setting under its key, in its scope; reports unknown ones with the closest known name (`prefix`
    /// is how keys are written in that source and scope, `name` the key within the scope when `shown` holds
    /// more) and those given where they do not belong.
    private mutating func record(
        _ value: String, items: [String]? = nil, problem: String? = nil, from source: ConfigurationSource, key: ConfigurationKey?,
        shown: String, prefix: String, in scope: SettingScope = .flyway, named name: String? = nil
    ) {
        guard let key else {
            var message = "unknown configuration key '\(shown)' \(source.phrase)"
            if let suggestion = ConfigurationKey.suggestion(for: name ?? shown) {
                message += "; did you mean '\(prefix)\(suggestion)'?"
            }
            return problems.append(message)
        }
        if let misplaced = Self.misplacement(of: key, in: scope) {
            return problems.append("\(source.label): \(misplaced)")
        }
        switch key.kind {
        case .configFiles:
            // Already used to find the files; inside a file it cannot name other files.
            if case .file = source {
                warnings.append("\(source) has no effect inside a configuration file and is ignored; "
                    + "use -configFiles or FLYWAY_CONFIG_FILES")
            }
        case .placeholder where key.member?.isEmpty ?? true:
            problems.append("\(source): placeholder name is empty (expected \(prefix)placeholders.<name>)")
        default:
            let setting = RawSetting(key: key, value: value, items: items, source: source, scope: scope, problem: problem)
            if let name = scope.environmentName {
                environments[name, default: RawSettings()].put(setting)
            } else {
                settings.put(setting)
            }
        }
    }

    /// Why `key` cannot be given in `scope`, if it cannot.
    private static func misplacement(of key: ConfigurationKey, in scope: SettingScope) -> String? {
        switch scope {
        case .flyway:
            return nil
        case let .environment(name):
            if key.isEnvironmentSetting { return nil }
            return "\(key.name) is not a setting of an environment: "
                + (key.isEnvironmentOverridable ? "for one environment it goes in environments.\(name).flyway"
                                                : "set it at the top level (flyway.\(key.name))")
        case let .environmentOverride(name):
            if key.isEnvironmentSetting {
                return "\(key.name) is a setting of the environment itself: set it in environments.\(name), not in its flyway table"
            }
            if !key.isEnvironmentOverridable {
                return "\(key.name) cannot be set for one environment (Flyway allows it only at the top level)"
            }
            return nil
        }
    }

    // MARK: Applying

    /// Sets `setting` in `configuration` and records where it came from; a bad value is added to `problems`.
    mutating func apply(_ setting: RawSetting, to configuration: inout Configuration) {
        let (key, value) = (setting.key, setting.value)
        configuration.sources[key.id] = setting.source
        func reject(_ expected: String, got shown: String = value) {
            problems.append("\(setting.source.label): expected \(expected), got '\(shown)'")
        }
        func items() -> [String] {
            setting.items ?? value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
        }
        if let problem = setting.problem {
            return problems.append("\(setting.source.label): \(problem)")
        }
        if setting.items != nil, !key.takesList {
            return problems.append("\(setting.source.label): expected a single value, got an array")
        }
        switch key.kind {
        case let .text(path, nonEmpty):
            if nonEmpty && value.isEmpty { return reject("a non-empty value") }
            configuration[keyPath: path] = value
        case let .optionalText(path):
            configuration[keyPath: path] = value.isEmpty ? nil : value
        case let .choice(path, choices):
            guard choices.contains(value.lowercased()) else {
                return reject(choices.map { $0.isEmpty ? "an empty value" : $0 }.joined(separator: " or "))
            }
            configuration[keyPath: path] = value.lowercased()
        case let .flag(path):
            switch value.lowercased() {
            case "true": configuration[keyPath: path] = true
            case "false": configuration[keyPath: path] = false
            default: reject("true or false")
            }
        case let .count(path, allowsMinusOne):
            let isDigits = !value.isEmpty && value.allSatisfy { $0.isASCII && $0.isNumber }
            if isDigits, let number = Int(value) {
                configuration[keyPath: path] = number
            } else if allowsMinusOne, value == "-1" {
                configuration[keyPath: path] = -1
            } else {
                reject(allowsMinusOne ? "a non-negative integer or -1" : "a non-negative integer")
            }
        case let .milliseconds(path):
            guard let milliseconds = MigrationTimeouts.milliseconds(value) else { return reject(MigrationTimeouts.expected) }
            configuration[keyPath: path] = milliseconds
        case let .list(path, emptyMeansDefault, rejectsEmptyItems):
            var list = items()
            if rejectsEmptyItems, list != [""], list.contains("") {
                return reject("a comma-separated list without empty items")
            }
            list.removeAll { $0.isEmpty }
            configuration[keyPath: path] = list.isEmpty && emptyMeansDefault ? Configuration()[keyPath: path] : list
        case .ignorePatterns:
            var patterns: [IgnorePattern] = []
            for item in items() where !item.isEmpty {
                guard let pattern = IgnorePattern(item) else { return reject(IgnorePattern.expected, got: item) }
                patterns.append(pattern)
            }
            configuration.ignorePatterns = patterns
        case .placeholder:
            configuration.placeholders[key.member ?? ""] = value
        case let .refused(reason, accepted):
            if value.isEmpty || accepted.contains(where: { $0.lowercased() == value.lowercased() }) { return }
            // The value is shown only where some values are accepted; others may be secrets (vault.token).
            let what = setting.scope.keyPrefix + key.name + (accepted.isEmpty ? "" : "=\(value)")
            problems.append("\(setting.source): \(what) is not supported by migrate" + (reason.map { ": \($0)" } ?? ""))
        case let .noEffect(note):
            warnings.append("\(setting.source): \(setting.scope.keyPrefix)\(key.name) has no effect in migrate and is ignored"
                + (note.map { " (\($0))" } ?? ""))
        case .configFiles:
            break
        }
    }
}

extension ConfigurationLoader {
    /// How every configuration key is matched, wherever it is written: without a leading `flyway.`,
    /// lower-cased, without `-` and `_` (`--baseline_version`, `-baselineVersion`, `FLYWAY_BASELINE_VERSION`
    /// all mean `baselineVersion`).
    public static func foldedKey(_ key: String) -> String {
        ConfigurationKey.folded(key)
    }

    /// Every key name, folded, plus each family's folded prefix ending in `.` (`placeholders.`), so the
    /// command line can tell `--baseline-version 2` (a setting followed by its value) from anything else.
    public static let knownKeyNames: Set<String> =
        Set((ConfigurationKey.all + ConfigurationKey.families).map { foldedKey($0.name) })

    /// The true/false settings, folded the same way: on the command line they may stand alone
    /// (`--out-of-order` means `outOfOrder=true`).
    public static let flagKeyNames: Set<String> = Set(ConfigurationKey.all.compactMap { key -> String? in
        if case .flag = key.kind { return foldedKey(key.name) }
        return nil
    })
}
