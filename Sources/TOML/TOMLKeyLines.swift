/// The line where each key of a TOML document is written.
///
/// TOMLKit reports positions for syntax errors only, so keys are found here in the text. This scan only
/// follows the structure of valid TOML: headers, keys (bare, quoted, dotted), and values to step over
/// (strings of the four kinds, arrays, inline tables).
///
/// It runs before toml++ sees the text, for the syntax errors on which toml++ fails an assertion and
/// stops the process instead of throwing (see `abortingError`). toml++ throws at the first error, so it only
/// reaches those on a valid prefix of the text, which this scan follows.
struct TOMLKeyLines: Sendable {
    /// Each written path (table header or key, from the root) and its 1-based line; the first one wins.
    private var lines: [[String]: Int] = [:]
    /// The first syntax error toml++ 3.4 would abort on: a table header whose key starts with neither a key
    /// character nor a quote (`[é]`, `[=x]`), an array item that starts with `}` or a line separator
    /// (`[1, }`), a date followed by `T` and no time. TOMLDocument reports it instead of handing the text to toml++.
    private(set) var abortingError: TOMLSyntaxError?

    init(_ text: String) {
        var scanner = Scanner(Array(text.unicodeScalars))
        scanner.scanDocument { path, line in
            if lines[path] == nil { lines[path] = line }
        }
        abortingError = scanner.abortingError
    }

    func line(of path: [String]) -> Int {
        var ancestor = path
        while !ancestor.isEmpty {
            if let line = lines[ancestor] { return line }
            ancestor.removeLast()
        }
        let descendants = lines.filter { $0.key.starts(with: path) }.map(\.value)
        return descendants.min() ?? 1
    }

    private struct Scanner {
        let text: [Unicode.Scalar]
        var index = 0
        var line = 1
        /// Where the current line starts, for columns.
        var lineStart = 0
        var abortingError: TOMLSyntaxError?

        init(_ text: [Unicode.Scalar]) { self.text = text }

        var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < text.count ? text[index + offset] : nil
        }

        func starts(with prefix: String) -> Bool {
            var offset = 0
            for scalar in prefix.unicodeScalars {
                guard peek(offset) == scalar else { return false }
                offset += 1
            }
            return true
        }

        /// Steps over one scalar, counting lines.
        mutating func advance(_ count: Int = 1) {
            for _ in 0..<count where index < text.count {
                index += 1
                if text[index - 1] == "\n" {
                    line += 1
                    lineStart = index
                }
            }
        }

        mutating func skipBlanks() {
            while current == " " || current == "\t" { advance() }
        }

        /// Blanks, line breaks and comments, as found between the items of an array.
        mutating func skipSpace() {
            while let scalar = current {
                if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    advance()
                } else if scalar == "#" {
                    skipComment()
                } else {
                    return
                }
            }
        }

        mutating func skipComment() {
            while let scalar = current, scalar != "\n" { advance() }
        }

        mutating func scanDocument(_ record: (_ path: [String], _ line: Int) -> Void) {
            var table: [String] = []
            if current == "\u{FEFF}" {  // a byte order mark, which toml++ skips
                advance()
                lineStart = index
            }
            while index < text.count {
                skipSpace()
                guard let scalar = current else { return }
                if scalar == "[" {
                    if abortingError == nil { abortingError = checkedHeaderStart() }
                    let arrayOfTables = peek(1) == "["
                    advance(arrayOfTables ? 2 : 1)
                    let headerLine = line
                    table = keyPath()
                    record(table, headerLine)
                    advance(arrayOfTables ? 2 : 1)  // `]` or `]]`
                } else {
                    let start = index
                    keyValue(under: table, record)
                    if index == start { advance() }  // never stall on something unexpected
                }
            }
        }

        /// At a `[` that starts a line: the error for a header whose key starts with something toml++ does not
        /// check before asserting on it. Follows toml++'s header parsing: blanks, a second `[` (only right after
        /// the first), blanks; a `]`, a quote, a key character, the end, or white space it rejects itself are fine.
        func checkedHeaderStart() -> TOMLSyntaxError? {
            guard text[lineStart..<index].allSatisfy({ $0 == " " || $0 == "\t" }) else {
                return nil  // not a header: toml++ rejects what follows a value on its line
            }
            var offset = 1
            func skipBlanks() -> Bool {
                let start = offset
                while peek(offset) == " " || peek(offset) == "\t" { offset += 1 }
                return offset > start
            }
            if skipBlanks(), peek(offset) == "[" { return nil }  // `[ [`: toml++ says the brackets must touch
            if peek(offset) == "[" {
                offset += 1
                _ = skipBlanks()
            }
            guard let found = peek(offset), found != "]", found != "\"", found != "'", !Self.isBareKeyScalar(found),
                  !Self.isOtherHorizontalSpace(found) else { return nil }
            return TOMLSyntaxError(line: line, column: index + offset - lineStart + 1,
                                   message: "Error while parsing table header: expected bare key starting character or string delimiter, saw \(Self.shown(found))")
        }

        /// `'x'`, or a code point for what does not print.
        static func shown(_ scalar: Unicode.Scalar) -> String {
            if scalar == "\n" || scalar == "\r" { return "a line break" }
            guard scalar.properties.generalCategory == .control || scalar.properties.isWhitespace else { return "'\(scalar)'" }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }

        /// White space other than space and tab, which toml++ reports as an error wherever it finds it.
        static func isOtherHorizontalSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF: return true
            default: return false
            }
        }

        /// `key = value`, recording the key (and those of an inline table in the value).
        mutating func keyValue(under parent: [String], _ record: (_ path: [String], _ line: Int) -> Void) {
            let keyLine = line
            let path = parent + keyPath()
            record(path, keyLine)
            skipBlanks()
            if current == "=" { advance() }
            skipBlanks()
            value(under: path, record)
        }

        /// A dotted key: bare, "basic" or 'literal' parts separated by dots (blanks allowed around them).
        mutating func keyPath() -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                switch current {
                case "\"": parts.append(basicString())
                case "'": parts.append(literalString())
                default:
                    var part = ""
                    while let scalar = current, Self.isBareKeyScalar(scalar) {
                        part.unicodeScalars.append(scalar)
                        advance()
                    }
                    parts.append(part)
                }
                skipBlanks()
                guard current == "." else { return parts }
                advance()
            }
        }

        static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar == "-" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar)
        }

        /// Steps over a value; keys of an inline table are recorded under `path`.
        mutating func value(under path: [String], _ record: (_ path: [String], _ line: Int) -> Void) {
            switch current {
            case "\"":
                if starts(with: "\"\"\"") { skipMultiline(quote: "\"") } else { _ = basicString() }
            case "'":
                if starts(with: "'''") { skipMultiline(quote: "'") } else { _ = literalString() }
            case "[":
                advance()
                var expectsItem = true
                while true {
                    skipSpace()
                    guard let scalar = current, scalar != "]" else { break }
                    if scalar == "," {
                        advance()
                        expectsItem = true
                        continue
                    }
                    // toml++ asserts that an item does not start with what ends a value; it checks the rest.
                    if expectsItem, abortingError == nil, scalar == "}" || [0x85, 0x2028, 0x2029].contains(scalar.value) {
                        abortingError = TOMLSyntaxError(line: line, column: index - lineStart + 1,
                                                        message: "Error while parsing array: expected value or closing ']', saw \(Self.shown(scalar))")
                    }
                    expectsItem = false
                    let start = index
                    value(under: path, { _, _ in })  // tables in arrays are not settings
                    if index == start { advance() }
                }
                advance()
            case "{":
                advance()
                while true {
                    skipSpace()
                    guard let scalar = current, scalar != "}" else { break }
                    if scalar == "," { advance(); continue }
                    let start = index
                    keyValue(under: path, record)
                    if index == start { advance() }
                }
                advance()
            default:
                let start = index
                while let scalar = current, !" \t\r\n,]}#".unicodeScalars.contains(scalar) { advance() }
                if abortingError == nil { abortingError = checkedDateTime(text[start..<index]) }
            }
        }

        /// The error for a date followed by `T` and no time (`1979-05-27T(`, `1979-05-27T 07:32:00`): toml++
        /// asserts that a digit follows the `T`. (A blank between date and time is checked by toml++.)
        func checkedDateTime(_ value: ArraySlice<Unicode.Scalar>) -> TOMLSyntaxError? {
            let scalars = Array(value)
            func isDigit(_ offset: Int) -> Bool { offset < scalars.count && ("0"..."9").contains(scalars[offset]) }
            guard scalars.count >= 11, [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy(isDigit), scalars[4] == "-", scalars[7] == "-",
                  scalars[10] == "T" || scalars[10] == "t", !isDigit(11) else { return nil }
            let offset = value.startIndex + 11
            guard offset < text.count else { return nil }  // the end of the text: toml++ says so itself
            return TOMLSyntaxError(line: line, column: offset - lineStart + 1,
                                   message: "Error while parsing date-time: expected 2-digit hour, saw \(Self.shown(text[offset]))")
        }

        /// A one-line "basic" string, its escapes decoded (a quoted key's text).
        mutating func basicString() -> String {
            advance()
            var result = ""
            while let scalar = current, scalar != "\"", scalar != "\n" {
                advance()
                guard scalar == "\\", let escaped = current else {
                    result.unicodeScalars.append(scalar)
                    continue
                }
                advance()
                switch escaped {
                case "b": result += "\u{8}"
                case "t": result += "\t"
                case "n": result += "\n"
                case "f": result += "\u{C}"
                case "r": result += "\r"
                case "e": result += "\u{1B}"
                case "u", "U", "x":
                    let length = escaped == "u" ? 4 : escaped == "U" ? 8 : 2
                    var digits = ""
                    for _ in 0..<length {
                        guard let digit = current, digit.properties.isASCIIHexDigit else { break }
                        digits.unicodeScalars.append(digit)
                        advance()
                    }
                    if let code = UInt32(digits, radix: 16), let decoded = Unicode.Scalar(code) {
                        result.unicodeScalars.append(decoded)
                    }
                default: result.unicodeScalars.append(escaped)
                }
            }
            advance()
            return result
        }

        /// A one-line 'literal' string: no escapes.
        mutating func literalString() -> String {
            advance()
            var result = ""
            while let scalar = current, scalar != "'", scalar != "\n" {
                result.unicodeScalars.append(scalar)
                advance()
            }
            advance()
            return result
        }

        /// A `"""` or `'''` string, which may hold line breaks and, before its end, up to two more quotes.
        mutating func skipMultiline(quote: Unicode.Scalar) {
            let delimiter = String(repeating: String(quote), count: 3)
            advance(3)
            while current != nil, !starts(with: delimiter) {
                if quote == "\"" && current == "\\" { advance() }
                advance()
            }
            advance(3)
            var extra = 0
            while extra < 2, current == quote {
                advance()
                extra += 1
            }
        }
    }
}
