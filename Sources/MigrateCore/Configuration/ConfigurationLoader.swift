import FoundationEssentials
import Glibc
import PostgresClient

/// Builds a Configuration from conf files, FLYWAY_* environment variables and command-line settings.
///
/// Precedence, highest first: command line > environment > conf files (later files over earlier
/// ones) > defaults. Values are merged first and checked afterwards, so a bad value that a higher
/// source overrides is never reported. All problems are reported together, one per line.
public enum ConfigurationLoader {
    /// - commandLine: settings from the command line, keys spelt any way `foldedKey` folds, with or
    ///   without leading dashes (e.g. ("url", "jdbc:…"), ("baseline_version", "2"), ("placeholders.x", "1")).
    /// - environment: the process environment. `FLYWAY_*` variables are settings; `${VAR}` in conf
    ///   files and `HOME` (for `~/flyway.conf`) are read from it too.
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
private struct Loader {
    let environment: [String: String]
    /// The `FLYWAY_*` variables that are settings, in name order (the last of two spellings wins).
    private let environmentSettings: [(variable: String, key: ConfigurationKey, value: String)]
    let workingDirectory: URL

    struct Setting {
        var key: ConfigurationKey
        var value: String
        var source: ConfigurationSource
    }

    /// By `ConfigurationKey.id`; `order` keeps the order in which the winning values were given.
    private var settings: [String: Setting] = [:]
    private var order: [String] = []
    private var problems: [String] = []
    private var warnings: [String] = []
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
            record(value, from: .commandLine(option: option), key: ConfigurationKey.named(option), shown: option, prefix: "")
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
        for id in order {
            guard let setting = settings[id] else { continue }
            apply(setting, to: &configuration)
            configuration.sources[id] = setting.source
        }
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
        let masker = SecretMasker(secrets: configuration.secrets)
        guard problems.isEmpty else {
            throw ConfigurationError(problems.map(masker.maskMessage).joined(separator: "\n"))
        }
        configuration.warnings = warnings.map(masker.maskMessage)
        configuration.loadedFiles = loadedFiles
        return configuration
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
        guard let (list, source) = setting else {
            for (url, shown) in defaultFiles() where FileManager.default.fileExists(atPath: url.path) {
                readFile(url, shownAs: shown)
            }
            return
        }
        for name in list.split(separator: ",").map({ $0.trimmingBlanks() }) where !name.isEmpty {
            if name == "-" {
                problems.append("\(source): reading configuration from standard input (-) is not supported")
                continue
            }
            if name.lowercased().hasSuffix(".toml") {
                problems.append("\(source): '\(name)' is a TOML file; migrate reads only .conf files")
                continue
            }
            let url = resolve(name)
            guard FileSystem.kind(of: url.path) == .file else {
                problems.append("\(source): configuration file '\(name)' does not exist (looked for \(url.path))")
                continue
            }
            readFile(url, shownAs: name)
        }
    }

    /// Lowest precedence first: `<wd>/conf/flyway.conf`, `~/flyway.conf`, `<wd>/flyway.conf`.
    private mutating func defaultFiles() -> [(URL, String)] {
        let home = URL(fileURLWithPath: homeDirectory, isDirectory: true)
        let candidates = [
            (workingDirectory.appendingPathComponent("conf"), "conf/"),
            (home, home.standardizedFileURL.path + "/"),
            (workingDirectory, ""),
        ]
        var files: [(URL, String)] = []
        for (directory, shownDirectory) in candidates {
            let file = directory.appendingPathComponent("flyway.conf").standardizedFileURL
            if !files.contains(where: { $0.0 == file }) { files.append((file, shownDirectory + "flyway.conf")) }
            let toml = directory.appendingPathComponent("flyway.toml")
            if FileManager.default.fileExists(atPath: toml.path) {
                warnings.append("\(shownDirectory)flyway.toml is not read: migrate reads only .conf files, "
                    + "so put these settings in flyway.conf")
            }
        }
        return files
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
            let data = try Data(contentsOf: url)
            guard let decoded = String(data: data, encoding: .utf8) else {
                problems.append("\(path): configuration file is not valid UTF-8")
                return
            }
            text = decoded
        } catch {
            problems.append("\(path): cannot read configuration file (\(FileSystem.kind(of: url.path) == nil ? "it does not exist" : "permission denied"))")
            return
        }
        loadedFiles.append(url)

        let file: PropertiesFile
        do {
            file = try PropertiesFile(parsing: text, environment: environment)
        } catch {
            problems.append("\(path):\(error.line): \(error.message)")
            return
        }
        for (line, name) in file.missingVariables {
            warnings.append("\(path):\(line): environment variable \(name) is not set; ${\(name)} was replaced "
                + "by an empty string")
        }
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
    }

    // MARK: Recording

    /// Files a setting under its key; reports unknown ones with the closest known name (`prefix` is how
    /// keys are written in that source).
    private mutating func record(
        _ value: String, from source: ConfigurationSource, key: ConfigurationKey?, shown: String, prefix: String
    ) {
        guard let key else {
            var message = "unknown configuration key '\(shown)' \(source.phrase)"
            if let suggestion = ConfigurationKey.suggestion(for: shown) {
                message += "; did you mean '\(prefix)\(suggestion)'?"
            }
            return problems.append(message)
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
            if settings[key.id] != nil { order.removeAll { $0 == key.id } }
            order.append(key.id)
            settings[key.id] = Setting(key: key, value: value, source: source)
        }
    }

    // MARK: Applying

    private mutating func apply(_ setting: Setting, to configuration: inout Configuration) {
        let (key, value) = (setting.key, setting.value)
        func reject(_ expected: String, got shown: String = value) {
            problems.append("\(setting.source.label): expected \(expected), got '\(shown)'")
        }
        func items() -> [String] {
            value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
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
            let what = accepted.isEmpty ? "flyway.\(key.name)" : "flyway.\(key.name)=\(value)"
            problems.append("\(setting.source): \(what) is not supported by migrate" + (reason.map { ": \($0)" } ?? ""))
        case let .noEffect(note):
            warnings.append("\(setting.source): flyway.\(key.name) has no effect in migrate and is ignored"
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
