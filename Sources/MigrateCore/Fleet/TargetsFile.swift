import FoundationEssentials

/// `-targets=FILE`: one target per line, a url (quoted when it holds blanks, as a `'host=… dbname=…'` string does)
/// and then `key=value` settings for that target; blank lines and `#` comments are skipped.
///
///     # tenants
///     postgresql://db1.internal/tenant_1   placeholders.tenant=1
///     'host=db2.internal dbname=tenant_2'  schemas=tenant_2 placeholders.name='Tenant Two'
enum TargetsFile {
    static func read(_ path: String, shownAs shown: String) throws(ConfigurationError) -> [FleetTarget] {
        let text: String
        do {
            text = try FileSystem.utf8Text(at: path)
        } catch {
            throw ConfigurationError("targets: cannot read '\(shown)'\(error.line.map { " (line \($0))" } ?? ""): \(error.reason)")
        }
        var targets: [FleetTarget] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let number = index + 1
            let fields: [String]
            do throws(ConfigurationError) {
                fields = try Self.fields(of: line)
            } catch {
                throw ConfigurationError("\(shown):\(number): \(error.message)")
            }
            guard let url = fields.first else { continue }
            var settings: [FleetTarget.Setting] = []
            for field in fields.dropFirst() {
                guard let equals = field.firstIndex(of: "="), equals != field.startIndex else {
                    throw ConfigurationError("\(shown):\(number): expected key=value after the url, got '\(field)'"
                        + " (a url with blanks goes in quotes: 'host=… dbname=…')")
                }
                settings.append(.init(key: String(field[..<equals]), value: String(field[field.index(after: equals)...])))
            }
            targets.append(FleetTarget(name: Fleet.displayName(url: url, settings: settings), listing: shown, line: number,
                                       url: url, settings: settings))
        }
        return targets
    }

    /// The blank-separated fields of a line, up to a `#` that starts a field; `'…'` and `"…"` keep blanks and
    /// lose their quotes (`placeholders.name='Tenant Two'`).
    static func fields(of line: Substring) throws(ConfigurationError) -> [String] {
        var fields: [String] = []
        var current = ""
        var inField = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character.isWhitespace {
                if inField { fields.append(current); current = ""; inField = false }
                continue
            }
            if character == "#" && !inField { break }
            inField = true
            if character == "'" || character == "\"" { quote = character } else { current.append(character) }
        }
        if let quote { throw ConfigurationError("a quote (\(quote)) is not closed") }
        if inField { fields.append(current) }
        return fields
    }
}
