import TOML

/// A Flyway TOML configuration file (`flyway.toml`, `flyway.user.toml`) as raw settings.
///
/// `[flyway]` holds the top-level settings, its tables being dotted names (`[flyway.placeholders]`,
/// `[flyway.postgresql] transactional.lock`); `[environments.<name>]` holds one environment's connection and
/// `[environments.<name>.flyway]` the settings that environment replaces. Values become the text a .conf file
/// would give (integers and booleans as written, arrays as their items), so the loader checks every setting
/// the same way wherever it came from. Strings have their resolvers (`${env.NAME}`) replaced.
struct TOMLConfigurationFile {
    struct Entry {
        var scope: SettingScope
        /// The key within its scope: `locations`, `placeholders.owner`, `url`.
        var key: String
        /// The key as written from the top: `flyway.locations`, `environments.prod.url`.
        var path: String
        var value: String
        var items: [String]?
        /// Why the value cannot be used (a date, an unset `${env.NAME}`): reported only if the setting is used,
        /// as Flyway resolves only the selected environment.
        var problem: String?
        var line: Int
    }

    /// Sorted by line.
    private(set) var entries: [Entry] = []
    /// Every `[environments.<name>]`, even an empty one, with its line.
    private(set) var environments: [(name: String, line: Int)] = []
    /// What is wrong besides the syntax, by line.
    private(set) var problems: [(line: Int, message: String)] = []
    /// Flyway Desktop's project settings, read and ignored, by line.
    private(set) var ignored: [(line: Int, message: String)] = []

    private let document: TOMLDocument
    private let environment: [String: String]

    /// Top-level keys that Flyway Desktop writes into a project's flyway.toml.
    private static let desktopKeys: Set<String> = ["id", "name", "databasetype", "flywaydesktop", "redgatecompare"]

    init(parsing text: String, environment: [String: String]) throws(TOMLSyntaxError) {
        document = try TOMLDocument(parsing: text)
        self.environment = environment
        for (key, node) in document.root {
            switch key {
            case "flyway":
                guard case let .table(table) = node else {
                    problem(at: [key], "'flyway' must be a table ([flyway]), got \(node.kindName)")
                    continue
                }
                read(table, at: [key], in: .flyway)
            case "environments":
                guard case let .table(table) = node else {
                    problem(at: [key], "'environments' must hold tables ([environments.<name>]), got \(node.kindName)")
                    continue
                }
                readEnvironments(table)
            default:
                readOther(key, node)
            }
        }
        entries.sort { ($0.line, $0.path) < ($1.line, $1.path) }
        environments.sort { ($0.line, $0.name) < ($1.line, $1.name) }
        problems.sort { $0.line < $1.line }
        ignored.sort { $0.line < $1.line }
    }

    private mutating func readEnvironments(_ table: [String: TOMLNode]) {
        for (name, node) in table {
            let path = ["environments", name]
            guard case let .table(settings) = node else {
                problem(at: path, "'environments.\(name)' must be a table ([environments.\(name)]), got \(node.kindName)")
                continue
            }
            environments.append((name, document.line(of: path)))
            for (key, value) in settings {
                if key.lowercased() == "flyway", case let .table(overrides) = value {
                    read(overrides, at: path + [key], in: .environmentOverride(name))
                } else {
                    read([key: value], at: path, in: .environment(name))
                }
            }
        }
    }

    /// Reads `table`, found at `path`, into `scope`: nested tables become dotted keys.
    private mutating func read(_ table: [String: TOMLNode], at path: [String], in scope: SettingScope, key prefix: [String] = []) {
        for (name, node) in table {
            let keyPath = prefix + [name]
            if case let .table(nested) = node {
                read(nested, at: path, in: scope, key: keyPath)
                continue
            }
            let fullPath = path + keyPath
            var entry = Entry(scope: scope, key: keyPath.joined(separator: "."), path: fullPath.joined(separator: "."),
                              value: "", line: document.line(of: fullPath))
            do throws(TOMLValueError) {
                (entry.value, entry.items) = try text(of: node)
            } catch {
                entry.problem = error.message
            }
            entries.append(entry)
        }
    }

    /// A top-level key other than `flyway` and `environments`.
    private mutating func readOther(_ key: String, _ node: TOMLNode) {
        if Self.desktopKeys.contains(key.lowercased()) {
            ignored.append((document.line(of: [key]), "\(key) has no effect in migrate and is ignored (it is a Flyway Desktop setting)"))
            return
        }
        var message = "'\(key)' is not a Flyway setting: in a TOML file, settings go in [flyway] and connections in "
            + "[environments.<name>]"
        if let known = ConfigurationKey.named(key) {
            message += "; did you mean '\(known.isEnvironmentSetting ? "environments.default" : "flyway").\(known.name)'?"
        }
        problem(at: [key], message)
    }

    /// A value as the text of a setting, or an array's items.
    private func text(of node: TOMLNode) throws(TOMLValueError) -> (String, [String]?) {
        if case let .array(elements) = node {
            var items: [String] = []
            for element in elements {
                guard let item = try scalar(element) else {
                    throw TOMLValueError(message: "expected an array of strings, got an array holding \(element.kindName)")
                }
                items.append(item)
            }
            return (items.joined(separator: ","), items)
        }
        guard let value = try scalar(node) else {
            throw TOMLValueError(message: "expected a string, a number, a boolean or an array, got \(node.kindName)")
        }
        return (value, nil)
    }

    private func scalar(_ node: TOMLNode) throws(TOMLValueError) -> String? {
        switch node {
        case let .string(text): return try TOMLResolvers.resolve(text, environment: environment)
        case let .integer(number): return String(number)
        case let .float(number): return String(number)
        case let .boolean(flag): return flag ? "true" : "false"
        case .dateTime, .array, .table: return nil
        }
    }

    private mutating func problem(at path: [String], _ message: String) {
        problems.append((document.line(of: path), message))
    }
}

/// A TOML value that no setting can take, or whose resolver fails: the message says which and why.
struct TOMLValueError: Error {
    var message: String
}
