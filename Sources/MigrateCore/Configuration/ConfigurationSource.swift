/// Where a setting was given. Error messages and warnings start with it.
enum ConfigurationSource: Sendable, Equatable, CustomStringConvertible {
    /// A `.conf` or TOML file: the path as the user named it (or relative to the working directory for the
    /// default search), the 1-based line where the setting starts, and the key as written (from the top of
    /// the document in TOML: `environments.prod.url`).
    case file(path: String, line: Int, key: String)
    /// A `FLYWAY_*` environment variable.
    case environment(variable: String)
    /// A command-line setting, by the key as typed (without leading dashes).
    case commandLine(option: String)

    /// `conf/x.conf:7`, `environment variable FLYWAY_URL`, `command line -url`.
    var description: String {
        switch self {
        case let .file(path, line, _): return "\(path):\(line)"
        case let .environment(variable): return "environment variable \(variable)"
        case let .commandLine(option): return "command line -\(option)"
        }
    }

    /// The start of a message about this one setting: the place plus, for files, the key
    /// (`conf/x.conf:7: flyway.cleanDisabled`); the variable or option already names it otherwise.
    var label: String {
        switch self {
        case let .file(_, _, key): return "\(description): \(key)"
        case .environment, .commandLine: return description
        }
    }

    /// Which source wins when two give a setting: the command line over environment variables over files.
    var precedence: Int {
        switch self {
        case .file: return 0
        case .environment: return 1
        case .commandLine: return 2
        }
    }

    /// `at conf/x.conf:4`, `in environment variable FLYWAY_X`, `on the command line`.
    var phrase: String {
        switch self {
        case .file: return "at \(description)"
        case .environment: return "in \(description)"
        case .commandLine: return "on the command line"
        }
    }
}
