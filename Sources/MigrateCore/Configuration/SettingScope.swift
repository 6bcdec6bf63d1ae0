/// Where a setting sits in Flyway's configuration model.
enum SettingScope: Hashable {
    /// The top level: `[flyway]` in TOML, `flyway.` keys in .conf files, FLYWAY_* variables and plain
    /// command-line keys.
    case flyway
    /// `[environments.<name>]`: one environment's connection (url, user, password, schemas…).
    case environment(String)
    /// `[environments.<name>.flyway]`: top-level settings that this environment replaces, each one whole.
    case environmentOverride(String)

    /// A command-line key `environments.<name>.<key>` or `environments.<name>.flyway.<key>` as its scope and
    /// the key within it (empty when missing); nil for any other key. Names keep their case, as in TOML.
    static func split(_ key: String) -> (scope: SettingScope, key: String)? {
        let prefix = "environments."
        let bare = ConfigurationKey.withoutFlywayPrefix(key)
        guard bare.lowercased().hasPrefix(prefix) else { return nil }
        let rest = bare.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: ".") else { return (.environment(String(rest)), "") }
        let name = String(rest[..<dot])
        let inner = rest[rest.index(after: dot)...]
        let flyway = "flyway."
        if inner.lowercased().hasPrefix(flyway) {
            return (.environmentOverride(name), String(inner.dropFirst(flyway.count)))
        }
        return (.environment(name), String(inner))
    }

    /// The environment this scope belongs to; nil at the top level.
    var environmentName: String? {
        switch self {
        case .flyway: return nil
        case let .environment(name), let .environmentOverride(name): return name
        }
    }

    /// How keys are written in this scope, for suggestions: `flyway.`, `environments.prod.flyway.`.
    var keyPrefix: String {
        switch self {
        case .flyway: return "flyway."
        case let .environment(name): return "environments.\(name)."
        case let .environmentOverride(name): return "environments.\(name).flyway."
        }
    }
}
