import MigrateCore

/// Turns Flyway's command line (`-url=… migrate -target=3`, options before or after the command) into
/// swift-argument-parser's: every configuration setting becomes `--setting key=value`.
/// Keys are compared folded (`ConfigurationLoader.foldedKey`), as the loader compares them.
enum FlywayArguments {
    /// Options the tool itself defines, folded; everything else that looks like `-key=value` is a setting.
    static let toolOptions: Set<String> = ["help", "h", "version", "quiet", "q", "debug", "x", "setting"]

    /// Settings that may appear as a bare flag (`--out-of-order` means `outOfOrder=true`).
    static let booleanKeys = ConfigurationLoader.flagKeyNames

    /// `knownKeys` is only needed for `--key value` spellings: built when one is met, not on every run.
    static func normalize(_ arguments: [String], knownKeys: @autoclosure () -> Set<String>) -> [String] {
        let (settings, rest) = separate(arguments, knownKeys: knownKeys())
        // swift-argument-parser only knows the settings option on subcommands: put them after the command.
        guard let command = rest.firstIndex(where: { MigrateTool.commandNames.contains($0) }) else { return rest }
        return Array(rest[...command]) + settings + Array(rest[(command + 1)...])
    }

    /// Splits the arguments into `--setting key=value` pairs and everything else. `knownKeys` are folded
    /// key names; one ending in `.` is a family prefix (`placeholders.`). The words after `new` that are not
    /// an option's value are its description, one `--description` right after `new` (`new add orders -undo`
    /// → `new --description "add orders" --undo`); Flyway's `-description=…` is the same.
    static func separate(_ arguments: [String], knownKeys: @autoclosure () -> Set<String>) -> (settings: [String], rest: [String]) {
        func isKnown(_ folded: String) -> Bool {
            let keys = knownKeys()
            return keys.contains(folded) || keys.contains { $0.hasSuffix(".") && folded.hasPrefix($0) }
        }
        var result: [String] = []
        var settings: [String] = []
        var index = 0
        var afterTerminator = false
        /// Where `new` stands in `result`, and the words of its description.
        var newCommand: Int?
        var descriptionWords: [String] = []
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if afterTerminator || !argument.hasPrefix("-") || argument == "-" || argument == "--" {
                if argument == "--" { afterTerminator = true }
                if newCommand != nil && argument != "--" { descriptionWords.append(argument); continue }
                if argument == "new" { newCommand = result.count }
                result.append(argument)
                continue
            }
            let body = argument.drop(while: { $0 == "-" })
            if ConfigurationLoader.foldedKey(String(body)) == "undo" { result.append("--undo"); continue }
            if let equals = body.firstIndex(of: "=") {
                let key = String(body[..<equals])
                if ConfigurationLoader.foldedKey(key) == "description" { result += ["--description", String(body[body.index(after: equals)...])]; continue }
                if toolOptions.contains(ConfigurationLoader.foldedKey(key)) && key.count > 1 { result.append(argument); continue }
                settings.append(contentsOf: ["--setting", "\(key)=\(body[body.index(after: equals)...])"])
                continue
            }
            let key = String(body)
            let folded = ConfigurationLoader.foldedKey(key)
            if folded == "description", index < arguments.count {
                result += ["--description", arguments[index]]
                index += 1
            } else if let mode = CheckMode(rawValue: folded) {
                // Flyway's `check -drift`: a flag of the check command, whichever way it is spelt.
                result.append("--\(mode.rawValue)")
            } else if toolOptions.contains(folded) || (key.count == 1) {
                result.append(argument)
            } else if booleanKeys.contains(folded) && (index >= arguments.count || arguments[index].hasPrefix("-") || !["true", "false"].contains(arguments[index].lowercased())) {
                settings.append(contentsOf: ["--setting", "\(key)=true"])
            } else if isKnown(folded), index < arguments.count {
                settings.append(contentsOf: ["--setting", "\(key)=\(arguments[index])"])
                index += 1
            } else {
                // Unknown key: keep it as a setting so the loader reports it with a suggestion.
                var value = ""
                if index < arguments.count, !arguments[index].hasPrefix("-"), !MigrateTool.commandNames.contains(arguments[index]) {
                    value = arguments[index]
                    index += 1
                }
                settings.append(contentsOf: ["--setting", "\(key)=\(value)"])
            }
        }
        if let newCommand, !descriptionWords.isEmpty {
            result.insert(contentsOf: ["--description", descriptionWords.joined(separator: " ")], at: newCommand + 1)
        }
        return (settings, result)
    }
}
