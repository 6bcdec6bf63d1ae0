/// A Flyway `.conf` file, read the way Flyway's CLI reads it.
///
/// Flyway (ConfigUtils.loadConfigurationFromString) does not hand the file to java.util.Properties
/// as is. It first prepares each line, then expands `${VAR}`, then parses Java properties:
/// 1. Every line is trimmed at both ends (Java `trim()`: everything up to U+0020). So values never
///    keep leading or trailing whitespace from the file; we do the same on purpose, since a value
///    copied with a trailing space is almost never meant.
/// 2. Every backslash is doubled, so backslashes in the file are literal: `C:\sql\new`,
///    `pa\ss` and `\u00e9` reach the value unchanged. The one exception is line continuation:
///    a line ending in `\` continues onto the next line unless that line is empty or is itself a
///    `flyway.…=` property (then the backslash is literal too, as in `flyway.locations=C:\sql\`).
/// 3. `${NAME}` (`[A-Za-z0-9_]+`) is replaced by the environment variable, or by nothing if it is
///    not set. This happens after step 2, so escapes inside a variable's *value* are interpreted:
///    a value `a\tb` becomes a, tab, b. That is Flyway's behaviour and we keep it.
/// 4. java.util.Properties rules: `#`/`!` comment lines, blank lines, `key=value`, `key: value` or
///    `key value`, escapes `\t \n \r \f \uXXXX` and `\x` → `x` (only reachable through step 3).
///
/// Comments are recognised after expansion, but a missing variable on a comment line is not
/// reported: nobody needs a warning about a commented-out setting.
struct PropertiesFile {
    struct Entry: Equatable {
        var key: String
        var value: String
        /// 1-based line where the property starts.
        var line: Int
    }

    struct SyntaxError: Error, Equatable {
        var line: Int
        var message: String
    }

    /// In file order; a key may repeat (the last one wins, as in Java).
    private(set) var entries: [Entry] = []
    /// `${NAME}` references to unset variables, on lines that are not comments.
    private(set) var missingVariables: [(line: Int, name: String)] = []

    init(parsing text: String, environment: [String: String]) throws(SyntaxError) {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // a BOM is not part of the first key
        let physical = text.replacing("\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        // Steps 1–3, one physical line at a time so every piece keeps its line number.
        var lines: [(number: Int, text: String)] = []
        var missing: [(line: Int, name: String)] = []
        for (index, raw) in physical.enumerated() {
            var line = Self.doublingBackslashes(Self.javaTrimmed(raw))
            if line.unicodeScalars.reversed().starts(with: ["\\", "\\"]), index + 1 < physical.count,
               Self.continues(onto: physical[index + 1]) {
                line.unicodeScalars.removeLast()
            }
            let (expanded, names) = Self.expandingVariables(in: line, environment: environment)
            missing += names.map { (index + 1, $0) }
            // An expanded value may contain line breaks; Properties treats them as line ends.
            for piece in expanded.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                lines.append((index + 1, String(piece)))
            }
        }

        // Step 4: java.util.Properties over the prepared lines.
        var commentLines = Set<Int>()
        var cursor = 0
        while cursor < lines.count {
            let start = lines[cursor]
            var logical = Self.droppingLeadingBlanks(start.text)
            cursor += 1
            if logical.isEmpty { continue }
            if logical.unicodeScalars.first == "#" || logical.unicodeScalars.first == "!" {
                commentLines.insert(start.number)
                continue
            }
            while Self.endsWithOddBackslashes(logical) {
                logical.unicodeScalars.removeLast()
                guard cursor < lines.count else { break }
                logical += Self.droppingLeadingBlanks(lines[cursor].text)
                cursor += 1
            }
            entries.append(try Self.entry(from: logical, line: start.number))
        }
        missingVariables = missing.filter { !commentLines.contains($0.line) }
    }

    // MARK: Flyway's preparation

    /// Flyway's look-ahead: a trailing backslash continues onto `next` unless `next` is empty or
    /// starts a new `flyway.` property.
    private static func continues(onto next: String) -> Bool {
        if next.isEmpty { return false }
        return !(javaTrimmed(next).unicodeScalars.starts(with: "flyway.".unicodeScalars) && next.unicodeScalars.contains("="))
    }

    /// Flyway's doubling of every backslash, by scalars (in Characters a backslash and a combining mark after it
    /// are one, and would be left single).
    private static func doublingBackslashes(_ line: String) -> String {
        var doubled = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            doubled.append(scalar)
            if scalar == "\\" { doubled.append(scalar) }
        }
        return String(doubled)
    }

    /// Java's `String.trim()`: strips every character up to U+0020 from both ends.
    static func javaTrimmed(_ string: String) -> String {
        let scalars = string.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
              let last = scalars.lastIndex(where: { $0.value > 0x20 }) else { return "" }
        return String(scalars[first...last])
    }

    /// Replaces `${NAME}` with the variable's value (or nothing); returns the names that were unset.
    static func expandingVariables(in line: String, environment: [String: String]) -> (String, [String]) {
        let scalars = Array(line.unicodeScalars)
        var result = String.UnicodeScalarView()
        var missing: [String] = []
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "{" else {
                result.append(scalars[index])
                index += 1
                continue
            }
            let nameStart = index + 2
            var nameEnd = nameStart
            while nameEnd < scalars.count, isVariableCharacter(scalars[nameEnd]) { nameEnd += 1 }
            guard nameEnd > nameStart, nameEnd < scalars.count, scalars[nameEnd] == "}" else {
                result.append(contentsOf: scalars[index..<nameStart])
                index = nameStart
                continue
            }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<nameEnd]))
            if let value = environment[name] {
                result.append(contentsOf: value.unicodeScalars)
            } else if !missing.contains(name) {
                missing.append(name)
            }
            index = nameEnd + 1
        }
        return (String(result), missing)
    }

    private static func isVariableCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    // MARK: java.util.Properties

    // Scalars, as Java reads chars: in Swift's Characters `=` and a combining mark after it are one, and
    // would hide the separator.
    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0C}"
    }

    private static func droppingLeadingBlanks(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.drop(while: isBlank)))
    }

    private static func endsWithOddBackslashes(_ text: String) -> Bool {
        text.unicodeScalars.reversed().prefix(while: { $0 == "\\" }).count % 2 == 1
    }

    /// Splits a logical line into key and value: the key ends at the first unescaped `=`, `:` or
    /// blank; blanks and at most one `=`/`:` separate it from the value.
    private static func entry(from logical: String, line: Int) throws(SyntaxError) -> Entry {
        let characters = Array(logical.unicodeScalars)
        var keyEnd = 0
        var valueStart = characters.count
        var hasSeparator = false
        var escaped = false
        while keyEnd < characters.count {
            let character = characters[keyEnd]
            if !escaped, character == "=" || character == ":" {
                valueStart = keyEnd + 1
                hasSeparator = true
                break
            }
            if !escaped, isBlank(character) {
                valueStart = keyEnd + 1
                break
            }
            escaped = character == "\\" ? !escaped : false
            keyEnd += 1
        }
        while valueStart < characters.count {
            let character = characters[valueStart]
            if !isBlank(character) {
                guard !hasSeparator, character == "=" || character == ":" else { break }
                hasSeparator = true
            }
            valueStart += 1
        }
        return Entry(key: try unescaped(characters[0..<keyEnd], line: line),
                     value: try unescaped(characters[valueStart...], line: line),
                     line: line)
    }

    private static func unescaped(_ characters: ArraySlice<Unicode.Scalar>, line: Int) throws(SyntaxError) -> String {
        var result = String.UnicodeScalarView()
        var index = characters.startIndex
        while index < characters.endIndex {
            let character = characters[index]
            index += 1
            guard character == "\\", index < characters.endIndex else {
                result.append(character)
                continue
            }
            let escape = characters[index]
            index += 1
            switch escape {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                let digits = characters[index..<min(index + 4, characters.endIndex)]
                guard digits.count == 4, let code = UInt32(String(String.UnicodeScalarView(digits)), radix: 16),
                      let scalar = Unicode.Scalar(code) else {
                    // Only reachable through an expanded ${VAR}; Java rejects it the same way.
                    throw SyntaxError(line: line, message: "malformed \\uXXXX escape")
                }
                result.append(scalar)
                index += 4
            default: result.append(escape)
            }
        }
        return String(result)
    }
}
