import FoundationEssentials
import PostgresClient
import Glibc

/// Per-script settings from `V3__x.sql.conf` next to the migration (Flyway's script configuration).
struct ScriptConfig {
    var executeInTransaction: Bool?
    var encoding: String.Encoding?
    var placeholderReplacement: Bool?

    /// Reads `<script>.conf` if present: a properties file, like Flyway's. Unknown keys are errors naming file:line.
    static func load(for script: URL, displayPath: String) throws -> ScriptConfig? {
        let path = script.path + ".conf"
        guard FileSystem.kind(of: path) != nil else { return nil }
        let name = displayPath + ".conf"
        /// A problem in the file, at `line` (0: the file as a whole).
        func problem(_ line: Int, _ message: String) -> MigrationError {
            .script(SQLScriptError(file: name, line: line, message: message))
        }
        let text: String
        do {
            text = try FileSystem.utf8Text(at: path)
        } catch {
            throw problem(error.line ?? 0, "cannot read the script configuration file: \(error.reason)")
        }
        let file: PropertiesFile
        do {
            file = try PropertiesFile(parsing: text, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw problem(error.line, error.message)
        }
        var config = ScriptConfig()
        for entry in file.entries {
            func bool() throws -> Bool {
                switch entry.value.lowercased() {
                case "true": return true
                case "false": return false
                default: throw problem(entry.line, "\(entry.key): expected true or false, got '\(entry.value)'")
                }
            }
            switch entry.key.lowercased().replacing("flyway.", with: "") {
            case "executeintransaction": config.executeInTransaction = try bool()
            case "placeholderreplacement": config.placeholderReplacement = try bool()
            case "encoding":
                guard let encoding = FileEncoding.named(entry.value) else {
                    throw problem(entry.line, "encoding: expected \(FileEncoding.supportedNames), got '\(entry.value)'")
                }
                config.encoding = encoding
            default:
                throw problem(entry.line, "unknown script configuration key '\(entry.key)' (known: executeInTransaction, encoding, placeholderReplacement)")
            }
        }
        return config
    }
}

/// How one migration file is read: where it is shown as, its `.sql.conf`, its encoding and its placeholders.
struct ScriptSettings {
    var displayPath: String
    var config: ScriptConfig?
    var encoding: String.Encoding
    /// nil when placeholder replacement is off (globally or in the `.sql.conf`).
    var placeholders: PlaceholderReplacer?

    func reader(_ file: MigrationFile) throws -> SQLScriptReader {
        try SQLScriptReader(path: file.filepath, displayName: displayPath, encoding: encoding, placeholders: placeholders)
    }
}

extension Migrator {
    /// The settings `file` is read with in this session, resolved once (its `.sql.conf` read once) whether
    /// it is needed for a repeatable's checksum, for planning, or both.
    func scriptSettings(for file: MigrationFile, session: Session) throws -> ScriptSettings {
        if let known = session.scriptSettings[file.filepath] { return known }
        let settings = try scriptSettings(for: file, scanner: try scanner, placeholderValues: session.placeholderValues)
        session.scriptSettings[file.filepath] = settings
        return settings
    }

    private func scriptSettings(for file: MigrationFile, scanner: MigrationScanner, placeholderValues: [String: String]) throws -> ScriptSettings {
        let displayPath = scanner.displayPath(file.filepath)
        let config = try ScriptConfig.load(for: file.url, displayPath: displayPath)
        let encoding = config?.encoding ?? scanner.encoding
        var placeholders: PlaceholderReplacer?
        if config?.placeholderReplacement ?? configuration.placeholderReplacement {
            var values = placeholderValues
            values["flyway:filename"] = String(file.script.split(separator: "/").last ?? Substring(file.script))
            placeholders = PlaceholderReplacer(values: values, prefix: configuration.placeholderPrefix, suffix: configuration.placeholderSuffix)
        }
        return ScriptSettings(displayPath: displayPath, config: config, encoding: encoding, placeholders: placeholders)
    }
}
