import Foundation

/// Builds a Configuration from conf files, FLYWAY_* environment variables and command-line settings.
///
/// Precedence, highest first: command line > environment > conf files (later files over earlier
/// ones) > defaults. Values are merged first and checked afterwards, so a bad value that a higher
/// source overrides is never reported. All problems are reported together, one per line.
public enum ConfigurationLoader {
    /// - commandLine: settings from the command line, keys without `flyway.` and without dashes
    ///   (e.g. ("url", "jdbc:…"), ("baseline-version", "2"), ("placeholders.x", "1")).
    /// - environment: the process environment. `FLYWAY_*` variables are settings; `${VAR}` in conf
    ///   files and `HOME` (for `~/flyway.conf`) are read from it too.
    public static func load(
        commandLine: [(key: String, value: String)],
        environment: [String: String],
        workingDirectory: URL
    ) throws -> Configuration {
        var loader = Loader(environment: environment, workingDirectory: workingDirectory)
        return try loader.load(commandLine: commandLine)
    }
}

/// One run of the loader: collects raw settings from every source, then checks and applies them.
private struct Loader {
    let environment: [String: String]
    let workingDirectory: URL

    /// What a raw setting refers to.
    enum Target {
        case key(ConfigurationKey)
        case placeholder(name: String)
    }

    struct Setting {
        var target: Target
        var value: String
        var source: ConfigurationSource
    }

    /// By folded key; `order` keeps the order in which the winning values were given.
    private var settings: [String: Setting] = [:]
    private var order: [String] = []
    private var problems: [String] = []
    private var warnings: [String] = []
    private var loadedFiles: [URL] = []

    init(environment: [String: String], workingDirectory: URL) {
        self.environment = environment
        self.workingDirectory = workingDirectory.standardizedFileURL
    }

    mutating func load(commandLine: [(key: String, value: String)]) throws -> Configuration {
        let commandLine = commandLine.map { (key: String($0.key.drop { $0 == "-" }), value: $0.value) }
        readFiles(named: configFilesSetting(commandLine))
        readEnvironment()
        readCommandLine(commandLine)

        var configuration = Configuration()
        configuration.workingDirectory = workingDirectory
        for id in order {
            guard let setting = settings[id] else { continue }
            apply(setting, to: &configuration)
            configuration.sources[id] = setting.source
        }
        do {
            let url = try configuration.parsedURL()
            let label = configuration.sources["url"]?.label ?? "flyway.url"
            warnings += url?.warnings.map { "\(label): \($0)" } ?? []
        } catch {
            problems.append(error.message)
        }

        // Messages are written not to contain values of secret settings; this is the safety net.
        let secrets = configuration.secrets.filter { $0.count >= 3 }
        func masked(_ message: String) -> String {
            secrets.reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
        }
        guard problems.isEmpty else {
            throw ConfigurationError(problems.map(masked).joined(separator: "\n"))
        }
        configuration.warnings = warnings.map(masked)
        configuration.loadedFiles = loadedFiles
        return configuration
    }

    // MARK: Sources

    /// The `configFiles` list and where it was given: the command line wins over FLYWAY_CONFIG_FILES.
    private func configFilesSetting(_ commandLine: [(key: String, value: String)]) -> (String, ConfigurationSource)? {
        if let given = commandLine.last(where: { ConfigurationKey.kebabFolded(Self.strippingFlywayPrefix($0.key)) == "configfiles" }) {
            return (given.value, .commandLine(option: given.key))
        }
        if let value = environment["FLYWAY_CONFIG_FILES"], !value.isEmpty {
            return (value, .environment(variable: "FLYWAY_CONFIG_FILES"))
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
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if name == "-" {
                problems.append("\(source): reading configuration from standard input (-) is not supported")
                continue
            }
            if name.lowercased().hasSuffix(".toml") {
                problems.append("\(source): '\(name)' is a TOML file; migrate reads only .conf files")
                continue
            }
            let url = resolve(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                problems.append("\(source): configuration file '\(name)' does not exist (looked for \(url.path))")
                continue
            }
            readFile(url, shownAs: name)
        }
    }

    /// Lowest precedence first: `<wd>/conf/flyway.conf`, `~/flyway.conf`, `<wd>/flyway.conf`.
    private mutating func defaultFiles() -> [(URL, String)] {
        let home = URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory(), isDirectory: true)
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
                warnings.append("\(shownDirectory)flyway.toml: TOML configuration is not supported by migrate "
                    + "and is ignored; migrate reads flyway.conf")
            }
        }
        return files
    }

    private func resolve(_ name: String) -> URL {
        if name == "~" || name.hasPrefix("~/") {
            let home = environment["HOME"] ?? NSHomeDirectory()
            return URL(fileURLWithPath: home + name.dropFirst()).standardizedFileURL
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
            problems.append("\(path): cannot read configuration file: \(error.localizedDescription)")
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
            let name = String(entry.key.dropFirst("flyway.".count))
            record(name, entry.value, from: source, key: ConfigurationKey.named(name), shown: entry.key, prefix: "flyway.")
        }
    }

    private mutating func readEnvironment() {
        let placeholderVariable = "FLYWAY_PLACEHOLDERS_"
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("FLYWAY_") {
            let source = ConfigurationSource.environment(variable: variable)
            if variable.hasPrefix(placeholderVariable), variable.count > placeholderVariable.count {
                let name = variable.dropFirst(placeholderVariable.count).lowercased()
                store(.placeholder(name: name), value, from: source)
            } else if let key = ConfigurationKey.environment(variable) {
                record(key.name, value, from: source, key: key, shown: variable, prefix: "flyway.")
            }
            // Any other FLYWAY_* variable belongs to something else (FLYWAY_HOME, FLYWAY_EDITION…).
        }
    }

    private mutating func readCommandLine(_ commandLine: [(key: String, value: String)]) {
        for (option, value) in commandLine {
            let name = Self.strippingFlywayPrefix(option)
            record(name, value, from: .commandLine(option: option), key: ConfigurationKey.commandLine(name),
                   shown: option, prefix: "")
        }
    }

    private static func strippingFlywayPrefix(_ key: String) -> String {
        key.lowercased().hasPrefix("flyway.") ? String(key.dropFirst("flyway.".count)) : key
    }

    // MARK: Recording

    /// Files the setting `name` (already matched to `key`, if any) under the right target, warns
    /// about unsupported settings and reports unknown ones with the closest known name.
    private mutating func record(
        _ name: String, _ value: String, from source: ConfigurationSource, key: ConfigurationKey?, shown: String,
        prefix: String
    ) {
        if let key {
            switch key.kind {
            case .configFiles:
                // Already used to find the files; inside a file it cannot name other files.
                if case .file = source {
                    warnings.append("\(source) has no effect inside a configuration file and is ignored; "
                        + "use -configFiles or FLYWAY_CONFIG_FILES")
                }
            case let .unsupported(note):
                let reason = note.map { ": \($0)" } ?? ""
                warnings.append("\(source): flyway.\(key.name) is not supported by migrate and is ignored\(reason)")
            default:
                store(.key(key), value, from: source)
            }
            return
        }
        let placeholderPrefix = ConfigurationKey.placeholderPrefix
        if name.lowercased().hasPrefix(placeholderPrefix) {
            let placeholder = String(name.dropFirst(placeholderPrefix.count))
            guard !placeholder.isEmpty else {
                problems.append("\(source): placeholder name is empty (expected \(prefix)placeholders.<name>)")
                return
            }
            store(.placeholder(name: placeholder), value, from: source)
            return
        }
        if let family = ConfigurationKey.unsupportedFamily(of: name) {
            warnings.append("\(source): flyway.\(name) is not supported by migrate and is ignored "
                + "(flyway.\(family)* settings have no effect)")
            return
        }
        var message = "unknown configuration key '\(shown)' \(source.phrase)"
        if let suggestion = ConfigurationKey.suggestion(for: name) {
            message += "; did you mean '\(prefix)\(suggestion)'?"
        }
        problems.append(message)
    }

    private mutating func store(_ target: Target, _ value: String, from source: ConfigurationSource) {
        let id: String
        switch target {
        case let .key(key): id = key.name.lowercased()
        case let .placeholder(name): id = ConfigurationKey.placeholderPrefix + name.lowercased()
        }
        if settings[id] != nil { order.removeAll { $0 == id } }
        order.append(id)
        settings[id] = Setting(target: target, value: value, source: source)
    }

    // MARK: Applying

    private mutating func apply(_ setting: Setting, to configuration: inout Configuration) {
        let value = setting.value
        switch setting.target {
        case let .placeholder(name):
            configuration.placeholders[name] = value
        case let .key(key):
            func reject(_ expected: String) {
                problems.append("\(setting.source.label): expected \(expected), got '\(value)'")
            }
            switch key.kind {
            case let .text(path, nonEmpty):
                if nonEmpty && value.isEmpty { return reject("a non-empty value") }
                configuration[keyPath: path] = value
            case let .optionalText(path):
                configuration[keyPath: path] = value.isEmpty ? nil : value
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
            case let .list(path, emptyMeansDefault):
                let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
                configuration[keyPath: path] = items.isEmpty && emptyMeansDefault ? Configuration()[keyPath: path] : items
            case .configFiles, .unsupported:
                break
            }
        }
    }
}

extension ConfigurationLoader {
    /// Every key name, lowercased without `-`/`_`, so the command line can tell `--baseline-version 2`
    /// (a setting followed by its value) from anything else.
    public static var knownKeyNames: Set<String> {
        Set(ConfigurationKey.all.map { folded($0.name) })
    }

    /// The true/false settings, folded the same way: on the command line they may stand alone
    /// (`--out-of-order` means `outOfOrder=true`).
    public static var flagKeyNames: Set<String> {
        Set(ConfigurationKey.all.compactMap { key -> String? in
            if case .flag = key.kind { return folded(key.name) }
            return nil
        })
    }

    private static func folded(_ name: String) -> String {
        name.lowercased().filter { $0 != "-" && $0 != "_" }
    }
}
