import Foundation

/// Per-script settings from `V3__x.sql.conf` next to the migration (Flyway's script configuration).
struct ScriptConfig {
    var executeInTransaction: Bool?
    var encoding: String?
    var placeholderReplacement: Bool?

    /// Reads `<script>.conf` if present. Unknown keys are errors naming file:line.
    static func load(for script: URL, displayPath: String) throws -> ScriptConfig? {
        let url = URL(fileURLWithPath: script.path + ".conf")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let name = displayPath + ".conf"
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw MigrationError.unreadableFile(path: name, reason: "cannot read the script configuration file as UTF-8")
        }
        var config = ScriptConfig()
        for (index, rawLine) in text.components(separatedBy: .newlines).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw MigrationError.unreadableFile(path: "\(name):\(index + 1)", reason: "expected key=value")
            }
            let key = line[..<separator].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            func bool() throws -> Bool {
                switch value.lowercased() {
                case "true": return true
                case "false": return false
                default: throw MigrationError.unreadableFile(path: "\(name):\(index + 1)", reason: "\(key): expected true or false, got '\(value)'")
                }
            }
            switch key.lowercased().replacingOccurrences(of: "flyway.", with: "") {
            case "executeintransaction": config.executeInTransaction = try bool()
            case "placeholderreplacement": config.placeholderReplacement = try bool()
            case "encoding": config.encoding = value
            default:
                throw MigrationError.unreadableFile(path: "\(name):\(index + 1)", reason: "unknown script configuration key '\(key)' (known: executeInTransaction, encoding, placeholderReplacement)")
            }
        }
        return config
    }
}
