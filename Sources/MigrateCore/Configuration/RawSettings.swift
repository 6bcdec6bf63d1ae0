/// A setting as given, before its value is checked: what the loader collects from every source.
struct RawSetting {
    var key: ConfigurationKey
    /// As given; a TOML array's items joined with commas.
    var value: String
    /// A TOML array's items, which are used as they are instead of splitting `value` at commas.
    var items: [String]?
    var source: ConfigurationSource
    var scope: SettingScope
    /// Why the value cannot be used, found when it was read (an unset `${env.NAME}` in TOML): reported only if
    /// the setting is in force.
    var problem: String? = nil
}

/// The winning raw settings of one scope, by `ConfigurationKey.id`, in the order the winners were given.
struct RawSettings {
    private var byID: [String: RawSetting] = [:]
    private var order: [String] = []

    subscript(id: String) -> RawSetting? { byID[id] }

    var all: [RawSetting] { order.compactMap { byID[$0] } }

    /// Files `setting`, replacing one with the same key: callers record lower-precedence sources first.
    mutating func put(_ setting: RawSetting) {
        let id = setting.key.id
        if byID[id] != nil { order.removeAll { $0 == id } }
        order.append(id)
        byID[id] = setting
    }

    /// These (top-level) settings as one environment's settings change them. Each of the environment's
    /// replaces the top-level one unless that came from a higher-precedence source (the command line wins over
    /// a file, as everywhere). Its placeholders replace the top-level ones as a whole, as Flyway replaces the
    /// map, but again not those given by a higher-precedence source.
    func overlaid(with environment: RawSettings) -> RawSettings {
        var result = self
        let placeholders = environment.all.filter(\.isPlaceholder)
        if let strongest = placeholders.map(\.source.precedence).max() {
            for setting in all where setting.isPlaceholder && setting.source.precedence <= strongest {
                result.byID[setting.key.id] = nil
                result.order.removeAll { $0 == setting.key.id }
            }
        }
        for setting in environment.all {
            if let given = result[setting.key.id], given.source.precedence > setting.source.precedence { continue }
            result.put(setting)
        }
        return result
    }
}

private extension RawSetting {
    var isPlaceholder: Bool {
        if case .placeholder = key.kind { return true }
        return false
    }
}
